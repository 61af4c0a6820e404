import * as React from 'react';
import { Alert, Box, Button, Field, Flex, TextInput, Textarea, Typography } from '@strapi/design-system';
import { Eye, Mail } from '@strapi/icons';
import { useNotification } from '@strapi/strapi/admin';
import { errorsOf } from '../api/client';
import { useEmailActions } from '../api/emails';
import type { EmailTemplate, Locale, TemplateKind, TemplateOverrides } from '../api/contract';
import { LOCALE_LABELS, TEMPLATE_KIND_LABELS, msg, optionsOf, useT } from '../utils/translate';
import { FilterSelect } from './FilterSelect';

interface Props {
  /** Every override, by message kind and language (the settings' `templates`). */
  templates: TemplateOverrides;
  onChange: (templates: TemplateOverrides) => void;
  /** The form's field errors, keyed `templates.<kind>.<locale>.<part>`. */
  errors: Record<string, string>;
  /** Whether "send me a test" is allowed. */
  canSendTest: boolean;
}

const EMPTY_TEMPLATE: EmailTemplate = { subject: '', text: '', html: '' };

const PARTS = [
  ['subject', msg('settings.templates.subject')],
  ['text', msg('settings.templates.text')],
  ['html', msg('settings.templates.html')],
] as const;

/**
 * The e-mail templates: pick a message and a language, edit its subject, text and HTML, see it
 * rendered with sample values or send it to yourself. An empty part falls back to the shipped one.
 */
export const TemplateEditor = ({ templates, onChange, errors, canSendTest }: Props) => {
  const t = useT();
  const [kind, setKind] = React.useState<TemplateKind>('reminder');
  const [locale, setLocale] = React.useState<Locale>('en');
  const template = templates[kind]?.[locale] ?? EMPTY_TEMPLATE;
  const name = `templates.${kind}.${locale}`;
  const setTemplate = (patch: Partial<EmailTemplate>) =>
    onChange({ ...templates, [kind]: { ...(templates[kind] ?? {}), [locale]: { ...template, ...patch } } });

  return (
    <>
      <Typography variant="sigma" textColor="neutral600">
        {t('settings.templates')}
      </Typography>
      <Flex gap={4}>
        <FilterSelect
          label={t('settings.templates.kind')}
          value={kind}
          onChange={(v) => setKind(v as TemplateKind)}
          options={optionsOf(t, TEMPLATE_KIND_LABELS)}
          clearable={false}
        />
        <FilterSelect
          label={t('settings.templates.locale')}
          value={locale}
          onChange={(v) => setLocale(v as Locale)}
          options={optionsOf(t, LOCALE_LABELS)}
          clearable={false}
        />
      </Flex>
      <Typography variant="pi" textColor="neutral600">
        {t('settings.templates.hint')}
      </Typography>
      {PARTS.map(([part, label]) => (
        <Field.Root key={part} name={`${name}.${part}`} error={errors[`${name}.${part}`]}>
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
      {/* A new message or language starts without the previous one's preview. */}
      <TemplatePreview key={name} kind={kind} locale={locale} template={template} canSendTest={canSendTest} />
    </>
  );
};

/** Preview and "send me a test" of the template as it stands in the form (saved or not). */
const TemplatePreview = ({
  kind,
  locale,
  template,
  canSendTest,
}: {
  kind: TemplateKind;
  locale: Locale;
  template: EmailTemplate;
  canSendTest: boolean;
}) => {
  const t = useT();
  const { toggleNotification } = useNotification();
  const emails = useEmailActions();
  const [preview, setPreview] = React.useState<EmailTemplate | { error: string } | null>(null);

  const runPreview = async () => {
    try {
      setPreview(await emails.preview({ kind, locale, template }));
    } catch (error) {
      setPreview({ error: errorsOf(error).message });
    }
  };

  const sendTest = async () => {
    try {
      const to = await emails.sendTest({ kind, locale, template });
      toggleNotification({ type: 'success', message: t('settings.email.testSent', { to }) });
    } catch (error) {
      toggleNotification({ type: 'danger', message: errorsOf(error).message });
    }
  };

  return (
    <>
      <Flex gap={2}>
        <Button variant="secondary" startIcon={<Eye />} onClick={runPreview}>
          {t('settings.email.preview')}
        </Button>
        <Button variant="secondary" startIcon={<Mail />} onClick={sendTest} disabled={!canSendTest}>
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
    </>
  );
};
