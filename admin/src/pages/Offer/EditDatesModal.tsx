import * as React from 'react';
import { Field, Flex, TextInput } from '@strapi/design-system';
import { useSubscriptionActions } from '../../api/subscriptions';
import type { SubscriptionListItem } from '../../api/contract';
import { fromLocalInput, toLocalInput } from '../../utils/dates';
import { useFormSubmit } from '../../utils/forms';
import { useT } from '../../utils/translate';
import { FormModal } from '../../components/FormModal';

/** Move a subscription's dates; its user is shown, never editable. */
export const EditDatesModal = ({
  item,
  onClose,
}: {
  item: SubscriptionListItem;
  onClose: (saved: boolean) => void;
}) => {
  const t = useT();
  const { editDates } = useSubscriptionActions();
  const { errors, submit } = useFormSubmit();
  const [dates, setDates] = React.useState({
    startsAt: toLocalInput(item.startsAt),
    dueAt: toLocalInput(item.dueAt),
    endsAt: toLocalInput(item.endsAt),
  });
  const save = async () => {
    const input = {
      startsAt: fromLocalInput(dates.startsAt) ?? undefined,
      dueAt: fromLocalInput(dates.dueAt),
      endsAt: fromLocalInput(dates.endsAt),
    };
    if (await submit(() => editDates(item.documentId, input), () => t('subscriber.datesSaved'))) onClose(true);
  };
  const input = (key: 'startsAt' | 'dueAt' | 'endsAt', label: string) => (
    <Field.Root name={key} error={errors[key]}>
      <Field.Label>{label}</Field.Label>
      <TextInput
        type="datetime-local"
        value={dates[key]}
        onChange={(e: React.ChangeEvent<HTMLInputElement>) => setDates({ ...dates, [key]: e.target.value })}
      />
      <Field.Error />
    </Field.Root>
  );
  return (
    <FormModal
      title={t('subscriber.editDates')}
      action={t('action.save')}
      onAction={save}
      onClose={() => onClose(false)}
    >
      <Flex direction="column" alignItems="stretch" gap={4}>
        <Field.Root name="user" hint={t('subscriber.userFixed')}>
          <Field.Label>{t('subscriber.user')}</Field.Label>
          <TextInput disabled value={item.user ? `${item.user.username} <${item.user.email}>` : '—'} />
          <Field.Hint />
        </Field.Root>
        {input('startsAt', t('column.start'))}
        {input('dueAt', t('column.due'))}
        {input('endsAt', t('column.end'))}
      </Flex>
    </FormModal>
  );
};
