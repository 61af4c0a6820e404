import type { Core } from '@strapi/strapi';
import { z } from 'zod';
import { DomainError, STACKING_MODES } from '../domain';

/** Settings admins change at runtime (stored in the plugin store, validated on every write). */
export const settingsSchema = z.object({
  renewalWindowHours: z.number().int().min(0).max(8760).default(48),
  graceHours: z.number().int().min(0).max(8760).default(48),
  stackingMode: z.enum(STACKING_MODES).default('parallel'),
  /** Role of a member with no active subscription; null = users-permissions' default role. */
  fallbackRoleId: z.number().int().positive().nullable().default(null),
});

export type Settings = z.infer<typeof settingsSchema>;

const STORE_KEY = 'settings';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const store = () => strapi.store({ type: 'plugin', name: 'subscriptions' });

  const get = async (): Promise<Settings> => {
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
    const result = settingsSchema.strict().safeParse({ ...current, ...patch });
    if (!result.success) {
      const issue = result.error.issues[0];
      const field = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : 'body');
      throw new DomainError(field, `${field}: ${issue.message}`);
    }
    if (result.data.fallbackRoleId !== null) {
      const role = await strapi.db
        .query('plugin::users-permissions.role')
        .findOne({ where: { id: result.data.fallbackRoleId }, select: ['id'] });
      if (!role) throw new DomainError('fallbackRoleId', `fallbackRoleId: no role with id ${result.data.fallbackRoleId}`);
    }
    await store().set({ key: STORE_KEY, value: result.data });
    return result.data;
  };

  return { get, update };
};
