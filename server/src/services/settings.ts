import type { Core } from '@strapi/strapi';
import { z } from 'zod';
import { IANAZone } from 'luxon';
import { DomainError, MEMBER_DELETED_MODES, STACKING_MODES, isClockTime } from '../domain';
import { permissionRepository } from '../repositories/permissions';

export const LOCALES = ['en', 'fr'] as const;
export const MESSAGE_KINDS = ['reminder', 'welcome', 'expiry', 'receipt'] as const;

/** One message's template in one language; an empty override falls back to the shipped one. */
export const templateSchema = z
  .object({
    subject: z.string().max(998),
    text: z.string().max(100_000),
    html: z.string().max(200_000),
  })
  .strict();

const templatesSchema = z
  .object(
    Object.fromEntries(
      MESSAGE_KINDS.map((kind) => [
        kind,
        z.object(Object.fromEntries(LOCALES.map((l) => [l, templateSchema.optional()]))).strict().optional(),
      ])
    ) as Record<(typeof MESSAGE_KINDS)[number], z.ZodOptional<z.ZodObject<Record<string, z.ZodOptional<typeof templateSchema>>>>>
  )
  .strict();

const clockTime = (fallback: string) =>
  z.string().refine(isClockTime, 'must be a time of day HH:mm such as 08:00').default(fallback);

/**
 * Quiet hours: reminders go out only between `start` and `end` (local time in `timeZone`; a
 * window crossing midnight such as 22:00–06:00 is allowed; start = end means any time). Off by
 * default: turning it on for a site that upgrades would hold reminders it used to send at once.
 */
export const quietHoursSchema = z
  .object({
    enabled: z.boolean().default(false),
    start: clockTime('08:00'),
    end: clockTime('20:00'),
  })
  .strict();

/** Settings admins change at runtime (stored in the plugin store, validated on every write). */
export const settingsSchema = z.object({
  renewalWindowHours: z.number().int().min(0).max(8760).default(48),
  graceHours: z.number().int().min(0).max(8760).default(48),
  stackingMode: z.enum(STACKING_MODES).default('parallel'),
  /** Role of a member with no active subscription; null = users-permissions' default role. */
  fallbackRoleId: z.number().int().positive().nullable().default(null),
  /** Click2Sell secret key; write-only (never sent back). Empty: CLICK2SELL_SECRET_KEY applies. */
  click2sellSecretKey: z.string().max(255).nullable().default(null),
  /** Time zone Click2Sell's purchase_date/purchase_time are read in. */
  purchaseTimezone: z
    .string()
    .refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone such as UTC or Europe/Paris')
    .default('UTC'),
  /** Sender of the plugin's e-mails; null = the e-mail plugin's defaultFrom. */
  emailFrom: z.string().email().max(255).nullable().default(null),
  /** Language of e-mails for members whose language is unknown. */
  defaultLocale: z.enum(LOCALES).default('en'),
  /** A receipt e-mail for every applied payment (offer, period bought, paid until). */
  receiptEmails: z.boolean().default(true),
  /** Admin overrides of the shipped e-mail templates, per message kind and language. */
  templates: templatesSchema.default({}),
  /** Link offered in reminders and expiry notices to renew; `{offer}` becomes the offer's documentId. */
  renewalUrl: z.string().url().max(2048).nullable().default(null),
  /** Free subscriptions a member may take of one offer by themself, ever (null: no cap; 1: one trial). */
  freeSubscriptionsPerMember: z.number().int().min(1).max(10_000).nullable().default(null),
  /** Where members manage (stop) their Click2Sell purchases: given when they try to cancel one here. */
  providerManageUrl: z
    .string()
    .max(2048)
    .refine((value) => /^https:\/\/[^\s]+$/.test(value) && URL.canParse(value), 'must be an https:// URL')
    .nullable()
    .default(null),
  /** Time zone the dates in e-mails are written in. */
  emailTimezone: z
    .string()
    .refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone such as UTC or Europe/Paris')
    .default('UTC'),
  /** The site's time zone: the one the reminders' sending window (quiet hours) is read in. */
  timeZone: z
    .string()
    .refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone such as UTC or Europe/Paris')
    .default('UTC'),
  /** When reminders may be sent (welcome e-mails, receipts and expiry notices are never held). */
  quietHours: quietHoursSchema.default({ enabled: false, start: '08:00', end: '20:00' }),
  /** A deleted users-permissions user's subscriptions: `end` (kept, ended now, unlinked) or `delete`. */
  onUserDeleted: z.enum(MEMBER_DELETED_MODES).default('end'),
});

