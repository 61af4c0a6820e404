import type { DataResponse } from './common';

/** Settings → Subscriptions: `GET|PUT /subscriptions/settings`, `GET /subscriptions/roles`. */

export type Locale = 'en' | 'fr';

/** The messages whose template an admin may edit (domain/templates.ts: TEMPLATE_KINDS). */
export type TemplateKind = 'reminder' | 'welcome' | 'expiry' | 'receipt';

export type StackingMode = 'parallel' | 'queue';

/** What happens to a deleted users-permissions user's subscriptions. */
export type OnUserDeleted = 'end' | 'delete';

/** One message's template in one language. */
export interface EmailTemplate {
  subject: string;
  text: string;
  html: string;
}

/** Admin overrides of the shipped templates, by message kind and language. */
export type TemplateOverrides = Partial<Record<TemplateKind, Partial<Record<Locale, EmailTemplate>>>>;

/** The reminders' sending window; start = end means any time, start > end crosses midnight. */
export interface QuietHours {
  enabled: boolean;
  start: string;
  end: string;
}

/** The settings as the admin sees them: the Click2Sell secret key only as whether one is set. */
export interface SettingsView {
  renewalWindowHours: number;
  graceHours: number;
  stackingMode: StackingMode;
  /** null: users-permissions' default role. */
  fallbackRoleId: number | null;
  purchaseTimezone: string;
  emailFrom: string | null;
  defaultLocale: Locale;
  receiptEmails: boolean;
  templates: TemplateOverrides;
  renewalUrl: string | null;
  emailTimezone: string;
  /** The site's time zone (IANA): quiet hours are read in it. */
  timeZone: string;
  /** Reminders are sent only between start and end ("HH:mm", local to timeZone) when enabled. */
  quietHours: QuietHours;
  /** `end`: ended now and unlinked, kept for accounting; `delete`: deleted. */
  onUserDeleted: OnUserDeleted;
  /** Free subscriptions a member may take of one offer by themself, ever; null: no cap. */
  freeSubscriptionsPerMember: number | null;
  /** Where members manage their Click2Sell purchases (named when they try to cancel one). */
  providerManageUrl: string | null;
  click2sellSecretKeySet: boolean;
  click2sellSecretKeyFromEnv: boolean;
}

/**
 * `PUT /subscriptions/settings`: the fields to change. `click2sellSecretKey` absent keeps the
 * stored key, an empty string removes it.
 */
export type SettingsUpdate = Partial<Omit<SettingsView, 'click2sellSecretKeySet' | 'click2sellSecretKeyFromEnv'>> & {
  click2sellSecretKey?: string | null;
};

/** `GET` and `PUT /subscriptions/settings`. */
export type SettingsResponse = DataResponse<SettingsView>;

/** A users-permissions role (the fallback role's choices). */
export interface Role {
  id: number;
  name: string;
  type: string;
}

/** `GET /subscriptions/roles`. */
export type RolesResponse = DataResponse<Role[]>;
