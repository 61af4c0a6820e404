import type { Core } from '@strapi/strapi';
import type { HistoryCause } from '../domain';

interface AdminUser {
  id?: number | string;
  email?: string | null;
}

/** The admin user behind an admin-panel request, as the history names them. */
export const adminCause = (ctx: { state?: { user?: AdminUser | null } }): HistoryCause => {
  const user = ctx.state?.user;
  return { kind: 'admin', ref: user?.id ?? null, label: user?.email ?? null };
};

/**
 * The cause of a Document Service call: the Content Manager (an admin editing the record) when
 * the request is an admin's, else the service API (another plugin, a script).
 */
export const documentCause = (strapi: Core.Strapi): HistoryCause => {
  const ctx = strapi.requestContext.get() as
    | { state?: { user?: AdminUser | null; auth?: { strategy?: { name?: string } } }; request?: { url?: string } }
    | undefined;
  const user = ctx?.state?.user;
  const admin = ctx?.state?.auth?.strategy?.name === 'admin' || String(ctx?.request?.url ?? '').startsWith('/content-manager/');
  if (user && admin) return { kind: 'content-manager', ref: user.id ?? null, label: user.email ?? null };
  return { kind: 'api' };
};
