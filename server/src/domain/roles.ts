import { statusAt, type SubscriptionDates } from './lifecycle';

/** A subscription as the role rule sees it: its dates and what its offer grants. */
export interface RoleGrant extends Pick<SubscriptionDates, 'status' | 'startsAt' | 'endsAt' | 'cancelledAt'> {
  roleId: number | null;
  level: number;
}

export interface RoleInput {
  /** The member's subscriptions (any status). */
  grants: readonly RoleGrant[];
  /** The member's role now (null when none). */
  currentRoleId: number | null;
  /** The role of a member with no active subscription. */
  fallbackRoleId: number;
  /** Every role some offer grants: the only roles, with the fallback, the plugin may replace. */
  offerRoleIds: readonly number[];
  now: Date;
}

export type RoleDecision =
  | { change: false; roleId: number | null; reason: 'unchanged' | 'managed-elsewhere' }
  | { change: true; roleId: number; from: number | null };

/**
 * Only a subscription stored as active or pending may grant: an ended one (expired, cancelled,
 * refunded) stays ended whatever `now` says. A process whose clock is a few seconds behind the
 * one that ended a grace period (end = that process's now) would otherwise read the end as still
 * ahead and give the role back (found by the two-process fault scenario). Renewals and date edits
 * write their own status, so a stored end never hides paid time.
 */
const MAY_GRANT = new Set(['active', 'pending']);

/**
 * The role a member should have: the role of the active subscription whose offer has the highest
 * level (tie: the later end, an open end beating any date), or the fallback role when none is
 * active. A role the plugin does not manage (neither the fallback nor granted by an offer) is
 * left alone: an admin's hand-made "editor" stays an editor.
 */
export const targetRole = (grants: readonly RoleGrant[], fallbackRoleId: number, now: Date): number => {
  const best = grants
    .filter((g) => g.roleId !== null && MAY_GRANT.has(g.status) && statusAt(g, now) === 'active')
    .sort((a, b) => {
      if (b.level !== a.level) return b.level - a.level;
      const endA = a.endsAt === null ? Number.POSITIVE_INFINITY : a.endsAt.getTime();
      const endB = b.endsAt === null ? Number.POSITIVE_INFINITY : b.endsAt.getTime();
      if (endB !== endA) return endB > endA ? 1 : -1;
      return (a.roleId as number) - (b.roleId as number);
    })[0];
  return best ? (best.roleId as number) : fallbackRoleId;
};

export const decideRole = (input: RoleInput): RoleDecision => {
  const { currentRoleId, fallbackRoleId, offerRoleIds } = input;
  const managed =
    currentRoleId === null || currentRoleId === fallbackRoleId || offerRoleIds.includes(currentRoleId);
  if (!managed) return { change: false, roleId: currentRoleId, reason: 'managed-elsewhere' };
  const roleId = targetRole(input.grants, fallbackRoleId, input.now);
  if (roleId === currentRoleId) return { change: false, roleId, reason: 'unchanged' };
  return { change: true, roleId, from: currentRoleId };
};
