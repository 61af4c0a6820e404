import type { Core } from '@strapi/strapi';
import { DomainError } from '../domain';
import { reportRepository } from '../repositories/reports';
import { ruleRepository, type RuleInput } from '../repositories/rules';
import { getService } from '../utils/plugin';

/**
 * The admin's Offers page: offers with their subscriber counts, an offer's notification rules
 * (written through the Document Service so the same validation as the Content Manager applies),
 * a user search for "add a subscriber", and the users-permissions roles for the settings page.
 */

export type { RuleInput } from '../repositories/rules';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const reports = reportRepository(strapi);
  const rules = ruleRepository(strapi);

  const findOffer = async (documentId: string) => {
    const offer = await rules.offerWithRules(documentId);
    if (!offer) throw new DomainError('offer', `no offer ${JSON.stringify(documentId)}`, 'not_found');
    return offer;
  };

  const list = async () => {
    const offers = await reports.offers();
    const tracking = getService(strapi, 'tracking');
    // One small COUNT per offer (offers are few; subscriptions may be millions).
    return Promise.all(
      offers.map(async (o) => ({
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
    offer.notificationRules = [...(offer.notificationRules ?? [])].sort((a, b) =>
      a.when === b.when ? a.id - b.id : a.when === 'before' ? -1 : 1
    );
    return offer;
  };

  const ruleOfOffer = async (offerDocumentId: string, ruleDocumentId: string) => {
    const offer = await findOffer(offerDocumentId);
    const rule = (offer.notificationRules ?? []).find((r) => r.documentId === ruleDocumentId);
    if (!rule) throw new DomainError('rule', `no notification rule ${JSON.stringify(ruleDocumentId)} on this offer`, 'not_found');
    return rule;
  };

  const createRule = async (offerDocumentId: string, input: RuleInput) => {
    const offer = await findOffer(offerDocumentId);
    return rules.create(offer.id, input);
  };

  const updateRule = async (offerDocumentId: string, ruleDocumentId: string, input: RuleInput) => {
    await ruleOfOffer(offerDocumentId, ruleDocumentId);
    return rules.update(ruleDocumentId, input);
  };

  const deleteRule = async (offerDocumentId: string, ruleDocumentId: string) => {
    await ruleOfOffer(offerDocumentId, ruleDocumentId);
    await rules.remove(ruleDocumentId);
  };

  /** Users whose e-mail or username contains `search`, for "add a subscriber". */
  const searchUsers = async (search: string) => reports.searchUsers(search);

  const roles = async () => reports.roles();

  return { list, detail, createRule, updateRule, deleteRule, searchUsers, roles };
};
