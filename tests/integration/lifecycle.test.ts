import type { Core } from '@strapi/strapi';
import { bootStrapi, stopStrapi, createMember, createRole, roleOf, subscriptionsService } from '../helpers/strapi';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (iso: string) => new Date(iso);
const iso = (value: unknown) => new Date(value as string).toISOString();

describe('lifecycle rules applied to stored subscriptions', () => {
  let strapi: Core.Strapi;
  let memberRole: { id: number };
  let premiumRole: { id: number };
  let monthly: { id: number; documentId: string };
  let yearly: { id: number; documentId: string };
  let days30: { id: number; documentId: string };

  const createOffer = (data: Record<string, unknown>) =>
    strapi.documents('plugin::subscriptions.offer').create({ data: data as never }) as Promise<{
      id: number;
      documentId: string;
    }>;

  beforeAll(async () => {
    strapi = await bootStrapi('lifecycle');
    memberRole = await createRole(strapi, 'member');
    premiumRole = await createRole(strapi, 'premium');
    monthly = await createOffer({ title: 'Monthly', duration: 1, period: 'months', price: 10, role: memberRole.id, level: 1 });
    yearly = await createOffer({ title: 'Yearly', duration: 12, period: 'months', price: 100, role: premiumRole.id, level: 2 });
    days30 = await createOffer({ title: '30 days', duration: 30, period: 'days', price: 8, role: memberRole.id, level: 1 });
  });
  afterAll(() => stopStrapi(strapi));

  afterEach(async () => {
    await strapi.plugin('subscriptions').service('settings').update({ stackingMode: 'parallel', renewalWindowHours: 48 });
  });

  it('subscribes with dates from the offer and stores them in UTC, month-end clamped', async () => {
    const user = await createMember(strapi);
    const now = at('2024-01-31T10:00:00.000Z');
    const sub = await subscriptionsService(strapi).subscribe({ user: user.id, offer: monthly.id, now });
    const stored = await strapi.db.query('plugin::subscriptions.subscription').findOne({ where: { id: sub.id } });
    expect(iso(stored.startsAt)).toBe('2024-01-31T10:00:00.000Z');
    expect(iso(stored.dueAt)).toBe('2024-02-29T10:00:00.000Z');
    expect(iso(stored.endsAt)).toBe('2024-02-29T10:00:00.000Z');
    expect(stored.status).toBe('active');

    // Renewed before its end: the anchor day (31) comes back in March.
    const renewed = await subscriptionsService(strapi).renew(sub.documentId, { now: at('2024-02-20T00:00:00Z') });
    expect(iso(renewed.endsAt)).toBe('2024-03-31T10:00:00.000Z');
  });

  it('grants the offer role while active and gives the fallback role back after expiry', async () => {
    const user = await createMember(strapi);
    const now = new Date();
    const startsAt = new Date(now.getTime() - 10 * DAY);
    const sub = await subscriptionsService(strapi).subscribe({ user: user.id, offer: days30.id, startsAt, now });
    expect(await roleOf(strapi, user.id)).toBe('member');
    await subscriptionsService(strapi).editDates(sub.documentId, { endsAt: new Date(now.getTime() - HOUR) }, { now });
    const stored = await strapi.db.query('plugin::subscriptions.subscription').findOne({ where: { id: sub.id } });
    expect(stored.status).toBe('expired');
    expect(await roleOf(strapi, user.id)).toBe('authenticated');
  });

  it('renews instead of creating when the same offer is active or ended within the window', async () => {
    const user = await createMember(strapi);
    const start = new Date(Date.now() - 31 * DAY);
    const first = await subscriptionsService(strapi).subscribe({ user: user.id, offer: days30.id, startsAt: start, now: start });
    // Ended a day ago: within the 48 h window.
    const now = new Date(new Date(first.endsAt).getTime() + DAY);
    const result = await subscriptionsService(strapi).createOrRenew({ user: user.id, offer: days30.id, now });
    expect(result.action).toBe('renewed');
    expect(result.subscription.id).toBe(first.id);
    expect(iso(result.subscription.endsAt)).toBe(new Date(now.getTime() + 30 * DAY).toISOString());
    expect(result.subscription.status).toBe('active');
    const count = await strapi.db.query('plugin::subscriptions.subscription').count({ where: { user: { id: user.id } } });
    expect(count).toBe(1);
  });

  it('creates a new subscription when the last one ended beyond the renewal window', async () => {
    const user = await createMember(strapi);
    const start = new Date(Date.now() - 40 * DAY);
    const first = await subscriptionsService(strapi).subscribe({ user: user.id, offer: days30.id, startsAt: start, now: start });
    const now = new Date(new Date(first.endsAt).getTime() + 49 * HOUR);
    const result = await subscriptionsService(strapi).createOrRenew({ user: user.id, offer: days30.id, now });
    expect(result.action).toBe('created');
    expect(result.subscription.id).not.toBe(first.id);
    expect(iso(result.subscription.startsAt)).toBe(now.toISOString());
  });

  it('an early renewal keeps the remaining paid time (no loss, no double count)', async () => {
    const user = await createMember(strapi);
    const start = at('2030-05-01T08:00:00Z');
    const sub = await subscriptionsService(strapi).subscribe({ user: user.id, offer: days30.id, startsAt: start, now: start });
    const r1 = await subscriptionsService(strapi).createOrRenew({ user: user.id, offer: days30.id, now: at('2030-05-10T00:00:00Z') });
    const r2 = await subscriptionsService(strapi).createOrRenew({ user: user.id, offer: days30.id, now: at('2030-05-11T00:00:00Z') });
    expect(r1.subscription.id).toBe(sub.id);
    expect(r2.subscription.id).toBe(sub.id);
    expect(iso(r2.subscription.endsAt)).toBe(new Date(start.getTime() + 90 * DAY).toISOString());
  });

  it('parallel stacking starts another offer now; queue stacking starts it when the same-role one ends', async () => {
    const settings = strapi.plugin('subscriptions').service('settings');
    const now = at('2031-03-01T00:00:00Z');
    const a = await createMember(strapi);
    const first = await subscriptionsService(strapi).subscribe({ user: a.id, offer: monthly.id, now });
    const parallel = await subscriptionsService(strapi).createOrRenew({ user: a.id, offer: days30.id, now });
    expect(parallel.action).toBe('created');
    expect(iso(parallel.subscription.startsAt)).toBe(now.toISOString());

    await settings.update({ stackingMode: 'queue' });
    const b = await createMember(strapi);
    const held = await subscriptionsService(strapi).subscribe({ user: b.id, offer: monthly.id, now });
    const queued = await subscriptionsService(strapi).createOrRenew({ user: b.id, offer: days30.id, now });
    expect(queued.action).toBe('created');
    expect(iso(queued.subscription.startsAt)).toBe(iso(held.endsAt));
    expect(queued.subscription.status).toBe('pending');
    expect(first.status).toBe('active');
  });

  it('the highest level wins the role; losing it falls back to the next active grant', async () => {
    const user = await createMember(strapi);
    const now = new Date();
    await subscriptionsService(strapi).subscribe({ user: user.id, offer: monthly.id, now });
    const premium = await subscriptionsService(strapi).subscribe({ user: user.id, offer: yearly.id, now });
    expect(await roleOf(strapi, user.id)).toBe('premium');
    await subscriptionsService(strapi).refund(premium.documentId, { now });
    // The monthly subscription still grants "member": refunding premium must not strip it.
    expect(await roleOf(strapi, user.id)).toBe('member');
  });

  it('never replaces a role the plugin does not manage', async () => {
    const editor = await createRole(strapi, 'editor');
    const user = await createMember(strapi, { role: editor.id });
    await subscriptionsService(strapi).subscribe({ user: user.id, offer: yearly.id, now: new Date() });
    expect(await roleOf(strapi, user.id)).toBe('editor');
  });

  it('cancel keeps access to the end of the paid period; refund ends it now', async () => {
    const user = await createMember(strapi);
    const now = new Date();
    const sub = await subscriptionsService(strapi).subscribe({ user: user.id, offer: monthly.id, now });
    const cancelled = await subscriptionsService(strapi).cancel(sub.documentId, { now });
    expect(cancelled.status).toBe('active');
    expect(cancelled.cancelledAt).toBeTruthy();
    expect(iso(cancelled.endsAt)).toBe(iso(sub.dueAt));
    expect(await roleOf(strapi, user.id)).toBe('member');
    const refunded = await subscriptionsService(strapi).refund(sub.documentId, { now });
    expect(refunded.status).toBe('refunded');
    expect(iso(refunded.endsAt)).toBe(now.toISOString());
    expect(await roleOf(strapi, user.id)).toBe('authenticated');
  });

  it('moves subscribers when their offer changes role', async () => {
    const gold = await createRole(strapi, 'gold');
    const offer = await createOffer({ title: 'Changing', duration: 1, period: 'months', role: memberRole.id, level: 5 });
    const user = await createMember(strapi);
    await subscriptionsService(strapi).subscribe({ user: user.id, offer: offer.id, now: new Date() });
    expect(await roleOf(strapi, user.id)).toBe('member');
    await strapi.documents('plugin::subscriptions.offer').update({ documentId: offer.documentId, data: { role: gold.id } as never });
    expect(await roleOf(strapi, user.id)).toBe('gold');
  });

  it('emits events on the event hub after commit', async () => {
    const seen: string[] = [];
    const unsubscribe = strapi.eventHub.subscribe((event: string) => {
      if (event.startsWith('subscriptions.')) seen.push(event);
    });
    const user = await createMember(strapi);
    const now = new Date();
    const sub = await subscriptionsService(strapi).subscribe({ user: user.id, offer: monthly.id, now });
    await subscriptionsService(strapi).renew(sub.documentId, { now });
    await subscriptionsService(strapi).cancel(sub.documentId, { now });
    await subscriptionsService(strapi).refund(sub.documentId, { now });
    await new Promise((r) => setImmediate(r));
    unsubscribe();
    expect(seen).toEqual([
      'subscriptions.subscription.created',
      'subscriptions.subscription.renewed',
      'subscriptions.subscription.cancelled',
      'subscriptions.subscription.refunded',
    ]);
  });

  it('a failed write rolls back: nothing is stored', async () => {
    const before = await strapi.db.query('plugin::subscriptions.subscription').count();
    await expect(
      subscriptionsService(strapi).subscribe({ user: 999999, offer: monthly.id, now: new Date() })
    ).rejects.toMatchObject({ field: 'user' });
    await expect(
      subscriptionsService(strapi).subscribe({ user: (await createMember(strapi)).id, offer: 'no-such-offer', now: new Date() })
    ).rejects.toMatchObject({ field: 'offer' });
    expect(await strapi.db.query('plugin::subscriptions.subscription').count()).toBe(before);
  });
});
