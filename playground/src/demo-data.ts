import type { Core } from '@strapi/strapi';

/**
 * Demo data for the playground, seeded once (a marker in the plugin store remembers it):
 * two roles, three offers with notification rules, and members whose subscriptions are
 * active, ending soon, expired and queued. Then, once too (its own marker, so that older
 * playgrounds get it), what the member site (public/members/) shows: a free offer and a
 * checkout link on each paid demo offer.
 */
const DAY = 86_400_000;
const MARKER = { type: 'plugin', name: 'subscriptions', key: 'playground-demo-seeded' };

const ensureRole = async (strapi: Core.Strapi, type: string, name: string, description: string) => {
  const existing = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type } });
  if (existing) return existing;
  return strapi.db.query('plugin::users-permissions.role').create({ data: { type, name, description } });
};

const ensureUser = async (strapi: Core.Strapi, username: string, email: string) => {
  const existing = await strapi.db.query('plugin::users-permissions.user').findOne({ where: { email } });
  if (existing) return existing;
  const authenticated = await strapi.db
    .query('plugin::users-permissions.role')
    .findOne({ where: { type: 'authenticated' } });
  return strapi.plugin('users-permissions').service('user').add({
    username,
    email,
    password: 'Demo-password-1',
    provider: 'local',
    confirmed: true,
    blocked: false,
    role: authenticated.id,
  });
};

export const seedDemoData = async (strapi: Core.Strapi) => {
  const store = strapi.store(MARKER);
  if (await store.get()) return;

  const member = await ensureRole(strapi, 'member', 'Member', 'Granted by the monthly membership');
  const premium = await ensureRole(strapi, 'premium', 'Premium', 'Granted by the yearly premium offer');

  const offers = strapi.documents('plugin::subscriptions.offer');
  const monthly = await offers.create({
    data: {
      title: 'Monthly membership',
      description: 'Access to all member articles, renewed every month.',
      duration: 1,
      period: 'months',
      price: 9.9,
      currency: 'EUR',
      available: true,
      role: member.id,
      level: 1,
      click2sellProductId: '1001',
    },
  });
  const yearly = await offers.create({
    data: {
      title: 'Yearly premium',
      description: 'Everything in the membership plus premium content, for a year.',
      duration: 12,
      period: 'months',
      price: 99,
      currency: 'EUR',
      available: true,
      role: premium.id,
      level: 2,
      click2sellProductId: '1002',
    },
  });
  await offers.create({
    data: {
      title: 'Weekend pass',
      description: 'Three days of member access.',
      duration: 3,
      period: 'days',
      price: 2.5,
      currency: 'EUR',
      available: true,
      role: member.id,
      level: 1,
      click2sellProductId: '1003',
    },
  });

  const rules = strapi.documents('plugin::subscriptions.notification-rule');
  const ruleSpecs: [{ documentId: string }, number, 'days' | 'months', 'before' | 'after'][] = [
    [monthly, 7, 'days', 'before'],
    [monthly, 1, 'days', 'after'],
    [yearly, 1, 'months', 'before'],
    [yearly, 7, 'days', 'before'],
  ];
  for (const [offer, amount, period, when] of ruleSpecs) {
    await rules.create({ data: { offer: offer.documentId, amount, period, when } });
  }

  const subscriptions = strapi.plugin('subscriptions').service('subscriptions');
  const now = new Date();
  const ago = (days: number) => new Date(now.getTime() - days * DAY);
  const plan: [string, string, { id: unknown }, Date][] = [
    ['alice', 'alice@example.com', monthly, ago(10)], // active
    ['bob', 'bob@example.com', monthly, ago(27)], // ending in about 3 days
    ['carol', 'carol@example.com', monthly, ago(45)], // expired
    ['dave', 'dave@example.com', yearly, ago(100)], // premium, active
    ['dave', 'dave@example.com', monthly, ago(5)], // also a member: premium wins by level
    ['erin', 'erin@example.com', yearly, ago(340)], // premium, ending in about 25 days
  ];
  for (const [username, email, offer, startsAt] of plan) {
    const user = await ensureUser(strapi, username, email);
    await subscriptions.subscribe({ user: user.id, offer: offer.id, startsAt, source: 'manual', now });
  }

  // Let every demo role call the example routes guarded by the plugin's policy.
  for (const role of [member, premium, await ensureRole(strapi, 'authenticated', 'Authenticated', '')]) {
    for (const action of ['api::member-content.member-content.find', 'api::member-content.member-content.premium']) {
      await strapi.db.query('plugin::users-permissions.permission').create({ data: { action, role: role.id } });
    }
  }

  await store.set({ value: { seededAt: now.toISOString() } });
  strapi.log.info('subscriptions playground: demo data seeded (offers, rules, members alice…erin)');
};

const MEMBER_SITE_MARKER = { type: 'plugin', name: 'subscriptions', key: 'playground-demo-member-site' };
/** Demo checkout pages (a real site puts its Click2Sell product's order-form address here). */
export const demoCheckoutUrl = (productId: string) => `https://checkout.example.com/click2sell/${productId}`;

export const seedMemberSiteData = async (strapi: Core.Strapi) => {
  const store = strapi.store(MEMBER_SITE_MARKER);
  if (await store.get()) return;
  const offers = strapi.documents('plugin::subscriptions.offer');
  for (const productId of ['1001', '1002', '1003']) {
    const [offer] = await offers.findMany({ filters: { click2sellProductId: productId } as never });
    if (offer && !(offer as { checkoutUrl?: string | null }).checkoutUrl) {
      await offers.update({ documentId: offer.documentId, data: { checkoutUrl: demoCheckoutUrl(productId) } as never });
    }
  }
  if ((await offers.findMany({ filters: { title: 'Free trial' } as never })).length === 0) {
    const member = await ensureRole(strapi, 'member', 'Member', 'Granted by the monthly membership');
    await offers.create({
      data: {
        title: 'Free trial',
        description: 'Two weeks of member access, free: take it on the member site.',
        duration: 14,
        period: 'days',
        price: 0,
        currency: 'EUR',
        available: true,
        role: member.id,
        level: 1,
      } as never,
    });
  }
  await store.set({ value: { seededAt: new Date().toISOString() } });
  strapi.log.info('subscriptions playground: member site demo data seeded (free trial, checkout links)');
};
