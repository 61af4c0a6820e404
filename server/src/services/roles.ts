import type { Core } from '@strapi/strapi';
import { decideRole, type RoleDecision } from '../domain';
import { UID } from '../content-types';
import { getService } from '../utils/plugin';
import { joinTableOf } from '../database/links';
import { grantOf, SUBSCRIPTION_POPULATE, type SubscriptionRow } from '../repositories/mappers';

const CACHE_MS = 5_000;

/**
 * Keeps each member's users-permissions role equal to what their active subscriptions grant.
 * Reads and writes through `strapi.db.query`, so inside `strapi.db.transaction` it joins the
 * caller's transaction.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  // Every payment recomputes a role: the fallback role and the roles offers grant are read once
  // per CACHE_MS, and at once again after any offer or role is written in this process (another
  // process sees such a change within CACHE_MS, as it does settings).
  let fallbackCache: { at: number; id: number } | null = null;
  let offerRolesCache: { at: number; ids: number[] } | null = null;
  const fresh = (entry: { at: number } | null) => entry !== null && Date.now() - entry.at < CACHE_MS;
  const invalidate = () => {
    fallbackCache = null;
    offerRolesCache = null;
  };

  const fallbackRoleId = async (): Promise<number> => {
    const settings = await getService(strapi, 'settings').get();
    if (settings.fallbackRoleId !== null) return settings.fallbackRoleId;
    if (fresh(fallbackCache)) return fallbackCache!.id;
    const advanced = (await strapi
      .store({ type: 'plugin', name: 'users-permissions', key: 'advanced' })
      .get()) as { default_role?: string } | null;
    const type = advanced?.default_role ?? 'authenticated';
    const role = await strapi.db.query(UID.role).findOne({ where: { type }, select: ['id'] });
    if (!role) throw new Error(`users-permissions default role "${type}" does not exist`);
    fallbackCache = { at: Date.now(), id: role.id as number };
    return role.id as number;
  };

  const offerRoleIds = async (): Promise<number[]> => {
    if (fresh(offerRolesCache)) return offerRolesCache!.ids;
    const offers = (await strapi.db.query(UID.offer).findMany({
      select: ['id'],
      populate: { role: { select: ['id'] } },
    })) as { role?: { id: number } | null }[];
    const ids = [...new Set(offers.map((o) => o.role?.id).filter((id): id is number => typeof id === 'number'))];
    offerRolesCache = { at: Date.now(), ids };
    return ids;
  };

  /**
   * Writes a user's role straight into users-permissions' user→role link row. Strapi's relation
   * update also renumbers the ordering of every other user of the target role, and two payments
   * moving two members into one role at once deadlocked on that (PostgreSQL, under load).
   */
  const roleJoin = () => joinTableOf(strapi, UID.user, 'role');

  const writeRole = async (userId: number, roleId: number) => {
    const join = roleJoin();
    await strapi.db.transaction(async ({ trx }) => {
      const updated = await trx(join.name)
        .where(join.joinColumn.name, userId)
        .update({ [join.inverseJoinColumn.name]: roleId });
      if (!updated) {
        await trx(join.name).insert({ [join.joinColumn.name]: userId, [join.inverseJoinColumn.name]: roleId });
      }
    });
  };

  /**
   * Recomputes one member's role at `now` and writes it when it changes. `rows`: the member's
   * subscriptions (with offers and their roles) when the caller has just read and written them
   * inside its transaction, to spare reading them again.
   */
  const recompute = async (
    userId: number,
    now: Date,
    alsoManaged: readonly number[] = [],
    rows?: readonly SubscriptionRow[]
  ): Promise<RoleDecision | null> => {
    const user = (await strapi.db.query(UID.user).findOne({
      where: { id: userId },
      select: ['id'],
      populate: { role: { select: ['id'] } },
    })) as { id: number; role?: { id: number } | null } | null;
    if (!user) return null;
    const held =
      rows ??
      ((await strapi.db.query(UID.subscription).findMany({
        where: { user: { id: userId } },
        populate: SUBSCRIPTION_POPULATE,
      })) as SubscriptionRow[]);
    const decision = decideRole({
      grants: held.map(grantOf),
      currentRoleId: user.role?.id ?? null,
      fallbackRoleId: await fallbackRoleId(),
      offerRoleIds: [...(await offerRoleIds()), ...alsoManaged],
      now,
    });
    if (decision.change) await writeRole(userId, decision.roleId);
    return decision;
  };

  /**
   * `recompute` for many members at once (the scheduler's batches): their current roles and all
   * their subscriptions in a few queries, then one statement per target role for the members
   * whose role changes. Call inside the transaction that changed their subscriptions.
   */
  const recomputeMany = async (userIds: readonly number[], now: Date): Promise<{ changed: number }> => {
    const ids = [...new Set(userIds)];
    if (ids.length === 0) return { changed: 0 };
    const users = (await strapi.db.query(UID.user).findMany({
      where: { id: { $in: ids } },
      select: ['id'],
      populate: { role: { select: ['id'] } },
    })) as { id: number; role?: { id: number } | null }[];
    const rows = (await strapi.db.query(UID.subscription).findMany({
      where: { user: { id: { $in: ids } } },
      select: ['id', 'status', 'startsAt', 'dueAt', 'endsAt', 'cancelledAt', 'anchorDay', 'createdAt'],
      populate: { offer: { select: ['id', 'level'], populate: { role: { select: ['id'] } } }, user: { select: ['id'] } },
    })) as SubscriptionRow[];
    const byUser = new Map<number, SubscriptionRow[]>();
    for (const row of rows) {
      const id = row.user?.id;
      if (id === undefined) continue;
      if (!byUser.has(id)) byUser.set(id, []);
      byUser.get(id)!.push(row);
    }
    const fallback = await fallbackRoleId();
    const managed = await offerRoleIds();
    const moves = new Map<number, number[]>();
    const unlinked: [number, number][] = [];
    for (const user of users) {
      const decision = decideRole({
        grants: (byUser.get(user.id) ?? []).map(grantOf),
        currentRoleId: user.role?.id ?? null,
        fallbackRoleId: fallback,
        offerRoleIds: managed,
        now,
      });
      if (!decision.change) continue;
      if (user.role) {
        if (!moves.has(decision.roleId)) moves.set(decision.roleId, []);
        moves.get(decision.roleId)!.push(user.id);
      } else unlinked.push([user.id, decision.roleId]);
    }
    const join = roleJoin();
    await strapi.db.transaction(async ({ trx }) => {
      for (const [roleId, members] of moves) {
        for (let i = 0; i < members.length; i += 500) {
          await trx(join.name)
            .whereIn(join.joinColumn.name, members.slice(i, i + 500))
            .update({ [join.inverseJoinColumn.name]: roleId });
        }
      }
    });
    for (const [userId, roleId] of unlinked) await writeRole(userId, roleId);
    return { changed: [...moves.values()].reduce((n, m) => n + m.length, 0) + unlinked.length };
  };

  /**
   * Recomputes every member subscribed to an offer whose role or level changed. The offer's
   * previous role still counts as managed, so members holding it move to the new one.
   */
  const recomputeForOffer = async (offerId: number, now: Date, previousRoleId?: number | null) => {
    const pageSize = 500;
    let lastId = 0;
    let changed = 0;
    for (;;) {
      const rows = (await strapi.db.query(UID.subscription).findMany({
        where: { offer: { id: offerId }, id: { $gt: lastId } },
        select: ['id'],
        populate: { user: { select: ['id'] } },
        orderBy: { id: 'asc' },
        limit: pageSize,
      })) as { id: number; user?: { id: number } | null }[];
      if (rows.length === 0) break;
      lastId = rows[rows.length - 1].id;
      const userIds = [...new Set(rows.map((r) => r.user?.id).filter((id): id is number => !!id))];
      for (const userId of userIds) {
        const decision = await recompute(userId, now, previousRoleId ? [previousRoleId] : []);
        if (decision?.change) changed += 1;
      }
    }
    return { changed };
  };

  return { recompute, recomputeMany, recomputeForOffer, fallbackRoleId, offerRoleIds, invalidate };
};
