import { statusAt, type StackingMode, type SubscriptionDates } from './lifecycle';

/** One of the member's existing subscriptions, with what its offer grants. */
export interface HeldSubscription extends SubscriptionDates {
  id: string | number;
  offerId: string | number;
  /** The role the subscription's offer grants, if any. */
  roleId: number | null;
}

export interface CreateOrRenewInput {
  held: readonly HeldSubscription[];
  offer: { id: string | number; roleId: number | null };
  now: Date;
  renewalWindowHours: number;
  stackingMode: StackingMode;
}

export type CreateOrRenewDecision =
  | { action: 'renew'; subscriptionId: string | number }
  | { action: 'create'; startsAt: Date; queuedAfter: string | number | null };

const endTime = (s: Pick<SubscriptionDates, 'endsAt'>): number =>
  s.endsAt === null ? Number.POSITIVE_INFINITY : s.endsAt.getTime();

/**
 * What a payment for `offer` does to a member who holds `held`:
 * - the same offer, active, pending, or ended less than the renewal window ago → renew that one
 *   (the one ending last when there are several);
 * - otherwise a new subscription: starting now (`parallel`), or (`queue`) when the member's
 *   latest active or pending subscription granting the same role ends.
 */
export const decideCreateOrRenew = (input: CreateOrRenewInput): CreateOrRenewDecision => {
  const { held, offer, now, renewalWindowHours, stackingMode } = input;
  const windowStart = now.getTime() - renewalWindowHours * 3_600_000;

  const renewable = held
    .filter((s) => String(s.offerId) === String(offer.id) && s.status !== 'refunded')
    .filter((s) => {
      const status = statusAt(s, now);
      if (status === 'active' || status === 'pending') return true;
      return s.endsAt !== null && s.endsAt.getTime() > windowStart;
    })
    .sort((a, b) => endTime(b) - endTime(a));
  if (renewable.length > 0) return { action: 'renew', subscriptionId: renewable[0].id };

  if (stackingMode === 'queue' && offer.roleId !== null) {
    const sameRole = held
      .filter((s) => s.roleId === offer.roleId)
      .filter((s) => {
        const status = statusAt(s, now);
        return status === 'active' || status === 'pending';
      })
      .sort((a, b) => endTime(b) - endTime(a));
    const last = sameRole[0];
    if (last && last.endsAt !== null && last.endsAt.getTime() > now.getTime()) {
      return { action: 'create', startsAt: last.endsAt, queuedAfter: last.id };
    }
  }
  return { action: 'create', startsAt: now, queuedAfter: null };
};
