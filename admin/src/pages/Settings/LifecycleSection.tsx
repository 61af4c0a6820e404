import { Grid, NumberInput, SingleSelect, SingleSelectOption } from '@strapi/design-system';
import type { OnUserDeleted, Role, StackingMode } from '../../api/contract';
import { useT } from '../../utils/translate';
import { Section, type SectionProps } from './Section';
import { SettingField } from './SettingField';

/** The lifecycle rules: renewal window, grace, stacking, and the role of members without a subscription. */
export const LifecycleSection = ({ form, set, errors, roles }: SectionProps & { roles: Role[] }) => {
  const t = useT();
  return (
    <Section title={t('settings.rules')}>
      <Grid.Root gap={5}>
        <SettingField
          name="renewalWindowHours"
          label={t('settings.renewalWindow.label')}
          hint={t('settings.renewalWindow.hint')}
          error={errors.renewalWindowHours}
        >
          <NumberInput value={form.renewalWindowHours} onValueChange={(v) => set('renewalWindowHours', v as number)} />
        </SettingField>
        <SettingField
          name="graceHours"
          label={t('settings.grace.label')}
          hint={t('settings.grace.hint')}
          error={errors.graceHours}
        >
          <NumberInput value={form.graceHours} onValueChange={(v) => set('graceHours', v as number)} />
        </SettingField>
        <SettingField
          name="stackingMode"
          label={t('settings.stacking.label')}
          hint={t('settings.stacking.hint')}
          error={errors.stackingMode}
        >
          <SingleSelect value={form.stackingMode} onChange={(v) => set('stackingMode', v as StackingMode)}>
            <SingleSelectOption value="parallel">{t('settings.stacking.parallel')}</SingleSelectOption>
            <SingleSelectOption value="queue">{t('settings.stacking.queue')}</SingleSelectOption>
          </SingleSelect>
        </SettingField>
        <SettingField
          name="onUserDeleted"
          label={t('settings.onUserDeleted.label')}
          hint={t('settings.onUserDeleted.hint')}
          error={errors.onUserDeleted}
        >
          <SingleSelect value={form.onUserDeleted} onChange={(v) => set('onUserDeleted', v as OnUserDeleted)}>
            <SingleSelectOption value="end">{t('settings.onUserDeleted.end')}</SingleSelectOption>
            <SingleSelectOption value="delete">{t('settings.onUserDeleted.delete')}</SingleSelectOption>
          </SingleSelect>
        </SettingField>
        <SettingField
          name="fallbackRoleId"
          label={t('settings.fallbackRole.label')}
          hint={t('settings.fallbackRole.hint')}
          error={errors.fallbackRoleId}
        >
          <SingleSelect
            value={form.fallbackRoleId === null ? 'default' : String(form.fallbackRoleId)}
            onChange={(v) => set('fallbackRoleId', v === 'default' ? null : Number(v))}
          >
            <SingleSelectOption value="default">{t('settings.fallbackRole.default')}</SingleSelectOption>
            {roles.map((r) => (
              <SingleSelectOption key={r.id} value={String(r.id)}>
                {r.name}
              </SingleSelectOption>
            ))}
          </SingleSelect>
        </SettingField>
      </Grid.Root>
    </Section>
  );
};
