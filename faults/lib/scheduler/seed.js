'use strict';

/**
 * Functions the scheduler fault scenarios run inside a worker (`worker.call(SEED, name, …)`), each
 * called with the worker's Strapi. Bulk rows are written with knex, as bench/lib/scheduler-worker.js
 * does (thousands of members and subscriptions in a few seconds); offers, rules, roles and
 * settings go through Strapi. Dates travel as ISO strings.
 */

const USER = 'plugin::users-permissions.user';
const ROLE = 'plugin::users-permissions.role';
const SUB = 'plugin::subscriptions.subscription';
const OFFER = 'plugin::subscriptions.offer';
const RULE = 'plugin::subscriptions.notification-rule';

const date = (value) => (value === null || value === undefined ? null : new Date(value));

const insertChunked = async (strapi, table, rows) => {
  const knex = strapi.db.connection;
  const chunk = strapi.db.dialect.client === 'sqlite' ? 400 : 2000;
  const ids = [];
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const result = await knex(table).insert(part, ['id']);
    const first = typeof result[0] === 'object' ? result[0].id : result[0];
    ids.push(...(typeof result[0] === 'object' ? result.map((r) => r.id) : part.map((_r, k) => first + k)));
  }
  return ids;
};

/**
 * Writes a whole world:
 *   spec.settings      plugin settings to set (e.g. { graceHours: 6 })
 *   spec.roles         [type] roles to create (users-permissions' `authenticated` exists already)
 *   spec.offers        [{ key, title, duration, period, role (type) | null, level, rules: [{ key, amount, period, when }] }]
 *   spec.members       [{ email, role (type) }]
 *   spec.subscriptions [{ member (index), offer (key), status, startsAt, dueAt, endsAt, cancelledAt }]
 *   spec.writtenAt     created_at / updated_at of the bulk rows (a date long before the simulated time)
 * Returns the ids: { roles: {type: id}, offers: {key: id}, rules: {key: id}, members: [id], subscriptions: [id] }.
 */
const seedWorld = async (strapi, spec) => {
  const meta = (uid) => strapi.db.metadata.get(uid);
  const users = meta(USER).tableName;
  const subs = meta(SUB).tableName;
  const roleLink = meta(USER).attributes.role.joinTable;
  const offerLink = meta(SUB).attributes.offer.joinTable;
  const userLink = meta(SUB).attributes.user.joinTable;
  const writtenAt = date(spec.writtenAt) || new Date('2020-01-01T00:00:00Z');

  if (spec.settings) await strapi.plugin('subscriptions').service('settings').update(spec.settings);

  const roles = {};
  const authenticated = await strapi.db.query(ROLE).findOne({ where: { type: 'authenticated' } });
  roles.authenticated = authenticated.id;
  for (const type of spec.roles || []) {
    const role = await strapi.db.query(ROLE).create({ data: { type, name: type, description: `faults: ${type}` } });
    roles[type] = role.id;
  }

  const offers = {};
  const rules = {};
  for (const offer of spec.offers || []) {
    const created = await strapi.db.query(OFFER).create({
      data: {
        title: offer.title,
        duration: offer.duration,
        period: offer.period,
        price: offer.price ?? 10,
        available: true,
        level: offer.level ?? 0,
        ...(offer.role ? { role: roles[offer.role] } : {}),
      },
    });
    offers[offer.key] = created.id;
    for (const rule of offer.rules || []) {
      const r = await strapi.db.query(RULE).create({
        data: { offer: created.id, amount: rule.amount, period: rule.period, when: rule.when },
      });
      rules[rule.key] = r.id;
    }
  }

  const memberRows = (spec.members || []).map((m, i) => ({
    document_id: `fm${i.toString(36).padStart(22, '0')}`,
    username: m.email,
    email: m.email,
    provider: 'local',
    confirmed: true,
    blocked: false,
    created_at: writtenAt,
    updated_at: writtenAt,
  }));
  const members = await insertChunked(strapi, users, memberRows);
  await insertChunked(
    strapi,
    roleLink.name,
    members.map((id, i) => ({
      [roleLink.joinColumn.name]: id,
      [roleLink.inverseJoinColumn.name]: roles[spec.members[i].role || 'authenticated'],
    }))
  );

  const subRows = (spec.subscriptions || []).map((s, i) => ({
    document_id: `fs${i.toString(36).padStart(22, '0')}`,
    status: s.status,
    starts_at: date(s.startsAt),
    due_at: date(s.dueAt),
    ends_at: date(s.endsAt),
    cancelled_at: date(s.cancelledAt),
    source: 'api',
    created_at: writtenAt,
    updated_at: writtenAt,
  }));
  const subscriptions = await insertChunked(strapi, subs, subRows);
  await insertChunked(
    strapi,
    offerLink.name,
    subscriptions.map((id, i) => ({
      [offerLink.joinColumn.name]: id,
      [offerLink.inverseJoinColumn.name]: offers[spec.subscriptions[i].offer],
    }))
  );
  await insertChunked(
    strapi,
    userLink.name,
    subscriptions.map((id, i) => ({
      [userLink.joinColumn.name]: id,
      [userLink.inverseJoinColumn.name]: members[spec.subscriptions[i].member],
    }))
  );
  if (strapi.db.dialect.client === 'postgres') await strapi.db.connection.raw('ANALYZE');
  return { roles, offers, rules, members, subscriptions };
};

