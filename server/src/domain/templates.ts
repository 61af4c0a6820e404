import { DateTime } from 'luxon';

/**
 * E-mail templates: shipped defaults in English and French, and a tiny renderer.
 *
 * Syntax: `{{name}}` inserts a variable (HTML-escaped in the HTML part), `{{#name}}…{{/name}}`
 * keeps its content only when the variable is set (not empty, not false). Nothing else: admins
 * edit these in the settings, so the language must stay small and unable to run code.
 */
export const TEMPLATE_LOCALES = ['en', 'fr'] as const;
export type TemplateLocale = (typeof TEMPLATE_LOCALES)[number];
export const TEMPLATE_KINDS = ['reminder', 'welcome', 'expiry', 'receipt'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

export interface Template {
  subject: string;
  text: string;
  html: string;
}

/**
 * The variables every template may use. `name` is the member's name (the buyer's name and surname
 * Click2Sell sent, passed as the message's `data.name`); when unknown it is the username.
 */
export const TEMPLATE_VARIABLES = [
  'name',
  'username',
  'email',
  'offerTitle',
  'startsAt',
  'endsAt',
  'dueAt',
  'before',
  'after',
  'renewalUrl',
  'setPasswordUrl',
] as const;

export type TemplateValues = Record<string, string | number | boolean | null | undefined>;

export const DEFAULT_TEMPLATES: Record<TemplateKind, Record<TemplateLocale, Template>> = {
  reminder: {
    en: {
      subject: '{{#before}}Your subscription "{{offerTitle}}" ends on {{endsAt}}{{/before}}{{#after}}Your subscription "{{offerTitle}}" ended on {{endsAt}}{{/after}}',
      text:
        'Hello {{username}},\n\n' +
        '{{#before}}Your subscription "{{offerTitle}}" ends on {{endsAt}}.{{/before}}' +
        '{{#after}}Your subscription "{{offerTitle}}" ended on {{endsAt}}.{{/after}}\n' +
        '{{#renewalUrl}}Renew it here: {{renewalUrl}}\n{{/renewalUrl}}',
      html:
        '<p>Hello {{username}},</p>' +
        '<p>{{#before}}Your subscription “{{offerTitle}}” ends on {{endsAt}}.{{/before}}' +
        '{{#after}}Your subscription “{{offerTitle}}” ended on {{endsAt}}.{{/after}}</p>' +
        '{{#renewalUrl}}<p><a href="{{renewalUrl}}">Renew it here</a></p>{{/renewalUrl}}',
    },
    fr: {
      subject: '{{#before}}Votre abonnement « {{offerTitle}} » se termine le {{endsAt}}{{/before}}{{#after}}Votre abonnement « {{offerTitle}} » a pris fin le {{endsAt}}{{/after}}',
      text:
        'Bonjour {{username}},\n\n' +
        '{{#before}}Votre abonnement « {{offerTitle}} » se termine le {{endsAt}}.{{/before}}' +
        '{{#after}}Votre abonnement « {{offerTitle}} » a pris fin le {{endsAt}}.{{/after}}\n' +
        '{{#renewalUrl}}Pour le renouveler : {{renewalUrl}}\n{{/renewalUrl}}',
      html:
        '<p>Bonjour {{username}},</p>' +
        '<p>{{#before}}Votre abonnement « {{offerTitle}} » se termine le {{endsAt}}.{{/before}}' +
        '{{#after}}Votre abonnement « {{offerTitle}} » a pris fin le {{endsAt}}.{{/after}}</p>' +
        '{{#renewalUrl}}<p><a href="{{renewalUrl}}">Le renouveler</a></p>{{/renewalUrl}}',
    },
  },
  welcome: {
    en: {
      subject: 'Welcome{{#offerTitle}} to {{offerTitle}}{{/offerTitle}}',
      text:
        'Hello {{name}},\n\n' +
        'Your account has been created{{#offerTitle}} for "{{offerTitle}}"{{/offerTitle}}.\n' +
        '{{#setPasswordUrl}}Choose your password here (the link works once): {{setPasswordUrl}}\n{{/setPasswordUrl}}',
      html:
        '<p>Hello {{name}},</p>' +
        '<p>Your account has been created{{#offerTitle}} for “{{offerTitle}}”{{/offerTitle}}.</p>' +
        '{{#setPasswordUrl}}<p><a href="{{setPasswordUrl}}">Choose your password</a> (the link works once).</p>{{/setPasswordUrl}}',
    },
    fr: {
      subject: 'Bienvenue{{#offerTitle}} : {{offerTitle}}{{/offerTitle}}',
      text:
        'Bonjour {{name}},\n\n' +
        'Votre compte a été créé{{#offerTitle}} pour « {{offerTitle}} »{{/offerTitle}}.\n' +
        '{{#setPasswordUrl}}Choisissez votre mot de passe ici (lien à usage unique) : {{setPasswordUrl}}\n{{/setPasswordUrl}}',
      html:
        '<p>Bonjour {{name}},</p>' +
        '<p>Votre compte a été créé{{#offerTitle}} pour « {{offerTitle}} »{{/offerTitle}}.</p>' +
        '{{#setPasswordUrl}}<p><a href="{{setPasswordUrl}}">Choisir mon mot de passe</a> (lien à usage unique).</p>{{/setPasswordUrl}}',
    },
  },
  expiry: {
    en: {
      subject: 'Your subscription "{{offerTitle}}" has ended',
      text:
        'Hello {{username}},\n\n' +
        'Your subscription "{{offerTitle}}" ended on {{endsAt}}.\n' +
        '{{#renewalUrl}}Subscribe again here: {{renewalUrl}}\n{{/renewalUrl}}',
      html:
        '<p>Hello {{username}},</p>' +
        '<p>Your subscription “{{offerTitle}}” ended on {{endsAt}}.</p>' +
        '{{#renewalUrl}}<p><a href="{{renewalUrl}}">Subscribe again</a></p>{{/renewalUrl}}',
    },
    fr: {
      subject: 'Votre abonnement « {{offerTitle}} » est terminé',
      text:
        'Bonjour {{username}},\n\n' +
        'Votre abonnement « {{offerTitle}} » a pris fin le {{endsAt}}.\n' +
        '{{#renewalUrl}}Pour vous réabonner : {{renewalUrl}}\n{{/renewalUrl}}',
      html:
        '<p>Bonjour {{username}},</p>' +
        '<p>Votre abonnement « {{offerTitle}} » a pris fin le {{endsAt}}.</p>' +
        '{{#renewalUrl}}<p><a href="{{renewalUrl}}">Me réabonner</a></p>{{/renewalUrl}}',
    },
  },
  receipt: {
    en: {
      subject: 'Payment received: "{{offerTitle}}"',
      text:
        'Hello {{username}},\n\n' +
        'We received your payment for "{{offerTitle}}".\n' +
        '{{#startsAt}}Period bought: {{startsAt}} to {{endsAt}}.\n{{/startsAt}}' +
        '{{#dueAt}}Your subscription is paid until {{dueAt}}.\n{{/dueAt}}' +
        'If you did not make this purchase, reply to this e-mail.\n',
      html:
        '<p>Hello {{username}},</p>' +
        '<p>We received your payment for “{{offerTitle}}”.</p>' +
        '{{#startsAt}}<p>Period bought: {{startsAt}} to {{endsAt}}.</p>{{/startsAt}}' +
        '{{#dueAt}}<p>Your subscription is paid until {{dueAt}}.</p>{{/dueAt}}' +
        '<p>If you did not make this purchase, reply to this e-mail.</p>',
    },
    fr: {
      subject: 'Paiement reçu : « {{offerTitle}} »',
      text:
        'Bonjour {{username}},\n\n' +
        'Nous avons bien reçu votre paiement pour « {{offerTitle}} ».\n' +
        '{{#startsAt}}Période achetée : du {{startsAt}} au {{endsAt}}.\n{{/startsAt}}' +
        '{{#dueAt}}Votre abonnement est payé jusqu’au {{dueAt}}.\n{{/dueAt}}' +
        'Si vous n’êtes pas à l’origine de cet achat, répondez à ce message.\n',
      html:
        '<p>Bonjour {{username}},</p>' +
        '<p>Nous avons bien reçu votre paiement pour « {{offerTitle}} ».</p>' +
        '{{#startsAt}}<p>Période achetée : du {{startsAt}} au {{endsAt}}.</p>{{/startsAt}}' +
        '{{#dueAt}}<p>Votre abonnement est payé jusqu’au {{dueAt}}.</p>{{/dueAt}}' +
        '<p>Si vous n’êtes pas à l’origine de cet achat, répondez à ce message.</p>',
    },
  },
};

export const escapeHtml = (value: string): string =>
  value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

const isSet = (value: TemplateValues[string]): boolean =>
  value !== undefined && value !== null && value !== false && value !== '';

const SECTION = /\{\{#([a-zA-Z][\w]*)\}\}([\s\S]*?)\{\{\/\1\}\}/g;
const VARIABLE = /\{\{\s*([a-zA-Z][\w]*)\s*\}\}/g;

/** Renders one template string; `escape` is applied to every inserted value. */
export const renderString = (source: string, values: TemplateValues, escape: (s: string) => string = (s) => s) => {
  let out = source;
  // Sections do not nest in the shipped templates; a couple of passes cover an admin nesting them.
  for (let i = 0; i < 3 && SECTION.test(out); i += 1) {
    SECTION.lastIndex = 0;
    out = out.replace(SECTION, (_m, name: string, body: string) => (isSet(values[name]) ? body : ''));
  }
  SECTION.lastIndex = 0;
  return out.replace(VARIABLE, (_m, name: string) => (isSet(values[name]) ? escape(String(values[name])) : ''));
};

/** `name` when set (not blank), else the username: how a member is greeted. */
const withName = (values: TemplateValues): TemplateValues => {
  const name = typeof values.name === 'string' ? values.name.trim() : values.name;
  return { ...values, name: isSet(name) ? name : values.username };
};

/** Subject and text get values as they are (plain text), HTML gets them escaped. */
export const renderTemplate = (template: Template, input: TemplateValues): Template => {
  const values = withName(input);
  return {
    // A header cannot hold a line break: keep the subject on one line whatever the values.
    subject: renderString(template.subject, values).replace(/[\r\n]+/g, ' ').trim(),
    text: renderString(template.text, values),
    html: renderString(template.html, values, escapeHtml),
  };
};

export const pickLocale = (wanted: string | null | undefined, fallback: TemplateLocale): TemplateLocale => {
  const short = (wanted ?? '').toLowerCase().slice(0, 2);
  return (TEMPLATE_LOCALES as readonly string[]).includes(short) ? (short as TemplateLocale) : fallback;
};

type PartialTemplate = { subject?: string | null; text?: string | null; html?: string | null } | null | undefined;

/**
 * The template to use: each part taken from the most specific source that sets it (a
 * notification rule's own text, then the admin's override for the kind and language, then the
 * shipped default).
 */
export const resolveTemplate = (
  kind: TemplateKind,
  locale: TemplateLocale,
  overrides: { settings?: PartialTemplate; rule?: PartialTemplate } = {}
): Template => {
  const base = DEFAULT_TEMPLATES[kind][locale];
  const pick = (part: keyof Template) => {
    for (const source of [overrides.rule, overrides.settings]) {
      const value = source?.[part];
      if (typeof value === 'string' && value.trim() !== '') return value;
    }
    return base[part];
  };
  return { subject: pick('subject'), text: pick('text'), html: pick('html') };
};

/** A date as members read it: long form, in their language, in the configured time zone. */
export const formatDate = (value: Date | string | null | undefined, locale: TemplateLocale, zone = 'UTC'): string => {
  if (value === null || value === undefined || value === '') return '';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  // Some ICU versions put narrow no-break spaces in times; plain spaces read the same everywhere.
  return DateTime.fromJSDate(date, { zone })
    .setLocale(locale)
    .toLocaleString(DateTime.DATETIME_FULL)
    .replace(/[\u202f\u00a0]/g, ' ');
};
