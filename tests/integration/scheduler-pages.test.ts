import type { Core } from '@strapi/strapi';
import { bootStrapi, createRole, stopStrapi } from '../helpers/strapi';

const DAY = 86_400_000;
const SUB = 'plugin::subscriptions.subscription';
const USER = 'plugin::users-permissions.user';

/**
 * The scheduler reads its candidates a page (1,000) at a time, in the order of the date that makes
 * them due, then id. More than two pages of ended subscriptions, many of them ending at the very
 * same instant across a page boundary, must each be expired exactly once in one run, and none of
 * the subscriptions still running touched. The rows are written straight into the tables (as an
 * import or a restore would), so the test stays fast on every database.
 */
describe('scheduler pages', () => {
  let strapi: Core.Strapi;

  beforeAll(async () => {
    strapi = await bootStrapi('scheduler-pages');
  });
  afterAll(async () => stopStrapi(strapi));

  it('expires every due subscription of several pages once, ties on the end instant included, and nothing else', async () => {
    const now = new Date(Date.UTC(2041, 0, 1));
    const role = await createRole(strapi, 'pages-member');
    const offer = (await strapi.documents('plugin::subscriptions.offer').create({
      data: { title: 'Pages', duration: 1, period: 'months', role: role.id, level: 1 } as never,
    })) as unknown as { id: number };
    const knex = strapi.db.connection;
    const meta = (uid: string) => strapi.db.metadata.get(uid as never) as unknown as { tableName: string; attributes: Record<string, any> };
    const users = meta(USER).tableName;
    const subs = meta(SUB).tableName;
    const roleLink = meta(USER).attributes.role.joinTable;
    const userLink = meta(SUB).attributes.user.joinTable;
    const offerLink = meta(SUB).attributes.offer.joinTable;

    // 2,300 due: 1,500 of them end at one instant (a page boundary falls inside the tie), the rest
    // spread over the past hour; 700 still running.
    const DUE = 2300;
    const RUNNING = 700;
    const sameInstant = new Date(now.getTime() - 30 * 60_000);
    const endOf = (i: number) =>
      i < 1500 ? sameInstant : i < DUE ? new Date(now.getTime() - 60 * 60_000 + (i - 1500) * 1000) : new Date(now.getTime() + (1 + (i % 30)) * DAY);
    const total = DUE + RUNNING;
    const stamp = Date.now().toString(36);
    const userIds = await knex.transaction(async (trx) => {
      const ids: number[] = [];
      for (let i = 0; i < total; i += 1) {
        const [result] = (await trx(users).insert(
          { document_id: `pg${stamp}${i}`.padEnd(24, '0').slice(0, 24), username: `pages${stamp}-${i}`, email: `pages${stamp}-${i}@test.local`, provider: 'local', confirmed: true, blocked: false, created_at: now, updated_at: now },
          ['id']
        )) as ({ id: number } | number)[];
        ids.push(typeof result === 'object' ? result.id : result);
      }
      for (let i = 0; i < ids.length; i += 200) {
        await trx(roleLink.name).insert(ids.slice(i, i + 200).map((id) => ({ [roleLink.joinColumn.name]: id, [roleLink.inverseJoinColumn.name]: role.id })));
      }
      return ids;
    });
    const subIds = await knex.transaction(async (trx) => {
      const ids: number[] = [];
      for (let i = 0; i < total; i += 1) {
        const [result] = (await trx(subs).insert(
          {
            document_id: `ps${stamp}${i}`.padEnd(24, '0').slice(0, 24),
            status: 'active',
            starts_at: new Date(now.getTime() - 400 * DAY),
            due_at: endOf(i),
            ends_at: endOf(i),
            source: 'api',
            created_at: now,
            updated_at: now,
          },
          ['id']
        )) as ({ id: number } | number)[];
        const id = typeof result === 'object' ? result.id : result;
        ids.push(id);
      }
      for (let i = 0; i < ids.length; i += 200) {
        const part = ids.slice(i, i + 200);
        await trx(userLink.name).insert(part.map((id, k) => ({ [userLink.joinColumn.name]: id, [userLink.inverseJoinColumn.name]: userIds[i + k] })));
        await trx(offerLink.name).insert(part.map((id) => ({ [offerLink.joinColumn.name]: id, [offerLink.inverseJoinColumn.name]: offer.id })));
      }
      return ids;
    });

    const expiredEvents = new Map<number, number>();
    const listener = ({ subscription }: { subscription: { id: number } }) => expiredEvents.set(subscription.id, (expiredEvents.get(subscription.id) ?? 0) + 1);
    strapi.eventHub.on('subscriptions.subscription.expired', listener);
    const figures = await strapi.plugin('subscriptions').service('scheduler').runOnce({ now, steps: ['lifecycle'] });
    await new Promise((resolve) => setTimeout(resolve, 50));
    strapi.eventHub.off('subscriptions.subscription.expired', listener);

    expect(figures.expired).toBe(DUE);
    expect(figures.errors).toBe(0);
    const statuses = (await knex(subs).whereIn('id', subIds).select('id', 'status')) as { id: number; status: string }[];
    const statusOf = new Map(statuses.map((r) => [Number(r.id), r.status]));
    const wrong = subIds.filter((id, i) => statusOf.get(id) !== (i < DUE ? 'expired' : 'active'));
    expect(wrong).toEqual([]);
    // Each due subscription expired once (one event each), none of the running ones.
    expect(subIds.slice(0, DUE).filter((id) => expiredEvents.get(id) !== 1)).toEqual([]);
    expect(subIds.slice(DUE).filter((id) => expiredEvents.has(id))).toEqual([]);
    // Every expiry recorded once in the history, and a second run finds nothing to do.
    const history = (await strapi.db.query('plugin::subscriptions.history-entry').count({ where: { subscriptionId: { $in: subIds }, kind: 'expired' } })) as number;
    expect(history).toBe(DUE);
    const again = await strapi.plugin('subscriptions').service('scheduler').runOnce({ now: new Date(now.getTime() + 1000), steps: ['lifecycle'] });
    expect(again.expired).toBe(0);
  }, 240_000);
});
