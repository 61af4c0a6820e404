import { z } from 'zod';

/**
 * Static plugin configuration (config/plugins.js → subscriptions.config). Runtime settings that
 * admins edit live in the plugin store instead (services/settings.ts).
 */
export const pluginConfigSchema = z.object({
  cron: z
    .object({
      enabled: z.boolean().default(true),
      rule: z.string().min(1).default('*/1 * * * *'),
      /**
       * Optional per-step switch and rule (lifecycle = activation, expiry, grace; reminders;
       * delivery = the e-mail outbox); a step without one follows `enabled` and `rule`.
       */
      jobs: z
        .object(
          Object.fromEntries(
            ['lifecycle', 'reminders', 'delivery'].map((step) => [
              step,
              z.object({ enabled: z.boolean().optional(), rule: z.string().min(1).optional() }).strict().optional(),
            ])
          ) as Record<'lifecycle' | 'reminders' | 'delivery', z.ZodOptional<z.ZodObject<{ enabled: z.ZodOptional<z.ZodBoolean>; rule: z.ZodOptional<z.ZodString> }>>>
        )
        .strict()
        .default({}),
    })
    .prefault({}),
  /** Throttles of the Click2Sell route, per caller address and per process, in memory. */
  click2sell: z
    .object({
      /** Failed checksum verifications in 10 minutes before 429. */
      failedChecksumLimit: z.number().int().min(1).default(20),
      /** Malformed notifications (400) in one minute before 429. */
      malformedPerMinute: z.number().int().min(1).default(300),
    })
    .strict()
    .prefault({}),
});

export type PluginConfig = z.infer<typeof pluginConfigSchema>;

export default {
  default: () => pluginConfigSchema.parse({}),
  validator(config: unknown) {
    const result = pluginConfigSchema.safeParse(config);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new Error(`subscriptions plugin config: ${issue.path.join('.')} ${issue.message}`);
    }
  },
};
