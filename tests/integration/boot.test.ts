import type { Core } from '@strapi/strapi';
import { bootStrapi, stopStrapi } from '../helpers/strapi';

describe('plugin boot', () => {
  let strapi: Core.Strapi;
  beforeAll(async () => {
    strapi = await bootStrapi('boot');
  });
  afterAll(() => stopStrapi(strapi));

  it('registers the three public content types with the documented fields', () => {
    const offer = strapi.contentType('plugin::subscriptions.offer');
    expect(Object.keys(offer.attributes)).toEqual(
      expect.arrayContaining([
        'title', 'description', 'duration', 'period', 'price', 'currency', 'available', 'role', 'level',
        'click2sellProductId', 'notificationRules', 'subscriptions',
      ])
    );
    const subscription = strapi.contentType('plugin::subscriptions.subscription');
    expect(Object.keys(subscription.attributes)).toEqual(
      expect.arrayContaining([
        'user', 'offer', 'status', 'startsAt', 'dueAt', 'endsAt', 'cancelledAt', 'source', 'lastPurchaseId',
        'lastPurchaseAt', 'affiliate',
      ])
    );
    expect((subscription.attributes.status as { enum: string[] }).enum).toEqual([
      'pending', 'active', 'expired', 'cancelled', 'refunded',
    ]);
    const rule = strapi.contentType('plugin::subscriptions.notification-rule');
    expect(Object.keys(rule.attributes)).toEqual(expect.arrayContaining(['offer', 'amount', 'period', 'when']));
  });

  it('offers its events in Settings → Webhooks', () => {
    const allowed = (strapi.get('webhookStore') as { allowedEvents: Map<string, string> }).allowedEvents;
    const values = [...allowed.values()];
    for (const event of ['created', 'renewed', 'activated', 'expired', 'cancelled', 'refunded']) {
      expect(values).toContain(`subscriptions.subscription.${event}`);
    }
    expect(values).toContain('subscriptions.user.created');
  });

  it('registers its admin permissions', () => {
    const actions = strapi.service('admin::permission').actionProvider.values().map((a: { actionId: string }) => a.actionId);
    expect(actions).toEqual(
      expect.arrayContaining([
        'plugin::subscriptions.read',
        'plugin::subscriptions.manage',
        'plugin::subscriptions.settings.read',
        'plugin::subscriptions.settings.update',
        'plugin::subscriptions.members.gdpr',
      ])
    );
  });
});
