import type { Core } from '@strapi/strapi';

/**
 * The member site's set-password page (public/members/set-password/): users-permissions' "Reset
 * password page" setting (`email_reset_password`) points to it, so that the one-time link of a
 * welcome e-mail (and of users-permissions' forgot-password e-mail) opens a page that works.
 *
 * Set on first boot; afterwards only while the setting still holds what the playground wrote
 * (it then follows a change of PORT or PUBLIC_URL). A URL an admin typed in Settings → Users &
 * Permissions → Advanced settings is left alone. PLAYGROUND_SET_PASSWORD_PAGE=false turns this
 * off (throw-away runs of tests and benchmarks do).
 */
const PATH = '/members/set-password';
/**
 * What older playgrounds wrote: a frontend on port 3000 that never existed, then the standalone
 * page /set-password that the member site's page replaced.
 */
const LEGACY = ['http://localhost:3000/set-password'];
const isLegacy = (url: string, base: string) => LEGACY.includes(url) || url === `${base}/set-password`;
const MARKER = { type: 'plugin', name: 'subscriptions', key: 'playground-set-password-url' } as const;

export const setPasswordPageUrl = (strapi: Core.Strapi): string => {
  const base = String(strapi.config.get('server.absoluteUrl') || 'http://localhost:1337').replace(/\/+$/, '');
  return `${base}${PATH}`;
};

export const ensureSetPasswordPage = async (strapi: Core.Strapi) => {
  if (process.env.PLAYGROUND_SET_PASSWORD_PAGE === 'false') return;
  const advanced = strapi.store({ type: 'plugin', name: 'users-permissions', key: 'advanced' });
  const current = ((await advanced.get()) ?? {}) as { email_reset_password?: string | null };
  const ours = (await strapi.store(MARKER).get()) as { url?: string } | null;
  const wanted = setPasswordPageUrl(strapi);
  const base = wanted.slice(0, -PATH.length);
  const existing = current.email_reset_password ?? '';
  if (existing === wanted) return;
  if (existing && !isLegacy(existing, base) && existing !== ours?.url) return;
  await advanced.set({ value: { ...current, email_reset_password: wanted } });
  await strapi.store(MARKER).set({ value: { url: wanted } });
  strapi.log.info(`subscriptions playground: set-password links now point to ${wanted}`);
};
