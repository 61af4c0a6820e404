import * as React from 'react';
import {
  Alert,
  Box,
  Button,
  Field,
  Flex,
  Grid,
  NumberInput,
  SingleSelect,
  SingleSelectOption,
  TextInput,
  Textarea,
  Typography,
  Toggle,
} from '@strapi/design-system';
import { Check, Duplicate, Eye, Mail } from '@strapi/icons';
import { Layouts, Page, useClipboard, useFetchClient, useNotification } from '@strapi/strapi/admin';
import { useCan } from '../utils/can';
import { PERMISSIONS } from '../permissions';
import { errorsOf, useGet } from '../utils/api';
import { msg, useT } from '../utils/translate';

type Kind = 'reminder' | 'welcome' | 'expiry' | 'receipt';
type Locale = 'en' | 'fr';
interface Template {
  subject: string;
  text: string;
  html: string;
}
interface Settings {
  renewalWindowHours: number;
  graceHours: number;
  stackingMode: 'parallel' | 'queue';
  fallbackRoleId: number | null;
  purchaseTimezone: string;
  emailFrom: string | null;
  defaultLocale: Locale;
  receiptEmails: boolean;
  templates: Partial<Record<Kind, Partial<Record<Locale, Template>>>>;
  click2sellSecretKeySet: boolean;
  click2sellSecretKeyFromEnv: boolean;
}

const KINDS: Record<Kind, string> = {
  reminder: msg('message.kind.reminder'),
  welcome: msg('message.kind.welcome'),
  expiry: msg('message.kind.expiry'),
  receipt: msg('message.kind.receipt'),
};
const LOCALES: Record<Locale, string> = { en: msg('locale.en'), fr: msg('locale.fr') };
const EMPTY_TEMPLATE: Template = { subject: '', text: '', html: '' };

export const ProtectedSettingsPage = () => (
  <Page.Protect permissions={PERMISSIONS.settingsRead}>
    <SettingsPage />
  </Page.Protect>
);

const Section = ({ title, children }: { title: string; children: React.ReactNode }) => (
  <Box
    background="neutral0"
    hasRadius
    shadow="filterShadow"
    paddingTop={6}
    paddingBottom={6}
    paddingLeft={7}
    paddingRight={7}
  >
    <Flex direction="column" alignItems="stretch" gap={4}>
      <Typography variant="delta" tag="h2">
        {title}
      </Typography>
      {children}
    </Flex>
  </Box>
);

