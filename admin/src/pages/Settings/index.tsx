import * as React from 'react';
import { Button, Flex } from '@strapi/design-system';
import { Check } from '@strapi/icons';
import { Layouts, Page, useNotification } from '@strapi/strapi/admin';
import { useCan } from '../../utils/can';
import { PERMISSIONS } from '../../permissions';
import { errorsOf } from '../../api/client';
import { useRoles, useSaveSettings, useSettings } from '../../api/settings';
import type { SettingsView } from '../../api/contract';
import { useT } from '../../utils/translate';
import { HealthBanner } from '../../components/HealthBanner';
import { Click2SellSection } from './Click2SellSection';
import { LifecycleSection } from './LifecycleSection';
import { EmailSection } from './EmailSection';
import { QuietHoursSection } from './QuietHoursSection';
import { SafeModeBanner } from '../../components/SafeModeBanner';
import { SelfServiceSection } from './SelfServiceSection';

export const ProtectedSettingsPage = () => (
  <Page.Protect permissions={PERMISSIONS.settingsRead}>
    <HealthBanner />
    <SettingsPage />
  </Page.Protect>
);

/** Settings → Subscriptions: Click2Sell, the lifecycle rules, member self-service, and e-mail. */
export const SettingsPage = () => {
  const t = useT();
  const { toggleNotification } = useNotification();
  const canUpdate = useCan(PERMISSIONS.settingsUpdate);
  const { data, loading } = useSettings();
  const roles = useRoles();
  const saveSettings = useSaveSettings();
  const [form, setForm] = React.useState<SettingsView | null>(null);
  const [secret, setSecret] = React.useState<string | null>(null); // null = keep the stored key
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const [saving, setSaving] = React.useState(false);

  React.useEffect(() => {
    if (data) setForm(data.data);
  }, [data]);

  if (loading || !form) return <Page.Loading />;

  const set = <K extends keyof SettingsView>(key: K, value: SettingsView[K]) => setForm({ ...form, [key]: value });

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setSaving(true);
    const { click2sellSecretKeySet: _set, click2sellSecretKeyFromEnv: _env, ...rest } = form;
    try {
      setForm(await saveSettings({ ...rest, ...(secret !== null ? { click2sellSecretKey: secret } : {}) }));
      setSecret(null);
      setErrors({});
      toggleNotification({ type: 'success', message: t('settings.saved') });
    } catch (error) {
      const { fields, message } = errorsOf(error);
      setErrors(fields);
      toggleNotification({ type: 'danger', message: t('settings.saveFailed', { message }) });
    } finally {
      setSaving(false);
    }
  };

  const section = { form, set, errors, canUpdate };
  return (
    <Page.Main>
      <Page.Title>{t('settings.title')}</Page.Title>
      <form onSubmit={save} noValidate>
        <Layouts.Header
          title={t('settings.title')}
          subtitle={t('settings.subtitle')}
          primaryAction={
            <Button type="submit" startIcon={<Check />} loading={saving} disabled={!canUpdate}>
              {t('action.save')}
            </Button>
          }
        />
        <SafeModeBanner />
        <Layouts.Content>
          <Flex direction="column" alignItems="stretch" gap={6}>
            <Click2SellSection {...section} secret={secret} setSecret={setSecret} />
            <LifecycleSection {...section} roles={roles.data?.data ?? []} />
            <SelfServiceSection {...section} />
            <EmailSection {...section} />
            <QuietHoursSection {...section} />
          </Flex>
        </Layouts.Content>
      </form>
    </Page.Main>
  );
};