export type Settings = z.infer<typeof settingsSchema>;

const STORE_KEY = 'settings';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const store = () => strapi.store({ type: 'plugin', name: 'subscriptions' });
  const permissions = permissionRepository(strapi);

  // Every payment reads the settings; a few seconds of cache spares a query per request.
  // A change made in this process is seen at once; other processes see it within the TTL.
  const TTL_MS = 5_000;
  let cached: { at: number; value: Settings } | null = null;

  const get = async (): Promise<Settings> => {
    if (cached && Date.now() - cached.at < TTL_MS) return cached.value;
    const value = await read();
    cached = { at: Date.now(), value };
    return value;
  };

  const read = async (): Promise<Settings> => {
    const saved = ((await store().get({ key: STORE_KEY })) ?? {}) as Record<string, unknown>;
    const result = settingsSchema.safeParse(saved);
    // A stored value that no longer validates (older version, hand edit) falls back to defaults
    // field by field rather than breaking every payment.
    if (result.success) return result.data;
    const defaults = settingsSchema.parse({});
    const repaired: Record<string, unknown> = { ...defaults };
    for (const key of Object.keys(defaults) as (keyof Settings)[]) {
      const field = settingsSchema.shape[key].safeParse(saved[key]);
      if (field.success) repaired[key] = field.data;
    }
    return repaired as Settings;
  };

  const update = async (patch: unknown): Promise<Settings> => {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw new DomainError('body', 'settings must be an object');
    }
    const current = await get();
    const input = { ...(patch as Record<string, unknown>) };
    // The admin never sees the secret: absent means "keep", an empty string means "clear".
    if (input.click2sellSecretKey === '') input.click2sellSecretKey = null;
    // Quiet hours may be changed a field at a time (`{ quietHours: { enabled: true } }`).
    if (typeof input.quietHours === 'object' && input.quietHours !== null && !Array.isArray(input.quietHours)) {
      input.quietHours = { ...current.quietHours, ...(input.quietHours as Record<string, unknown>) };
    }
    delete input.click2sellSecretKeySet;
    delete input.click2sellSecretKeyFromEnv;
    const result = settingsSchema.strict().safeParse({ ...current, ...input });
    if (!result.success) {
      const issue = result.error.issues[0];
      const field = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : 'body');
      throw new DomainError(field, `${field}: ${issue.message}`);
    }
    const { fallbackRoleId } = result.data;
    if (fallbackRoleId !== null && !(await permissions.roleExists(fallbackRoleId))) {
      throw new DomainError('fallbackRoleId', `fallbackRoleId: no role with id ${fallbackRoleId}`);
    }
    await store().set({ key: STORE_KEY, value: result.data });
    cached = null;
    return result.data;
  };

  /** The settings as the admin panel may see them: the secret key replaced by whether one is set. */
  const getPublic = async () => {
    const { click2sellSecretKey, ...rest } = await get();
    return {
      ...rest,
      click2sellSecretKeySet: Boolean(click2sellSecretKey),
      click2sellSecretKeyFromEnv: !click2sellSecretKey && Boolean(process.env.CLICK2SELL_SECRET_KEY),
    };
  };

  /** The secret key Click2Sell checksums are verified with: the stored one, else the env's. */
  const click2sellSecret = async (): Promise<string | null> =>
    (await get()).click2sellSecretKey || process.env.CLICK2SELL_SECRET_KEY || null;

  return { get, getPublic, update, click2sellSecret };
};
