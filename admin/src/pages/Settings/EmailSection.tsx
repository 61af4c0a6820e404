import * as React from 'react';
import { Field, Grid, SingleSelect, SingleSelectOption, TextInput, Toggle } from '@strapi/design-system';
import type { Locale } from '../../api/contract';
import { LOCALE_LABELS, useT } from '../../utils/translate';
import { TemplateEditor } from '../../components/TemplateEditor';
import { Section, type SectionProps } from './Section';
import { SettingField } from './SettingField';

/** E-mail: the sender, the default language, receipts, and the template of each message. */
export const EmailSection = ({ form, set, errors, canUpdate }: SectionProps) => {
  const t = useT();
  return (
    <Section title={t('settings.email')}>
      <Grid.Root gap={5}>
        <SettingField
          name="emailFrom"
          label={t('settings.emailFrom.label')}
          hint={t('settings.emailFrom.hint')}
          error={errors.emailFrom}
        >
          <TextInput
            type="email"
            value={form.emailFrom ?? ''}
            onChange={(e: React.ChangeEvent<HTMLInputElement>) => set('emailFrom', e.target.value.trim() || null)}
          />
        </SettingField>
        <SettingField
          name="defaultLocale"
          label={t('settings.defaultLocale.label')}
          hint={t('settings.defaultLocale.hint')}
          error={errors.defaultLocale}
        >
          <SingleSelect value={form.defaultLocale} onChange={(v) => set('defaultLocale', v as Locale)}>
            {Object.keys(LOCALE_LABELS).map((l) => (
              <SingleSelectOption key={l} value={l}>
                {t(LOCALE_LABELS[l])}
              </SingleSelectOption>
            ))}
          </SingleSelect>
        </SettingField>
        <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
          {/* The switch comes before its label, unlike the other settings. */}
          <Field.Root name="receiptEmails" error={errors.receiptEmails} hint={t('settings.receiptEmails.hint')}>
            <Toggle
              checked={form.receiptEmails}
              onLabel={t('settings.on')}
              offLabel={t('settings.off')}
              onChange={(e: React.ChangeEvent<HTMLInputElement>) => set('receiptEmails', e.target.checked)}
            />
            <Field.Label>{t('settings.receiptEmails')}</Field.Label>
            <Field.Hint />
            <Field.Error />
          </Field.Root>
        </Grid.Item>
      </Grid.Root>
      <TemplateEditor
        templates={form.templates}
        onChange={(templates) => set('templates', templates)}
        errors={errors}
        canSendTest={canUpdate}
      />
    </Section>
  );
};
