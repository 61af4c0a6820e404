import { DomainError } from './errors';
import { statusAt, type Source, type SubscriptionDates } from './lifecycle';

/**
 * What a member may do by themself (README, "Member self-service"): take a free offer, cancel
 * their own subscription. Pure rules; the service reads the member's state under their lock,
 * asks these, and hands the change to the one write path (services/member-changes.ts).
 */

/** A refusal with what the member needs to act on it (the checkout page, the end, where to manage a purchase). */
export class SelfServiceRefusal extends DomainError {
  constructor(field: string, message: string, code: string, readonly details: Record<string, unknown>) {
    super(field, message, code);
  }
}

/** An offer is free when its price is 0. An offer without a price is not given away. */
export const isFree = (price: unknown): boolean =>
  price !== null && price !== undefined && price !== '' && Number(price) === 0;

/** One of the member's subscriptions, as the self-service rules read it. */
export interface OwnSubscription extends SubscriptionDates {
  offerId: number | null;
  source: Source | string;
  /** The member's self-service takes of its offer, counted when the latest one landed here (null: none). */
  freeTakes: number | null;
}

/** How many times the member took `offerId` by themself: each take writes the next number on the subscription it lands on. */
export const freeTakesOf = (held: readonly OwnSubscription[], offerId: number): number =>
  held.filter((s) => s.offerId === offerId).reduce((most, s) => Math.max(most, s.freeTakes ?? 0), 0);

export interface FreeTakeInput {
  held: readonly OwnSubscription[];
  offerId: number;
  now: Date;
  renewalWindowHours: number;
  /** Free subscriptions a member may take of one offer, ever (null: no cap). */
  cap: number | null;
}

/**
 * Whether the member may take a free offer now. Refused (DomainError code `conflict`, HTTP 409):
 * - while they hold it (active or pending) and its end is further away than the renewal window:
 *   the message gives the end (a subscription with no end is held for good);
 * - once they took it `cap` times.
 * Otherwise the take is the create-or-renew every payment does (renewed within the window).
 * Returns the number the take writes on the subscription it lands on.
 */
export const decideFreeTake = (input: FreeTakeInput): number => {
  const { held, offerId, now, renewalWindowHours, cap } = input;
  const windowEnd = now.getTime() + renewalWindowHours * 3_600_000;
  for (const s of held) {
    if (s.offerId !== offerId || s.status === 'refunded') continue;
    const status = statusAt(s, now);
    if (status !== 'active' && status !== 'pending') continue;
    if (s.endsAt === null) throw new SelfServiceRefusal('offer', 'you already hold this offer, with no end', 'conflict', { endsAt: null });
    if (s.endsAt.getTime() > windowEnd) {
      const from = new Date(s.endsAt.getTime() - renewalWindowHours * 3_600_000);
      throw new SelfServiceRefusal(
        'offer',
        `you already hold this offer until ${s.endsAt.toISOString()}; it can be taken again from ${from.toISOString()}`,
        'conflict',
        { endsAt: s.endsAt.toISOString(), renewableFrom: from.toISOString() }
      );
    }
  }
  const taken = freeTakesOf(held, offerId);
  if (cap !== null && taken >= cap) {
    throw new SelfServiceRefusal('offer', `this free offer can be taken ${cap} time${cap === 1 ? '' : 's'} per member, and you took it ${taken}`, 'conflict', {
      freeSubscriptionsPerMember: cap,
      taken,
    });
  }
  return taken + 1;
};

/**
 * Whether the member may cancel this subscription themself: not a Click2Sell one (Click2Sell
 * keeps billing until the buyer stops it there), not already cancelled, and still running.
 */
export const isCancellableByMember = (s: SubscriptionDates & { source: Source | string }, now: Date): boolean => {
  if (s.source === 'click2sell' || s.cancelledAt !== null || s.status === 'refunded') return false;
  const status = statusAt(s, now);
  return status === 'active' || status === 'pending';
};

/**
 * The member's cancel, checked: a Click2Sell subscription, or one that has ended, is refused
 * (code `conflict`); one already cancelled is left as it is (`false`: nothing to do).
 */
export const checkMemberCancel = (
  s: SubscriptionDates & { source: Source | string },
  now: Date,
  providerManageUrl: string | null
): boolean => {
  if (s.source === 'click2sell') {
    throw new SelfServiceRefusal(
      'subscription',
      `this subscription is billed by Click2Sell and cannot be cancelled here: stop it where you bought it${providerManageUrl ? ` (${providerManageUrl})` : ''}`,
      'conflict',
      { providerManageUrl }
    );
  }
  if (s.cancelledAt !== null && s.status !== 'refunded') return false;
  if (!isCancellableByMember(s, now)) {
    throw new SelfServiceRefusal('subscription', `this subscription has already ended (${statusAt(s, now)})`, 'conflict', { status: statusAt(s, now) });
  }
  return true;
};

/** Where a member renews a subscription: its offer's checkout page, else the renewal link of the settings (`{offer}`: the offer's documentId). */
export const renewUrlOf = (checkoutUrl: string | null | undefined, renewalUrl: string | null, offerDocumentId: string | null | undefined): string | null => {
  if (checkoutUrl) return checkoutUrl;
  if (renewalUrl && offerDocumentId) return renewalUrl.replace('{offer}', offerDocumentId);
  return null;
};

/** A checkout link: an absolute https URL (null or empty: none). */
export const checkCheckoutUrl = (value: unknown): string | null => {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string') throw new DomainError('checkoutUrl', 'checkoutUrl must be text');
  if (value.length > 2048) throw new DomainError('checkoutUrl', 'checkoutUrl must be at most 2048 characters');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new DomainError('checkoutUrl', 'checkoutUrl must be an absolute URL such as https://shop.example.com/buy');
  }
  if (url.protocol !== 'https:') throw new DomainError('checkoutUrl', 'checkoutUrl must start with https://');
  return value;
};
