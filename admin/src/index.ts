import { PLUGIN_ID } from './pluginId';
import { PluginIcon } from './components/PluginIcon';
import { PERMISSIONS } from './permissions';

type TranslationModule = { default: Record<string, string> };

const prefixKeys = (data: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(data).map(([key, value]) => [`${PLUGIN_ID}.${key}`, value]));

export default {
  register(app: any) {
    app.addMenuLink({
      to: `plugins/${PLUGIN_ID}`,
      icon: PluginIcon,
      intlLabel: { id: `${PLUGIN_ID}.plugin.name`, defaultMessage: 'Subscriptions' },
      Component: () => import('./pages/App').then((mod) => ({ default: mod.App })),
      permissions: PERMISSIONS.read,
    });
    // Settings → Subscriptions (its own section, like the e-mail plugin's).
    app.addSettingsLink(
      { id: PLUGIN_ID, intlLabel: { id: `${PLUGIN_ID}.plugin.name`, defaultMessage: 'Subscriptions' } },
      {
        id: 'settings',
        to: PLUGIN_ID,
        intlLabel: { id: `${PLUGIN_ID}.settings.title`, defaultMessage: 'Subscriptions settings' },
        Component: () => import('./pages/Settings').then((mod) => ({ default: mod.ProtectedSettingsPage })),
        permissions: PERMISSIONS.settingsRead,
      }
    );
    app.registerPlugin({ id: PLUGIN_ID, name: PLUGIN_ID });
  },

  async registerTrads({ locales }: { locales: string[] }) {
    return Promise.all(
      locales.map(async (locale) => {
        try {
          const { default: data } = (await import(`./translations/${locale}.json`)) as TranslationModule;
          return { data: prefixKeys(data), locale };
        } catch {
          return { data: {}, locale };
        }
      })
    );
  },
};
