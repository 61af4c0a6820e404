import type { Core } from '@strapi/strapi';
import { UID } from '../content-types';
import type { ReminderRule } from '../domain';

/** A notification rule with the offer it belongs to (null when its offer is gone). */
export type RuleWithOffer = ReminderRule & { offer?: { id: number; title: string } | null };

/** What an admin writes on a notification rule. */
export interface RuleInput {
  amount: number;
  period: 'months' | 'days' | 'hours';
  when: 'before' | 'after';
}

/** A rule as the Offers page shows it. */
export interface RuleRow {
  id: number;
  documentId: string;
  amount: number;
  period: 'months' | 'days' | 'hours';
  when: 'before' | 'after';
}

/** An offer with the fields the Offers page shows, its role and its notification rules. */
export interface OfferWithRules {
  id: number;
  documentId: string;
  title: string;
  duration: number;
  period: 'months' | 'days' | 'hours';
  price: number | string | null;
  currency: string | null;
  available: boolean | null;
  level: number | null;
  click2sellProductId: string | null;
  role?: { id: number; name: string } | null;
  notificationRules?: RuleRow[];
}

const RULE_FIELDS = ['id', 'documentId', 'amount', 'period', 'when'] as const;

/**
 * Every query on notification rules (`plugin::subscriptions.notification-rule`). Rules are
 * written through the Document Service, so the same validation as the Content Manager applies.
 */
export const ruleRepository = (strapi: Core.Strapi) => {
  const documents = () => strapi.documents(UID.notificationRule as never);

  /** Every rule with its offer's id and title (the scheduler's reminder pass). */
  const withOffers = async (): Promise<RuleWithOffer[]> =>
    (await strapi.db.query(UID.notificationRule).findMany({
      select: ['id', 'amount', 'period', 'when'],
      populate: { offer: { select: ['id', 'title'] } },
    })) as RuleWithOffer[];

  /** An offer by documentId with its role and rules; null when there is none. */
  const offerWithRules = async (offerDocumentId: string): Promise<OfferWithRules | null> =>
    (await strapi.db.query(UID.offer).findOne({
      where: { documentId: offerDocumentId },
      select: ['id', 'documentId', 'title', 'duration', 'period', 'price', 'currency', 'available', 'level', 'click2sellProductId'],
      populate: { role: { select: ['id', 'name'] }, notificationRules: { select: [...RULE_FIELDS] } },
    })) as OfferWithRules | null;

  const create = async (offerId: number, input: RuleInput): Promise<RuleRow> =>
    (await documents().create({ data: { ...input, offer: offerId } as never, fields: [...RULE_FIELDS] as never })) as unknown as RuleRow;

  const update = async (ruleDocumentId: string, input: RuleInput): Promise<RuleRow> =>
    (await documents().update({ documentId: ruleDocumentId, data: input as never, fields: [...RULE_FIELDS] as never })) as unknown as RuleRow;

  const remove = async (ruleDocumentId: string) => {
    await documents().delete({ documentId: ruleDocumentId });
  };

  return { withOffers, offerWithRules, create, update, remove };
};

export type RuleRepository = ReturnType<typeof ruleRepository>;
