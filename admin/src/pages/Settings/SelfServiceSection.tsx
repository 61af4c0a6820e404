import * as React from 'react';
import { Grid, NumberInput, TextInput } from '@strapi/design-system';
import { useT } from '../../utils/translate';
import { Section, type SectionProps } from './Section';
import { SettingField } from './SettingField';

/** Member self-service: the cap on free offers, where members renew, and where they manage Click2Sell purchases. */
export const SelfServiceSection = ({ form, set, errors }: SectionProps) => {
  const t = useT();
  return (
    <Section title={t('settings.selfService')}>
      <Grid.Root gap={5}>
        <SettingField
          name="freeSubscriptionsPerMember"
          label={t('settings.freeSubscriptionsPerMember.label')}
          hint={t('settings.freeSubscriptionsPerMember.hint')}
          error={errors.freeSubscriptionsPerMember}
        >
          <NumberInput
            value={form.freeSubscriptionsPerMember ?? undefined}
            onValueChange={(v) => set('freeSubscriptionsPerMember', v === undefined || v === null ? null : (v as number))}
          />
        </SettingField>
        <SettingField
          name="renewalUrl"
          label={t('settings.renewalUrl.label')}
          hint={t('settings.renewalUrl.hint')}
          error={errors.renewalUrl}
        >
          <TextInput
            type="url"
            value={form.renewalUrl ?? ''}
            onChange={(e: React.ChangeEvent<HTMLInputElement>) => set('renewalUrl', e.target.value.trim() || null)}
          />
        </SettingField>
        <SettingField
          name="providerManageUrl"
          label={t('settings.providerManageUrl.label')}
          hint={t('settings.providerManageUrl.hint')}
          error={errors.providerManageUrl}
        >
          <TextInput
            type="url"
            value={form.providerManageUrl ?? ''}
            onChange={(e: React.ChangeEvent<HTMLInputElement>) => set('providerManageUrl', e.target.value.trim() || null)}
          />
        </SettingField>
      </Grid.Root>
    </Section>
  );
};