/** Settings → Subscriptions: Click2Sell, the lifecycle rules, and e-mail. */
export const SettingsPage = () => {
  const t = useT();
  const { put, post } = useFetchClient();
  const { toggleNotification } = useNotification();
  const { copy } = useClipboard();
  const canUpdate = useCan(PERMISSIONS.settingsUpdate);
  const { data, loading } = useGet<{ data: Settings }>('/subscriptions/settings');
  const roles = useGet<{ data: { id: number; name: string }[] }>('/subscriptions/roles');
  const [form, setForm] = React.useState<Settings | null>(null);
  const [secret, setSecret] = React.useState<string | null>(null); // null = keep the stored key
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const [saving, setSaving] = React.useState(false);
  const [kind, setKind] = React.useState<Kind>('reminder');
  const [locale, setLocale] = React.useState<Locale>('en');
  const [preview, setPreview] = React.useState<
    { subject: string; text: string; html: string } | { error: string } | null
  >(null);

  React.useEffect(() => {
    if (data) setForm(data.data);
  }, [data]);

  if (loading || !form) return <Page.Loading />;

  const click2sellUrl = `${(window.strapi as unknown as { backendURL: string }).backendURL}/api/subscriptions/click2sell`;
  const set = <K extends keyof Settings>(key: K, value: Settings[K]) => setForm({ ...form, [key]: value });
  const template = form.templates[kind]?.[locale] ?? EMPTY_TEMPLATE;
  const setTemplate = (patch: Partial<Template>) =>
    set('templates', {
      ...form.templates,
      [kind]: { ...(form.templates[kind] ?? {}), [locale]: { ...template, ...patch } },
    });
  const tplError = (field: keyof Template) => errors[`templates.${kind}.${locale}.${field}`];

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setSaving(true);
    const { click2sellSecretKeySet: _set, click2sellSecretKeyFromEnv: _env, ...rest } = form;
    try {
      const res = await put('/subscriptions/settings', {
        ...rest,
        ...(secret !== null ? { click2sellSecretKey: secret } : {}),
      });
      setForm((res.data as { data: Settings }).data);
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

  const runPreview = async () => {
    try {
      const res = await post('/subscriptions/settings/preview', { kind, locale, template });
      setPreview((res.data as { data: Template }).data);
    } catch (error) {
      setPreview({ error: errorsOf(error).message });
    }
  };

  const sendTest = async () => {
    try {
      const res = await post('/subscriptions/settings/test-email', { kind, locale, template });
      toggleNotification({
        type: 'success',
        message: t('settings.email.testSent', { to: (res.data as { data: { to: string } }).data.to }),
      });
    } catch (error) {
      toggleNotification({ type: 'danger', message: errorsOf(error).message });
    }
  };

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
        <Layouts.Content>
          <Flex direction="column" alignItems="stretch" gap={6}>
            <Section title={t('settings.click2sell')}>
              <Grid.Root gap={5}>
                <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
                  <Field.Root
                    name="click2sellSecretKey"
                    error={errors.click2sellSecretKey}
                    hint={
                      form.click2sellSecretKeySet
                        ? t('settings.secret.set')
                        : form.click2sellSecretKeyFromEnv
                          ? t('settings.secret.fromEnv')
                          : t('settings.secret.unset')
                    }
                  >
                    <Field.Label>{t('settings.secret.label')}</Field.Label>
                    <TextInput
                      type="password"
                      autoComplete="new-password"
                      placeholder={form.click2sellSecretKeySet ? '••••••••' : ''}
                      value={secret ?? ''}
                      onChange={(e: React.ChangeEvent<HTMLInputElement>) => setSecret(e.target.value)}
                    />
                    <Field.Hint />
                    <Field.Error />
                  </Field.Root>
                  {form.click2sellSecretKeySet && canUpdate && (
                    <Box paddingTop={2}>
                      <Button variant="danger-light" size="S" onClick={() => setSecret('')}>
                        {t('settings.secret.remove')}
                      </Button>
                    </Box>
                  )}
                </Grid.Item>
                <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
                  <Field.Root name="click2sellUrl" hint={t('settings.url.hint')}>
                    <Field.Label>{t('settings.url.label')}</Field.Label>
                    <Flex gap={2}>
                      <Box grow={1}>
                        <TextInput readOnly value={click2sellUrl} />
                      </Box>
                      <Button
                        variant="secondary"
                        startIcon={<Duplicate />}
                        onClick={async () => {
                          if (await copy(click2sellUrl))
                            toggleNotification({ type: 'info', message: t('settings.url.copied') });
                        }}
                      >
                        {t('settings.url.copy')}
                      </Button>
                    </Flex>
                    <Field.Hint />
                  </Field.Root>
                </Grid.Item>
                <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
                  <Field.Root
                    name="purchaseTimezone"
                    error={errors.purchaseTimezone}
                    hint={t('settings.timezone.hint')}
                  >
                    <Field.Label>{t('settings.timezone.label')}</Field.Label>
                    <TextInput
                      value={form.purchaseTimezone}
                      onChange={(e: React.ChangeEvent<HTMLInputElement>) => set('purchaseTimezone', e.target.value)}
                    />
                    <Field.Hint />
                    <Field.Error />
                  </Field.Root>
                </Grid.Item>
              </Grid.Root>
            </Section>

            <Section title={t('settings.rules')}>
              <Grid.Root gap={5}>
                <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
                  <Field.Root
                    name="renewalWindowHours"
                    error={errors.renewalWindowHours}
                    hint={t('settings.renewalWindow.hint')}
                  >
                    <Field.Label>{t('settings.renewalWindow.label')}</Field.Label>
                    <NumberInput
                      value={form.renewalWindowHours}
                      onValueChange={(v) => set('renewalWindowHours', v as number)}
                    />
                    <Field.Hint />
                    <Field.Error />
                  </Field.Root>
                </Grid.Item>
                <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
                  <Field.Root name="graceHours" error={errors.graceHours} hint={t('settings.grace.hint')}>
                    <Field.Label>{t('settings.grace.label')}</Field.Label>
                    <NumberInput value={form.graceHours} onValueChange={(v) => set('graceHours', v as number)} />
                    <Field.Hint />
                    <Field.Error />
                  </Field.Root>
                </Grid.Item>
                <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
                  <Field.Root name="stackingMode" error={errors.stackingMode} hint={t('settings.stacking.hint')}>
                    <Field.Label>{t('settings.stacking.label')}</Field.Label>
                    <SingleSelect
                      value={form.stackingMode}
                      onChange={(v) => set('stackingMode', v as Settings['stackingMode'])}
                    >
                      <SingleSelectOption value="parallel">{t('settings.stacking.parallel')}</SingleSelectOption>
                      <SingleSelectOption value="queue">{t('settings.stacking.queue')}</SingleSelectOption>
                    </SingleSelect>
                    <Field.Hint />
                    <Field.Error />
                  </Field.Root>
                </Grid.Item>
                <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
                  <Field.Root
                    name="fallbackRoleId"
                    error={errors.fallbackRoleId}
                    hint={t('settings.fallbackRole.hint')}
                  >
                    <Field.Label>{t('settings.fallbackRole.label')}</Field.Label>
                    <SingleSelect
                      value={form.fallbackRoleId === null ? 'default' : String(form.fallbackRoleId)}
                      onChange={(v) => set('fallbackRoleId', v === 'default' ? null : Number(v))}
                    >
                      <SingleSelectOption value="default">{t('settings.fallbackRole.default')}</SingleSelectOption>
                      {(roles.data?.data ?? []).map((r) => (
                        <SingleSelectOption key={r.id} value={String(r.id)}>
                          {r.name}
                        </SingleSelectOption>
                      ))}
                    </SingleSelect>
                    <Field.Hint />
                    <Field.Error />
                  </Field.Root>
                </Grid.Item>
              </Grid.Root>
            </Section>

            <Section title={t('settings.email')}>
              <Grid.Root gap={5}>
                <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
                  <Field.Root name="emailFrom" error={errors.emailFrom} hint={t('settings.emailFrom.hint')}>
                    <Field.Label>{t('settings.emailFrom.label')}</Field.Label>
                    <TextInput
                      type="email"
                      value={form.emailFrom ?? ''}
                      onChange={(e: React.ChangeEvent<HTMLInputElement>) =>
                        set('emailFrom', e.target.value.trim() || null)
                      }
                    />
                    <Field.Hint />
                    <Field.Error />
                  </Field.Root>
                </Grid.Item>
                <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
                  <Field.Root name="defaultLocale" error={errors.defaultLocale} hint={t('settings.defaultLocale.hint')}>
                    <Field.Label>{t('settings.defaultLocale.label')}</Field.Label>
                    <SingleSelect value={form.defaultLocale} onChange={(v) => set('defaultLocale', v as Locale)}>
                      {(Object.keys(LOCALES) as Locale[]).map((l) => (
                        <SingleSelectOption key={l} value={l}>
                          {t(LOCALES[l])}
                        </SingleSelectOption>
                      ))}
                    </SingleSelect>
                    <Field.Hint />
                    <Field.Error />
                  </Field.Root>
                </Grid.Item>
                <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
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
              <Typography variant="sigma" textColor="neutral600">
                {t('settings.templates')}
              </Typography>
              <Flex gap={4}>
                <SingleSelect
                  aria-label={t('settings.templates.kind')}
                  value={kind}
                  onChange={(v) => {
                    setKind(v as Kind);
                    setPreview(null);
                  }}
                >
                  {(Object.keys(KINDS) as Kind[]).map((k) => (
                    <SingleSelectOption key={k} value={k}>
                      {t(KINDS[k])}
                    </SingleSelectOption>
                  ))}
                </SingleSelect>
                <SingleSelect
                  aria-label={t('settings.templates.locale')}
                  value={locale}
                  onChange={(v) => {
                    setLocale(v as Locale);
                    setPreview(null);
                  }}
                >
                  {(Object.keys(LOCALES) as Locale[]).map((l) => (
                    <SingleSelectOption key={l} value={l}>
                      {t(LOCALES[l])}
                    </SingleSelectOption>
                  ))}
                </SingleSelect>
              </Flex>
              <Typography variant="pi" textColor="neutral600">
                {t('settings.templates.hint')}
              </Typography>
              {([
                ['subject', 'settings.templates.subject'],
                ['text', 'settings.templates.text'],
                ['html', 'settings.templates.html'],
              ] as const).map(([part, label]) => (
                <Field.Root key={part} name={`templates.${kind}.${locale}.${part}`} error={tplError(part)}>
                  <Field.Label>{t(label)}</Field.Label>
                  {part === 'subject' ? (
                    <TextInput
                      value={template.subject}
                      onChange={(e: React.ChangeEvent<HTMLInputElement>) => setTemplate({ subject: e.target.value })}
                    />
                  ) : (
                    <Textarea
                      value={template[part]}
                      onChange={(e: React.ChangeEvent<HTMLTextAreaElement>) => setTemplate({ [part]: e.target.value })}
                    />
                  )}
                  <Field.Error />
                </Field.Root>
              ))}
              <Flex gap={2}>
                <Button variant="secondary" startIcon={<Eye />} onClick={runPreview}>
                  {t('settings.email.preview')}
                </Button>
                <Button variant="secondary" startIcon={<Mail />} onClick={sendTest} disabled={!canUpdate}>
                  {t('settings.email.test')}
                </Button>
              </Flex>
              {preview && 'error' in preview && (
                <Alert
                  variant="warning"
                  closeLabel={t('action.clear')}
                  onClose={() => setPreview(null)}
                  title={t('settings.email.previewUnavailable')}
                >
                  {preview.error}
                </Alert>
              )}
              {preview && !('error' in preview) && (
                <Box background="neutral100" hasRadius padding={4}>
                  <Typography fontWeight="bold">{preview.subject}</Typography>
                  <Box paddingTop={2}>
                    <pre style={{ margin: 0, whiteSpace: 'pre-wrap', fontFamily: 'inherit' }}>{preview.text}</pre>
                  </Box>
                </Box>
              )}
            </Section>
          </Flex>
        </Layouts.Content>
      </form>
    </Page.Main>
  );
};
