import * as React from 'react';
import { Field, Flex, NumberInput, SingleSelect, SingleSelectOption } from '@strapi/design-system';
import { useOfferActions } from '../../api/offers';
import type { NotificationRule, NotificationRuleInput } from '../../api/contract';
import { useFormSubmit } from '../../utils/forms';
import { PERIOD_LABELS, useT } from '../../utils/translate';
import { FormModal } from '../../components/FormModal';

/** Adds a notification rule to an offer, or edits one (a rule with a documentId). */
export const RuleModal = ({
  offer,
  rule,
  onClose,
}: {
  offer: string;
  rule: NotificationRuleInput | NotificationRule;
  onClose: (saved: boolean) => void;
}) => {
  const t = useT();
  const { saveRule } = useOfferActions();
  const { errors, submit } = useFormSubmit();
  const ruleId = 'documentId' in rule ? rule.documentId : undefined;
  const [value, setValue] = React.useState<Partial<NotificationRuleInput>>(rule);
  const save = async () => {
    // What the form holds, unchecked: the server names any field that is missing or wrong.
    const input = { amount: value.amount, period: value.period, when: value.when } as NotificationRuleInput;
    if (await submit(() => saveRule(offer, ruleId, input), () => t('rules.saved'))) onClose(true);
  };
  return (
    <FormModal
      title={ruleId ? t('rules.edit') : t('rules.add')}
      action={t('action.save')}
      onAction={save}
      onClose={() => onClose(false)}
    >
      <Flex gap={4} alignItems="flex-start">
        <Field.Root name="amount" error={errors.amount} required>
          <Field.Label>{t('rules.amount')}</Field.Label>
          <NumberInput value={value.amount} onValueChange={(amount) => setValue({ ...value, amount })} />
          <Field.Error />
        </Field.Root>
        <Field.Root name="period" error={errors.period} required>
          <Field.Label>{t('rules.period')}</Field.Label>
          <SingleSelect
            value={value.period}
            onChange={(period) => setValue({ ...value, period: period as NotificationRuleInput['period'] })}
          >
            {Object.keys(PERIOD_LABELS).map((p) => (
              <SingleSelectOption key={p} value={p}>
                {t(PERIOD_LABELS[p])}
              </SingleSelectOption>
            ))}
          </SingleSelect>
          <Field.Error />
        </Field.Root>
        <Field.Root name="when" error={errors.when} required>
          <Field.Label>{t('rules.when')}</Field.Label>
          <SingleSelect
            value={value.when}
            onChange={(when) => setValue({ ...value, when: when as NotificationRuleInput['when'] })}
          >
            <SingleSelectOption value="before">{t('rules.before')}</SingleSelectOption>
            <SingleSelectOption value="after">{t('rules.after')}</SingleSelectOption>
          </SingleSelect>
          <Field.Error />
        </Field.Root>
      </Flex>
    </FormModal>
  );
};
