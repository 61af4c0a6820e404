import type { Core } from '@strapi/strapi';
import { getService } from '../utils/plugin';
import { memberRepository, type MemberRow } from '../repositories/members';

export type { MemberRow };

/**
 * Members are users-permissions users, found by e-mail (trimmed, case-insensitive: e-mail is
 * not unique at database level in users-permissions, so the lookup takes the oldest match).
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const repo = memberRepository(strapi);

  const findByEmail = (email: string): Promise<MemberRow | null> => repo.findByEmail(email);

  /**
   * Finds the member with this e-mail or creates one (username and e-mail = the lower-cased
   * e-mail, confirmed, no password: they set one through a one-time link). Call inside a
   * transaction; concurrent calls for one e-mail are serialised by a lock on it.
   */
  const findOrCreate = async (email: string, options: { username?: string | null } = {}): Promise<{ user: MemberRow; created: boolean }> => {
    const normalized = email.trim().toLowerCase();
    await repo.lockEmail(normalized);
    const existing = await repo.findByEmail(normalized);
    if (existing) return { user: existing, created: false };
    // The username asked for (a CSV import's), else the e-mail; `-2`, `-3`… when taken.
    const wanted = options.username?.trim() || normalized;
    let username = wanted;
    for (let n = 2; await repo.usernameTaken(username); n += 1) username = `${wanted}-${n}`;
    const user = await repo.create({ username, email: normalized, roleId: await getService(strapi, 'roles').fallbackRoleId() });
    return { user, created: true };
  };

  return { findByEmail, findOrCreate };
};
