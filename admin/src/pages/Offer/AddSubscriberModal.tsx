import * as React from 'react';
import { Button, Field, Flex, TextInput, Typography } from '@strapi/design-system';
import { useNotification } from '@strapi/strapi/admin';
import { errorsOf } from '../../api/client';
import { useOfferActions } from '../../api/offers';
import type { OfferDetail, UserHit } from '../../api/contract';
import { fromLocalInput, useFormatDate } from '../../utils/dates';
import { useFormSubmit } from '../../utils/forms';
import { useT } from '../../utils/translate';
import { FormModal } from '../../components/FormModal';

/** Search a user, pick one, optionally choose the start: the dates come from the offer. */
export const AddSubscriberModal = ({ offer, onClose }: { offer: OfferDetail; onClose: (added: boolean) => void }) => {
  const t = useT();
  const formatDate = useFormatDate();
  const { searchUsers, addSubscriber } = useOfferActions();
  const { toggleNotification } = useNotification();
  const { errors, setErrors, submit } = useFormSubmit();
  const [search, setSearch] = React.useState('');
  const [hits, setHits] = React.useState<UserHit[]>([]);
  const [user, setUser] = React.useState<UserHit | null>(null);
  const [startsAt, setStartsAt] = React.useState('');

  React.useEffect(() => {
    if (user) return;
    const timer = setTimeout(async () => {
      try {
        setHits(await searchUsers(search));
      } catch (error) {
        toggleNotification({ type: 'danger', message: errorsOf(error).message });
      }
    }, 250);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search, user]);

  const save = async () => {
    if (!user) {
      setErrors({ user: t('subscriber.pickUser') });
      return;
    }
    const start = fromLocalInput(startsAt);
    const added = await submit(
      () => addSubscriber(offer.documentId, { user: user.id, ...(start ? { startsAt: start } : {}) }),
      (created) => t('subscriber.added', { date: created.endsAt ? formatDate(created.endsAt, true) : t('unlimited') })
    );
    if (added) onClose(true);
  };

  return (
    <FormModal
      title={t('subscriber.addTo', { offer: offer.title })}
      action={t('subscriber.save')}
      onAction={save}
      onClose={() => onClose(false)}
    >
      <Flex direction="column" alignItems="stretch" gap={4}>
        <Field.Root name="user" error={errors.user} required hint={t('subscriber.userHint')}>
          <Field.Label>{t('subscriber.user')}</Field.Label>
          {user ? (
            <Flex gap={2}>
              <Typography fontWeight="semiBold" data-testid="picked-user">{`${user.username} <${user.email}>`}</Typography>
              <Button variant="tertiary" size="S" onClick={() => setUser(null)}>
                {t('subscriber.change')}
              </Button>
            </Flex>
          ) : (
            <TextInput
              placeholder={t('subscriber.searchUser')}
              value={search}
              onChange={(e: React.ChangeEvent<HTMLInputElement>) => setSearch(e.target.value)}
            />
          )}
          <Field.Hint />
          <Field.Error />
        </Field.Root>
        {!user && (
          <Flex direction="column" alignItems="stretch" gap={1}>
            {hits.map((h) => (
              <Button key={h.id} variant="tertiary" onClick={() => setUser(h)} data-testid="user-hit">
                {`${h.username} <${h.email}>`}
              </Button>
            ))}
          </Flex>
        )}
        <Field.Root name="startsAt" error={errors.startsAt} hint={t('subscriber.startHint')}>
          <Field.Label>{t('subscriber.start')}</Field.Label>
          <TextInput
            type="datetime-local"
            value={startsAt}
            onChange={(e: React.ChangeEvent<HTMLInputElement>) => setStartsAt(e.target.value)}
          />
          <Field.Hint />
          <Field.Error />
        </Field.Root>
      </Flex>
    </FormModal>
  );
};
