import * as React from 'react';
import { Button, Field, Flex, TextInput, Typography } from '@strapi/design-system';
import { Download, Trash } from '@strapi/icons';
import { useNotification } from '@strapi/strapi/admin';
import { errorsOf } from '../api/client';
import { useMemberData } from '../api/members';
import { PERMISSIONS } from '../permissions';
import { useCan } from '../utils/can';
import { useT } from '../utils/translate';
import { ConfirmDialog } from './ConfirmDialog';

/**
 * A member's personal data (GDPR), for admins holding "Export and erase a member's personal
 * data": download everything held about them as one JSON file, or erase it. Erasing asks the admin
 * to type the member's e-mail address; the server checks it again.
 */
export const MemberDataActions = ({ user, onErased }: { user: { id: number; email: string }; onErased?: () => void }) => {
  const t = useT();
  const { toggleNotification } = useNotification();
  const api = useMemberData();
  const allowed = useCan(PERMISSIONS.membersGdpr);
  const [confirming, setConfirming] = React.useState(false);
  const [typed, setTyped] = React.useState('');
  const [error, setError] = React.useState<string | undefined>();
  const [busy, setBusy] = React.useState(false);
  if (!allowed) return null;

  const download = async () => {
    try {
      const url = URL.createObjectURL(await api.exportData(user.id));
      const a = document.createElement('a');
      a.href = url;
      a.download = `member-${user.id}.json`;
      a.click();
      URL.revokeObjectURL(url);
    } catch (e) {
      toggleNotification({ type: 'danger', message: errorsOf(e).message });
    }
  };

  const matches = typed.trim().toLowerCase() === user.email.trim().toLowerCase();
  const erase = async () => {
    setBusy(true);
    try {
      await api.erase(user.id, typed.trim());
      setConfirming(false);
      toggleNotification({ type: 'success', message: t('gdpr.erased') });
      onErased?.();
    } catch (e) {
      const { fields, message } = errorsOf(e);
      setError(fields.confirm ?? message);
    }
    setBusy(false);
  };

  return (
    <Flex gap={2}>
      <Button variant="secondary" startIcon={<Download />} onClick={download}>
        {t('gdpr.export')}
      </Button>
      <Button
        variant="danger-light"
        startIcon={<Trash />}
        onClick={() => {
          setTyped('');
          setError(undefined);
          setConfirming(true);
        }}
      >
        {t('gdpr.erase')}
      </Button>
      <ConfirmDialog
        open={confirming}
        title={t('gdpr.confirm.title')}
        action={t('gdpr.erase')}
        variant="danger"
        disabled={!matches}
        busy={busy}
        onConfirm={erase}
        onClose={() => setConfirming(false)}
      >
        <Flex direction="column" alignItems="stretch" gap={4}>
          <Typography>{t('gdpr.confirm.body', { user: user.email })}</Typography>
          <Field.Root name="confirm" error={error}>
            <Field.Label>{t('gdpr.confirm.label')}</Field.Label>
            <TextInput
              value={typed}
              autoComplete="off"
              onChange={(e: React.ChangeEvent<HTMLInputElement>) => setTyped(e.target.value)}
            />
            <Field.Error />
          </Field.Root>
        </Flex>
      </ConfirmDialog>
    </Flex>
  );
};
