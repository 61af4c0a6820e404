import crypto from 'crypto';
import type { Core } from '@strapi/strapi';
import { UID } from '../content-types';
import { joinTableOf } from '../database/links';
import { lockKey, takeWriterLock } from '../database/locks';

export interface MemberRow {
  id: number;
  documentId: string;
  email: string;
  username: string;
}

const MEMBER_FIELDS = ['id', 'documentId', 'email', 'username'];

/**
 * Every query on users-permissions users the plugin runs: members found by e-mail, created,
 * locked, and their role read and written.
 */
export const memberRepository = (strapi: Core.Strapi) => {
  const users = () => strapi.db.query(UID.user);
  const sqlite = () => strapi.db.dialect.client === 'sqlite';

  /** Trimmed, case-insensitive; e-mail is not unique in users-permissions, so the oldest match. */
  const findByEmail = async (email: string): Promise<MemberRow | null> =>
    (await users().findOne({
      where: { email: { $eqi: email.trim() } },
      select: MEMBER_FIELDS,
      orderBy: { id: 'asc' },
    })) as MemberRow | null;

  const findById = async (id: number): Promise<MemberRow | null> =>
    (await users().findOne({ where: { id }, select: MEMBER_FIELDS })) as MemberRow | null;

  const findIdByRef = async (ref: number | string): Promise<number | null> => {
    const where = typeof ref === 'number' || /^\d+$/.test(ref) ? { id: Number(ref) } : { documentId: ref };
    const user = (await users().findOne({ where, select: ['id'] })) as { id: number } | null;
    return user?.id ?? null;
  };

  const usernameTaken = async (username: string) => !!(await users().findOne({ where: { username }, select: ['id'] }));

  /** A confirmed member without a password (they set one through a one-time link). */
  const create = async (input: { username: string; email: string; roleId: number }): Promise<MemberRow> =>
    (await users().create({
      data: { username: input.username, email: input.email, provider: 'local', confirmed: true, blocked: false, role: input.roleId },
      select: MEMBER_FIELDS,
    })) as MemberRow;

  /**
   * Serialises work on an e-mail address that has no member yet (two notifications creating one
   * member). The key is a digest: an e-mail may be 254 characters, the lock column 191.
   */
  const lockEmail = async (email: string) =>
    lockKey(strapi, `member:${crypto.createHash('sha256').update(email.trim().toLowerCase()).digest('hex')}`);

  /**
   * The member's lock, held until the transaction ends: every change to a member's subscriptions
   * and payments takes it first (a row lock on PostgreSQL and MySQL; on SQLite the database's one
   * writer lock, taken before anything is read).
   * Several members are locked in id order, so two processes never wait on each other in a cycle.
   */
  const lock = async (userIds: readonly number[]) => {
    if (sqlite()) return takeWriterLock(strapi);
    if (userIds.length === 0) return;
    const table = strapi.db.metadata.get(UID.user).tableName;
    await strapi.db.transaction(async ({ trx }) => {
      // A member this transaction locked already (found by e-mail with its lock) is not locked again.
      const held = heldBy.get(trx) ?? new Set<number>();
      heldBy.set(trx, held);
      const ids = [...new Set(userIds)].filter((id) => !held.has(id)).sort((a, b) => a - b);
      for (let i = 0; i < ids.length; i += 500) {
        await trx(table).select('id').whereIn('id', ids.slice(i, i + 500)).orderBy('id').forUpdate();
      }
      for (const id of ids) held.add(id);
    });
  };

  /**
   * The member with this e-mail (as `findByEmail`), locked in the same statement when the
   * database has row locks: a payment then reads and writes that member's state without another
   * statement for the lock. Call inside `strapi.db.transaction`.
   */
  const findByEmailLocked = async (email: string): Promise<MemberRow | null> => {
    if (sqlite()) return findByEmail(email);
    const table = strapi.db.metadata.get(UID.user).tableName;
    return strapi.db.transaction(async ({ trx }) => {
      const row = (await trx(table)
        .select('id', 'document_id as documentId', 'email', 'username')
        .whereRaw('LOWER(email) = LOWER(?)', [email.trim()])
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .first()) as MemberRow | undefined;
      if (!row) return null;
      const held = heldBy.get(trx) ?? new Set<number>();
      held.add(Number(row.id));
      heldBy.set(trx, held);
      return { ...row, id: Number(row.id) };
    });
  };

  /** Current role ids (null when none) of some members. */
  const rolesOf = async (userIds: readonly number[]): Promise<Map<number, number | null>> => {
    const found = new Map<number, number | null>();
    for (let i = 0; i < userIds.length; i += 500) {
      const rows = (await users().findMany({
        where: { id: { $in: userIds.slice(i, i + 500) } },
        select: ['id'],
        populate: { role: { select: ['id'] } },
      })) as { id: number; role?: { id: number } | null }[];
      for (const row of rows) found.set(row.id, row.role?.id ?? null);
    }
    return found;
  };

  /** The role as users-permissions shows it (`/me`). */
  const roleDetails = async (userId: number) => {
    const user = (await users().findOne({
      where: { id: userId },
      select: ['id'],
      populate: { role: { select: ['id', 'name', 'type'] } },
    })) as { role?: { id: number; name: string; type: string } | null } | null;
    return user?.role ? { id: user.role.id, name: user.role.name, type: user.role.type } : null;
  };

  /** A role as users-permissions shows it, by id. */
  const roleById = async (roleId: number) => {
    const role = (await strapi.db.query(UID.role).findOne({ where: { id: roleId }, select: ['id', 'name', 'type'] })) as {
      id: number;
      name: string;
      type: string;
    } | null;
    return role ? { id: role.id, name: role.name, type: role.type } : null;
  };

  /**
   * Writes roles straight into users-permissions' user→role link rows. Strapi's relation update
   * also renumbers the ordering of every other user of the target role, and two payments moving
   * two members into one role at once deadlocked on that (PostgreSQL, under load).
   * `moves`: member → new role; `linked`: whether the member had a role row already.
   */
  const writeRoles = async (moves: readonly { userId: number; roleId: number; linked: boolean }[]) => {
    if (moves.length === 0) return;
    const join = joinTableOf(strapi, UID.user, 'role');
    await strapi.db.transaction(async ({ trx }) => {
      const byRole = new Map<number, number[]>();
      for (const m of moves.filter((m) => m.linked)) {
        if (!byRole.has(m.roleId)) byRole.set(m.roleId, []);
        byRole.get(m.roleId)!.push(m.userId);
      }
      for (const [roleId, ids] of byRole) {
        for (let i = 0; i < ids.length; i += 500) {
          await trx(join.name).whereIn(join.joinColumn.name, ids.slice(i, i + 500)).update({ [join.inverseJoinColumn.name]: roleId });
        }
      }
      for (const m of moves.filter((m) => !m.linked)) {
        const updated = await trx(join.name).where(join.joinColumn.name, m.userId).update({ [join.inverseJoinColumn.name]: m.roleId });
        if (!updated) await trx(join.name).insert({ [join.joinColumn.name]: m.userId, [join.inverseJoinColumn.name]: m.roleId });
      }
    });
  };

  /** users-permissions' one-time reset-password token (the welcome e-mail's set-password link). */
  const setResetPasswordToken = async (userId: number, token: string) => {
    await users().update({ where: { id: userId }, data: { resetPasswordToken: token }, select: ['id'] });
  };

  /** The ids of the users a users-permissions delete's `where` names (read before they are deleted). */
  const idsWhere = async (where: Record<string, unknown>): Promise<number[]> =>
    ((await users().findMany({ where, select: ['id'] })) as { id: number }[]).map((u) => Number(u.id));

  return { idsWhere, setResetPasswordToken, findByEmail, findById, findIdByRef, usernameTaken, create, lockEmail, lock, findByEmailLocked, rolesOf, roleDetails, roleById, writeRoles };
};

export type MemberRepository = ReturnType<typeof memberRepository>;

/** Members each open transaction holds the row lock of (PostgreSQL, MySQL). */
const heldBy = new WeakMap<object, Set<number>>();
