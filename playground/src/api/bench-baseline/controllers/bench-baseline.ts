import type { Core, UID } from '@strapi/strapi';

type Context = Parameters<Core.ControllerHandler>[0];

const enabled = (ctx: Context) => {
  if (process.env.BENCH_BASELINE === 'true') return true;
  ctx.status = 404;
  ctx.body = { data: null, error: { status: 404, name: 'NotFoundError', message: 'Not Found' } };
  return false;
};

const table = (uid: UID.Schema) => strapi.db.metadata.get(uid).tableName;

const controller: Core.Controller = {
  /** Creates `members` members, each with an active subscription to the offer of `productId`. */
  async setup(ctx) {
    if (!enabled(ctx)) return;
    const { members = 100, productId = '1001', prefix = 'bench', subscribeEmails = [], settings = null } = ctx.request.body ?? {};
    // The plugin's settings for this run (`npm run bench` diagnostics, e.g. receipts off).
    if (settings) await strapi.plugin('subscriptions').service('settings').update(settings);
    let offer = await strapi.db.query('plugin::subscriptions.offer').findOne({ where: { click2sellProductId: productId } });
    if (!offer) {
      const memberRole =
        (await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'member' } })) ??
        (await strapi.db.query('plugin::users-permissions.role').create({ data: { type: 'member', name: 'Member', description: 'bench' } }));
      // As a site owner would: members may read their own account too (the /api/users/me baseline).
      await strapi.db
        .query('plugin::users-permissions.permission')
        .create({ data: { action: 'plugin::users-permissions.user.me', role: memberRole.id } });
      offer = await strapi.documents('plugin::subscriptions.offer').create({
        data: { title: `Bench ${productId}`, duration: 1, period: 'months', price: 9.9, role: memberRole.id, level: 1, click2sellProductId: productId },
      });
    }
    const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'authenticated' } });
    const service = strapi.plugin('subscriptions').service('subscriptions');
    for (const email of subscribeEmails) {
      const user = await strapi.db.query('plugin::users-permissions.user').findOne({ where: { email } });
      await service.subscribe({ user: user.id, offer: offer.id, source: 'api' });
    }
    for (let i = 0; i < members; i += 1) {
      const email = `${prefix}-${i}@bench.local`;
      const user = await strapi.db.query('plugin::users-permissions.user').create({
        data: { username: email, email, provider: 'local', confirmed: true, blocked: false, role: role.id },
      });
      await service.subscribe({ user: user.id, offer: offer.id, source: 'click2sell' });
    }
    ctx.body = { ok: true, members };
  },

  /**
   * A re-bill with plain knex: the same writes as the plugin (a ledger row, the subscription's
   * paid end moved by the offer's duration and its purchase fields), no validation, no
   * checksum, no lock, no role recomputation.
   */
  async rebill(ctx) {
    if (!enabled(ctx)) return;
    const f = ctx.request.body;
    const knex = strapi.db.connection;
    const users = table('plugin::users-permissions.user');
    const subs = table('plugin::subscriptions.subscription');
    const events = table('plugin::subscriptions.payment-event');
    const userLink = `${subs}_user_lnk`;
    await knex.transaction(async (trx) => {
      const user = await trx(users).select('id').where({ email: String(f.buyer_email).toLowerCase() }).first();
      const sub = await trx(subs)
        .join(userLink, `${userLink}.subscription_id`, `${subs}.id`)
        .select(`${subs}.id`, `${subs}.due_at`)
        .where(`${userLink}.user_id`, user.id)
        .first();
      const due = new Date(sub.due_at);
      due.setUTCMonth(due.getUTCMonth() + 1);
      await trx(subs).where({ id: sub.id }).update({
        due_at: due,
        ends_at: null,
        last_purchase_id: f.c2s_transaction_id,
        last_purchase_at: new Date(),
      });
      await trx(events).insert({
        document_id: `b${Date.now()}${Math.random().toString(36).slice(2)}`,
        provider: 'click2sell',
        dedupe_key: `baseline:${f.c2s_transaction_id}`,
        transaction_id: f.c2s_transaction_id,
        transaction_type: f.transaction_type,
        outcome: 'applied',
        email: f.buyer_email,
        received_at: new Date(),
        created_at: new Date(),
        updated_at: new Date(),
      });
    });
    ctx.body = { ok: true };
  },
};

export default controller;
