import * as React from 'react';
import { Field, Grid, TextInput, Toggle } from '@strapi/design-system';
import { useT } from '../../utils/translate';
import { Section, type SectionProps } from './Section';
import { SettingField } from './SettingField';

/** The site's time zone and the reminders' sending window (quiet hours). */
export const QuietHoursSection = ({ form, set, errors }: SectionProps) => {
  const t = useT();
  const window = form.quietHours;
  const setWindow = (patch: Partial<typeof window>) => set('quietHours', { ...window, ...patch });
  return (
    <Section title={t('settings.quietHours')}>
      <Grid.Root gap={5}>
        <SettingField name="timeZone" label={t('settings.timeZone.label')} hint={t('settings.timeZone.hint')} error={errors.timeZone}>
          <TextInput
            value={form.timeZone}
            placeholder="Europe/Paris"
            onChange={(e: React.ChangeEvent<HTMLInputElement>) => set('timeZone', e.target.value.trim())}
          />
        </SettingField>
        <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
          <Field.Root name="quietHours.enabled" error={errors['quietHours.enabled']} hint={t('settings.quietHours.enabled.hint')}>
            <Toggle
              checked={window.enabled}
              onLabel={t('settings.on')}
              offLabel={t('settings.off')}
              onChange={(e: React.ChangeEvent<HTMLInputElement>) => setWindow({ enabled: e.target.checked })}
            />
            <Field.Label>{t('settings.quietHours.enabled')}</Field.Label>
            <Field.Hint />
            <Field.Error />
          </Field.Root>
        </Grid.Item>
        <SettingField
          name="quietHours.start"
          label={t('settings.quietHours.start.label')}
          hint={t('settings.quietHours.start.hint')}
          error={errors['quietHours.start']}
        >
          <TextInput
            type="time"
            value={window.start}
            disabled={!window.enabled}
            onChange={(e: React.ChangeEvent<HTMLInputElement>) => setWindow({ start: e.target.value })}
          />
        </SettingField>
        <SettingField
          name="quietHours.end"
          label={t('settings.quietHours.end.label')}
          hint={t('settings.quietHours.end.hint')}
          error={errors['quietHours.end'] ?? errors.quietHours}
        >
          <TextInput
            type="time"
            value={window.end}
            disabled={!window.enabled}
            onChange={(e: React.ChangeEvent<HTMLInputElement>) => setWindow({ end: e.target.value })}
          />
        </SettingField>
      </Grid.Root>
    </Section>
  );
};
