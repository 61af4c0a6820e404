import type { Core } from '@strapi/strapi';
import { UID } from '../content-types';
import { getService } from '../utils/plugin';
import { lockKey } from '../database/locks';

export interface MemberRow {
  id: number;
  documentId: string;
  email: string;
  username: string;
}

/**
 * Members are users-permissions users, found by e-mail (trimmed, case-insensitive: e-mail is
 * not unique at database level in users-permissions, so the lookup takes the oldest match).
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const findByEmail = async (email: string): Promise<MemberRow | null> =>
    (await strapi.db.query(UID.user).findOne({
      where: { email: { $eqi: email.trim() } },
      select: ['id', 'documentId', 'email', 'username'],
      orderBy: { id: 'asc' },
    })) as MemberRow | null;

  /**
   * Finds the member with this e-mail or creates one (username and e-mail = the lower-cased
   * e-mail, confirmed, no password: they set one through a one-time link). Call inside a
   * transaction; concurrent calls for one e-mail are serialised by a lock on it.
   */
  const findOrCreate = async (email: string): Promise<{ user: MemberRow; created: boolean }> => {
    const normalized = email.trim().toLowerCase();
    await lockKey(strapi, `member:${normalized}`);
    const existing = await findByEmail(normalized);
    if (existing) return { user: existing, created: false };
    let username = normalized;
    for (let n = 2; await strapi.db.query(UID.user).findOne({ where: { username }, select: ['id'] }); n += 1) {
      username = `${normalized}-${n}`;
    }
    const user = (await strapi.db.query(UID.user).create({
      data: {
        username,
        email: normalized,
        provider: 'local',
        confirmed: true,
        blocked: false,
        role: await getService(strapi, 'roles').fallbackRoleId(),
      },
      select: ['id', 'documentId', 'email', 'username'],
    })) as MemberRow;
    return { user, created: true };
  };

  return { findByEmail, findOrCreate };
};