/**
 * Every outbox row with what the checks need: id, kind, status, attempts, dedupeKey, recipient,
 * subscription and rule ids, dates (ISO).
 */
const outbox = async (strapi) => {
  const rows = await strapi.db.query('plugin::subscriptions.message').findMany({
    select: ['id', 'kind', 'status', 'attempts', 'dedupeKey', 'to', 'lastError', 'nextAttemptAt', 'claimedUntil', 'sentAt', 'createdAt'],
    populate: { subscription: { select: ['id'] }, notificationRule: { select: ['id'] } },
    orderBy: { id: 'asc' },
  });
  const iso = (v) => (v ? new Date(v).toISOString() : null);
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    status: r.status,
    attempts: r.attempts,
    dedupeKey: r.dedupeKey,
    to: r.to,
    lastError: r.lastError,
    nextAttemptAt: iso(r.nextAttemptAt),
    claimedUntil: iso(r.claimedUntil),
    sentAt: iso(r.sentAt),
    createdAt: iso(r.createdAt),
    subscription: r.subscription ? r.subscription.id : null,
    rule: r.notificationRule ? r.notificationRule.id : null,
  }));
};

/** Every subscription's status and dates, and every member's role type. */
const world = async (strapi) => {
  const subs = await strapi.db.query(SUB).findMany({
    select: ['id', 'status', 'startsAt', 'dueAt', 'endsAt', 'cancelledAt'],
    populate: { user: { select: ['id'] }, offer: { select: ['id'] } },
    orderBy: { id: 'asc' },
  });
  const users = await strapi.db.query(USER).findMany({
    select: ['id', 'email'],
    populate: { role: { select: ['id', 'type'] } },
    orderBy: { id: 'asc' },
  });
  const iso = (v) => (v ? new Date(v).toISOString() : null);
  return {
    subscriptions: subs.map((s) => ({
      id: s.id,
      status: s.status,
      startsAt: iso(s.startsAt),
      dueAt: iso(s.dueAt),
      endsAt: iso(s.endsAt),
      cancelledAt: iso(s.cancelledAt),
      user: s.user ? s.user.id : null,
      offer: s.offer ? s.offer.id : null,
    })),
    members: users.map((u) => ({ id: u.id, email: u.email, role: u.role ? u.role.type : null })),
  };
};

module.exports = { seedWorld, outbox, world };
