import * as React from 'react';
import { Alert, Box, Button, Flex } from '@strapi/design-system';
import { useNotification } from '@strapi/strapi/admin';
import { errorsOf } from '../api/client';
import { useConfirmLiveSite, useSafeMode } from '../api/safe-mode';
import { PERMISSIONS } from '../permissions';
import { useCan } from '../utils/can';
import { useT } from '../utils/translate';

/**
 * Shown under a page's header while the staging safe mode holds e-mails to members. An admin
 * who may change the settings confirms "this is the live site" (held messages then go out on
 * the next run) or keeps it safe (closes the banner: nothing changes).
 */
export const SafeModeBanner = () => {
  const t = useT();
  const { toggleNotification } = useNotification();
  const canUpdate = useCan(PERMISSIONS.settingsUpdate);
  const { data, reload } = useSafeMode();
  const confirmLive = useConfirmLiveSite();
  const [closed, setClosed] = React.useState(false);
  const [confirming, setConfirming] = React.useState(false);
  const state = data?.data;
  if (!state?.held || closed) return null;

  const confirm = async () => {
    setConfirming(true);
    try {
      await confirmLive();
      toggleNotification({ type: 'success', message: t('safeMode.confirmed') });
      reload();
    } catch (error) {
      toggleNotification({ type: 'danger', message: errorsOf(error).message });
    } finally {
      setConfirming(false);
    }
  };

  const body =
    state.reason === 'env'
      ? t('safeMode.env', { count: state.heldMessages })
      : t('safeMode.hostChanged', { count: state.heldMessages, current: state.currentHost ?? '—', live: state.liveHost ?? '—' });
  return (
    <Box paddingLeft={10} paddingRight={10} paddingBottom={4} data-testid="safe-mode-banner">
      <Alert
        variant="warning"
        title={t('safeMode.title')}
        closeLabel={t('safeMode.keepSafe')}
        onClose={() => setClosed(true)}
        action={
          canUpdate && state.reason !== 'env' ? (
            <Flex gap={2}>
              <Button variant="danger-light" size="S" loading={confirming} onClick={confirm}>
                {t('safeMode.confirm')}
              </Button>
              <Button variant="tertiary" size="S" onClick={() => setClosed(true)}>
                {t('safeMode.keepSafe')}
              </Button>
            </Flex>
          ) : undefined
        }
      >
        {body}
      </Alert>
    </Box>
  );
};
