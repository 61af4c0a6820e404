import type { Core } from '@strapi/strapi';
import { UID } from '../content-types';
import { DomainError } from '../domain';
import { getService } from '../utils/plugin';

/**
 * The admin's Offers page: offers with their subscriber counts, an offer's notification rules
 * (written through the Document Service so the same validation as the Content Manager applies),
 * a user search for "add a subscriber", and the users-permissions roles for the settings page.
 */

export interface RuleInput {
  amount: number;
  period: 'months' | 'days' | 'hours';
  when: 'before' | 'after';
}

const RULE_FIELDS = ['id', 'documentId', 'amount', 'period', 'when'] as const;

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const findOffer = async (documentId: string) => {
    const offer = await strapi.db.query(UID.offer).findOne({
      where: { documentId },
      select: ['id', 'documentId', 'title', 'duration', 'period', 'price', 'currency', 'available', 'level', 'click2sellProductId'],
      populate: { role: { select: ['id', 'name'] }, notificationRules: { select: [...RULE_FIELDS] } },
    });
    if (!offer) throw new DomainError('offer', `no offer ${JSON.stringify(documentId)}`, 'not_found');
    return offer as any;
  };

  const list = async () => {
    const offers = await strapi.db.query(UID.offer).findMany({
      select: ['id', 'documentId', 'title', 'duration', 'period', 'price', 'currency', 'available'],
      orderBy: [{ title: 'asc' }, { id: 'asc' }],
      limit: 500,
    });
    const tracking = getService(strapi, 'tracking');
    // One small COUNT per offer (offers are few; subscriptions may be millions).
    return Promise.all(
      offers.map(async (o: any) => ({
        ...o,
        price: o.price === null || o.price === undefined ? null : Number(o.price),
        activeSubscriptions: (
          await tracking.list({ list: 'active', offer: o.documentId, page: 1, pageSize: 1 })
        ).meta.pagination.total,
      }))
    );
  };

  const detail = async (documentId: string) => {
    const offer = await findOffer(documentId);
    offer.price = offer.price === null || offer.price === undefined ? null : Number(offer.price);
    offer.notificationRules = [...(offer.notificationRules ?? [])].sort(
      (a: any, b: any) => (a.when === b.when ? a.id - b.id : a.when === 'before' ? -1 : 1)
    );
    return offer;
  };

  const ruleOfOffer = async (offerDocumentId: string, ruleDocumentId: string) => {
    const offer = await findOffer(offerDocumentId);
    const rule = (offer.notificationRules ?? []).find((r: any) => r.documentId === ruleDocumentId);
    if (!rule) throw new DomainError('rule', `no notification rule ${JSON.stringify(ruleDocumentId)} on this offer`, 'not_found');
    return rule;
  };

  const createRule = async (offerDocumentId: string, input: RuleInput) => {
    const offer = await findOffer(offerDocumentId);
    return strapi
      .documents(UID.notificationRule as never)
      .create({ data: { ...input, offer: offer.id } as never, fields: [...RULE_FIELDS] as never });
  };

  const updateRule = async (offerDocumentId: string, ruleDocumentId: string, input: RuleInput) => {
    await ruleOfOffer(offerDocumentId, ruleDocumentId);
    return strapi
      .documents(UID.notificationRule as never)
      .update({ documentId: ruleDocumentId, data: input as never, fields: [...RULE_FIELDS] as never });
  };

  const deleteRule = async (offerDocumentId: string, ruleDocumentId: string) => {
    await ruleOfOffer(offerDocumentId, ruleDocumentId);
    await strapi.documents(UID.notificationRule as never).delete({ documentId: ruleDocumentId });
  };

  /** Users whose e-mail or username contains `search`, for "add a subscriber". */
  const searchUsers = async (search: string) =>
    strapi.db.query(UID.user).findMany({
      where: search ? { $or: [{ email: { $containsi: search } }, { username: { $containsi: search } }] } : {},
      select: ['id', 'documentId', 'email', 'username'],
      orderBy: [{ email: 'asc' }],
      limit: 10,
    });

  const roles = async () =>
    strapi.db.query(UID.role).findMany({ select: ['id', 'name', 'type'], orderBy: [{ name: 'asc' }] });

  return { list, detail, createRule, updateRule, deleteRule, searchUsers, roles };
};
