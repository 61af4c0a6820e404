import type { DataResponse } from './common';
import type { EmailTemplate, Locale, TemplateKind } from './settings';

/**
 * The settings page's e-mail tools: `GET /subscriptions/email-templates`,
 * `POST /subscriptions/settings/preview`, `POST /subscriptions/settings/test-email`.
 */

/** The shipped templates (what an empty override falls back to) and the variables they may use. */
export type EmailTemplatesResponse = DataResponse<{
  defaults: Record<TemplateKind, Record<Locale, EmailTemplate>>;
  variables: readonly string[];
}>;

/** A template rendered with sample values; `template` is the form's unsaved text. */
export interface TemplatePreviewInput {
  kind: TemplateKind;
  locale: Locale;
  template?: EmailTemplate;
}

/** `POST …/preview`: the rendered message. */
export type TemplatePreviewResponse = DataResponse<EmailTemplate>;

/** `POST …/test-email`: where the test went (the signed-in admin's address). */
export type TestEmailResponse = DataResponse<{ to: string }>;
