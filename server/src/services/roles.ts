import type { Core } from '@strapi/strapi';
import { decideRole, type RoleDecision, type RoleGrant } from '../domain';
import { getService } from '../utils/plugin';
import { memberRepository } from '../repositories/members';
import { offerRepository } from '../repositories/offers';
import { roleRepository } from '../repositories/roles';

const CACHE_MS = 5_000;

/**
 * Keeps each member's users-permissions role equal to what their active subscriptions grant.
 * The write path (member-changes) calls `applyMany` with the members' subscriptions as it just
 * wrote them, inside its transaction and under the members' locks.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const members = memberRepository(strapi);
  const offers = offerRepository(strapi);
  const rolesRepo = roleRepository(strapi);
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
    const id = await rolesRepo.defaultRoleId();
    fallbackCache = { at: Date.now(), id };
    return id;
  };

  const offerRoleIds = async (): Promise<number[]> => {
    if (fresh(offerRolesCache)) return offerRolesCache!.ids;
    const ids = await offers.grantedRoleIds();
    offerRolesCache = { at: Date.now(), ids };
    return ids;
  };

  /**
   * Decides and writes the roles of some members from their subscriptions (`grants`, as the
   * caller holds them). `alsoManaged`: roles the plugin may replace besides the fallback and the
   * offers' roles (an offer's previous role, while its members move to the new one).
   * `currentRoles`: the members' roles as the caller read them under their locks (a member
   * missing from it is gone); read here when not given. Only roles that change are written.
   */
  const applyMany = async (
    grants: ReadonlyMap<number, readonly RoleGrant[]>,
    now: Date,
    alsoManaged: readonly number[] = [],
    currentRoles?: ReadonlyMap<number, number | null>
  ): Promise<Map<number, RoleDecision>> => {
    const userIds = [...grants.keys()];
    const decisions = new Map<number, RoleDecision>();
    if (userIds.length === 0) return decisions;
    const current = currentRoles ?? (await members.rolesOf(userIds));
    const fallback = await fallbackRoleId();
    const managed = [...(await offerRoleIds()), ...alsoManaged];
    const moves: { userId: number; roleId: number; linked: boolean }[] = [];
    for (const userId of userIds) {
      if (!current.has(userId)) continue; // the user is gone
      const currentRoleId = current.get(userId) ?? null;
      const decision = decideRole({ grants: grants.get(userId) ?? [], currentRoleId, fallbackRoleId: fallback, offerRoleIds: managed, now });
      decisions.set(userId, decision);
      if (decision.change) moves.push({ userId, roleId: decision.roleId, linked: currentRoleId !== null });
    }
    await members.writeRoles(moves);
    return decisions;
  };

  return { applyMany, fallbackRoleId, offerRoleIds, invalidate };
};
