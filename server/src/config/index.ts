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
    })
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
