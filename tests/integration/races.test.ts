import path from 'path';
import crypto from 'crypto';
import type { AddressInfo } from 'net';
import { fork, type ChildProcess } from 'child_process';
import request from 'supertest';
import { DateTime } from 'luxon';
import type { Core } from '@strapi/strapi';
import { adminJwt, bootStrapi, createMember, createRole, roleOf, stopStrapi } from '../helpers/strapi';
import { CLICK2SELL_PATH, notification } from '../helpers/click2sell';
import { startSmtp, type TestSmtp } from '../helpers/smtp';
import { databaseClient } from '../helpers/database';

/**
 * Races on one member (README, "Payments and paid time": one write path, under the member's
 * lock; "Several Strapi processes"). Two changes to one member are sent at the same moment, many
 * times, each time to a fresh member; afterwards the member's subscriptions, role, payment ledger
 * and expiry notices must equal what one of the two serial orders (A then B, or B then A) gives.
 *
 * The serial outcomes are written here by hand from the README's rules, with Luxon in UTC, not
 * computed by the plugin. Each scenario also replays both serial orders on two more members, one
 * change after the other, to show that those hand-written states are what the plugin does when
 * nothing races; a racing repetition then has to land on one of them.
 */

const SECRET = 'races-secret';
const PRODUCT = '4001';
const SUB = 'plugin::subscriptions.subscription';
const EVENT = 'plugin::subscriptions.payment-event';
const MESSAGE = 'plugin::subscriptions.message';
const OFFER = 'plugin::subscriptions.offer';

const REPETITIONS = 50;
/** Repetitions of scenarios 1, 2 and 4 that race at once, each on its own member. */
const BATCH = 10;
/** Members set up at once. */
const SETUP_BATCH = 10;
/** Members whose re-bills race one scheduler run of the other process (scenario 3). */
const ROUND = 5;
/** Scenario 3: when repetition k's re-bill leaves, relative to the scheduler run's start (−80…+20 ms, spread). */
const REBILL_SHIFT_MS = (k: number) => ((k * 37) % 101) - 80;
const client = databaseClient();

// ---------------------------------------------------------------- the state that is compared

interface SubscriptionState {
  status: string;
  startsAt: string | null;
  dueAt: string | null;
  endsAt: string | null;
  cancelledAt: string | null;
}

/** A ledger row: its outcome and refund; a payment that still pays also its period. */
interface LedgerState {
  outcome: string;
  refundedAt: string | null;
  period?: [string | null, string | null];
}

interface MemberState {
  /** In creation order. */
  subscriptions: SubscriptionState[];
  role: string | null;
  /** Keyed `<acquirer label>.<meaning>` (`P1.purchase`, `P1.refund`, `R.rebill`…); a second row on a key gets `#2`. */
  ledger: Record<string, LedgerState>;
  /** The `endsAt` of each expiry notice queued for the member. */
  expiryNotices: (string | null)[];
}

/**
 * Equality of two states as data: some rows come from the database driver (another realm than
 * the test's objects, e.g. better-sqlite3's arrays), so prototypes are not compared; keys sorted.
 */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v
  );
const sameState = (a: unknown, b: unknown) => canonical(a) === canonical(b);

const iso = (value: unknown): string | null =>
  value === null || value === undefined ? null : new Date(value as string).toISOString();

// ---------------------------------------------------------------- hand-written expectations

const utc = (text: string) => DateTime.fromISO(text, { zone: 'utc' });
const at = (d: DateTime | null) => (d === null ? null : d.toJSDate().toISOString());
const subscription = (
  status: string,
  startsAt: DateTime,
  dueAt: DateTime | null,
  endsAt: DateTime | null,
  cancelledAt: DateTime | null = null
): SubscriptionState => ({ status, startsAt: at(startsAt), dueAt: at(dueAt), endsAt: at(endsAt), cancelledAt: at(cancelledAt) });
/** An applied payment still paying for from → to. */
const paying = (from: DateTime, to: DateTime): LedgerState => ({ outcome: 'applied', refundedAt: null, period: [at(from), at(to)] });
/** An applied payment refunded at `when`. */
const refundedAt = (when: DateTime): LedgerState => ({ outcome: 'applied', refundedAt: at(when) });
/** An applied refund notification. */
const appliedRefund: LedgerState = { outcome: 'applied', refundedAt: null };

// Scenarios 1, 2 and 4: bought (Subscription + New) at T0, changes at T1, ten days later.
const T0 = utc('2030-03-10T09:00:00Z');
const T1 = T0.plus({ days: 10 });
/** Paid ends one, two and three months after T0 (same day of the month: no clamping). */
const D1 = T0.plus({ months: 1 });
const D2 = T0.plus({ months: 2 });
const D3 = T0.plus({ months: 3 });

// Scenario 3 lives in another year, so that the other process's scheduler runs never meet the
// other scenarios' members (and theirs never meet these). Bought at U0; the re-bill never came;
// the scheduler runs at U2, 72 h after the paid end (grace: 48 h).
const U0 = utc('2029-01-10T09:00:00Z');
const E1 = U0.plus({ months: 1 });
const E2 = U0.plus({ months: 2 });
const U2 = E1.plus({ hours: 72 });

type Orders = Record<string, MemberState>;

/**
 * 1. A re-bill (R) and a refund of the first payment (P1) at T1.
 * - R then refund: R bought D1 → D2 (paid at T1); refunding P1 takes back P1's length (T0 → D1),
 *   but R's period never moves to before the instant it was paid: it starts at T1, keeps its
 *   length, and the paid end moves back as much (README, "Payments and paid time"); paid time is
 *   left, so it stays active.
 * - refund then R: P1 was the only payment, no paid time is left: refunded now (end = T1). The
 *   re-bill cannot extend a refunded subscription: a new one, open-ended (Subscription), T1 → +1 month.
 */
const R_SHIFT = D1.toMillis() - T1.toMillis();
const scenario1: Orders = {
  'rebill→refund': {
    subscriptions: [subscription('active', T0, D2.minus({ milliseconds: R_SHIFT }), null)],
    role: 'member',
    ledger: { 'P1.purchase': refundedAt(T1), 'P1.refund': appliedRefund, 'R.rebill': paying(T1, D2.minus({ milliseconds: R_SHIFT })) },
    expiryNotices: [],
  },
  'refund→rebill': {
    subscriptions: [subscription('refunded', T0, T1, T1), subscription('active', T1, T1.plus({ months: 1 }), null)],
    role: 'member',
    ledger: { 'P1.purchase': refundedAt(T1), 'P1.refund': appliedRefund, 'R.rebill': paying(T1, T1.plus({ months: 1 })) },
    expiryNotices: [],
  },
};

/**
 * 2. A re-bill (R) and an admin renew at T1. Both add a month after the paid end (the paid end is
 * after now): the end is D3 either way; R's period is D1 → D2 if it came first, D2 → D3 if not.
 */
const scenario2: Orders = {
  'rebill→renew': {
    subscriptions: [subscription('active', T0, D3, null)],
    role: 'member',
    ledger: { 'P1.purchase': paying(T0, D1), 'R.rebill': paying(D1, D2) },
    expiryNotices: [],
  },
  'renew→rebill': {
    subscriptions: [subscription('active', T0, D3, null)],
    role: 'member',
    ledger: { 'P1.purchase': paying(T0, D1), 'R.rebill': paying(D2, D3) },
    expiryNotices: [],
  },
};

/**
 * 3. A re-bill (R) at U2 and, in another process, the scheduler's lifecycle run at U2, 72 h after
 * the paid end E1.
 * - R then the scheduler: paid until E2, nothing is due.
 * - the scheduler then R: grace ended it (end = U2, expired, an expiry notice), and R extends it
 *   from its paid end and reactivates it, open-ended again.
 */
const scenario3: Orders = {
  'rebill→scheduler': {
    subscriptions: [subscription('active', U0, E2, null)],
    role: 'member',
    ledger: { 'P1.purchase': paying(U0, E1), 'R.rebill': paying(E1, E2) },
    expiryNotices: [],
  },
  'scheduler→rebill': {
    subscriptions: [subscription('active', U0, E2, null)],
    role: 'member',
    ledger: { 'P1.purchase': paying(U0, E1), 'R.rebill': paying(E1, E2) },
    expiryNotices: [at(U2)],
  },
};

/**
 * 4. Bought at T0 (P1: T0 → D1) and re-billed at T0 (P2: D1 → D2); both payments refunded at T1.
 * Whichever comes first leaves paid time (ends D2 − 31 days or D2 − 30 days); the second leaves
 * none (T0 ≤ T1): refunded now, the member back to the default role.
 */
const bothRefunded: MemberState = {
  subscriptions: [subscription('refunded', T0, T1, T1)],
  role: 'authenticated',
  ledger: { 'P1.purchase': refundedAt(T1), 'P2.rebill': refundedAt(T1), 'P1.refund': appliedRefund, 'P2.refund': appliedRefund },
  expiryNotices: [],
};
const scenario4: Orders = { 'refund P1→refund P2': bothRefunded, 'refund P2→refund P1': bothRefunded };

// ---------------------------------------------------------------- the other process

type Figures = Record<string, number>;

interface Worker {
  child: ChildProcess;
  run(command: { now: Date; steps: string[]; at: number }): Promise<{ figures: Figures; startedAt: number }>;
  stop(): Promise<void>;
}

/** A Strapi process of its own on the same database (tests/helpers/race-worker.js), driven over IPC. */
const startWorker = (env: Record<string, string>): Promise<Worker> =>
  new Promise((resolve, reject) => {
    const child = fork(path.resolve(__dirname, '..', 'helpers', 'race-worker.js'), [], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let next = 0;
    const waiting = new Map<number, { done: (value: { figures: Figures; startedAt: number }) => void; fail: (e: Error) => void }>();
    child.on('message', (message: { type: string; id?: number; message?: string; figures?: Figures; startedAt?: number }) => {
      if (message.type === 'ready') {
        resolve({
          child,
          run: ({ now, steps, at: startAt }) =>
            new Promise((done, fail) => {
              next += 1;
              waiting.set(next, { done, fail });
              child.send({ type: 'run', id: next, now: now.toISOString(), steps, at: startAt });
            }),
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.send({ type: 'stop' });
            }),
        });
      } else if (message.type === 'ran' && message.id !== undefined) {
        waiting.get(message.id)?.done({ figures: message.figures as Figures, startedAt: message.startedAt as number });
        waiting.delete(message.id);
      } else if (message.type === 'error') {
        const error = new Error(message.message);
        if (message.id !== undefined && waiting.has(message.id)) {
          waiting.get(message.id)!.fail(error);
          waiting.delete(message.id);
        } else reject(error);
      }
    });
    child.once('exit', (code) => {
      for (const w of waiting.values()) w.fail(new Error(`worker exited with code ${code}`));
      reject(new Error(`worker exited with code ${code} before it was ready`));
    });
  });

// ---------------------------------------------------------------- the test

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sleepUntil = (epochMs: number) => sleep(Math.max(0, epochMs - Date.now()));

interface Member {
  email: string;
  userId: number;
  /** Acquirer transaction ids by label (P1, P2, R). */
  acquirers: Record<string, string>;
  notifications: Record<string, Record<string, string>>;
}

interface Finding {
  scenario: string;
  repetition: number | string;
  member: string;
  problem: string;
  found?: unknown;
  expected?: unknown;
}

describe(`races on one member (${client}): the final state is one of the serial orders`, () => {
  let strapi: Core.Strapi;
  let smtp: TestSmtp;
  let worker: Worker | undefined;
  let base: string;
  let admin: { jwt: string };
  const summary: string[] = [];

  const clock = () => strapi.plugin('subscriptions').service('clock') as { pin(instant: Date | null): void };
  const pin = (d: DateTime) => clock().pin(d.toJSDate());

  const post = (fields: Record<string, string>) => request(base).post(CLICK2SELL_PATH).type('form').send(fields);
  const renewOverHttp = (documentId: string) =>
    request(base).post(`/subscriptions/subscriptions/${documentId}/renew`).set('Authorization', `Bearer ${admin.jwt}`).send({});

  beforeAll(async () => {
    smtp = await startSmtp();
    strapi = await bootStrapi('races', { CLICK2SELL_SECRET_KEY: SECRET, ...smtp.env });
    const role = await createRole(strapi, 'member');
    await strapi.documents(OFFER).create({
      data: { title: 'Race monthly', duration: 1, period: 'months', price: 9.9, role: role.id, level: 1, click2sellProductId: PRODUCT } as never,
    });
    admin = await adminJwt(strapi);
    // One listening socket for every request, so that the two of a pair leave at once.
    await new Promise<void>((resolve) => strapi.server.httpServer.listen(0, '127.0.0.1', () => resolve()));
    base = `http://127.0.0.1:${(strapi.server.httpServer.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    if (summary.length > 0) console.log(`races on ${client}:\n  ${summary.join('\n  ')}`);
    await worker?.stop();
    if (strapi) clock().pin(null);
    await stopStrapi(strapi);
    await smtp?.close();
  });

  // ---- building members and reading their state

  let memberCounter = 0;
  /**
   * A fresh member (a users-permissions user with the default role) who bought the offer
   * (Subscription + New) at `when`: the Click2Sell service with an explicit `now`, so that set-up
   * needs no pinned clock and may overlap other set-ups.
   */
  const newMember = async (scenario: string, when: DateTime): Promise<Member> => {
    memberCounter += 1;
    const email = `race-${scenario}-${memberCounter}-${crypto.randomBytes(3).toString('hex')}@example.com`;
    const user = await createMember(strapi, { email, username: email });
    const purchase = notification(SECRET, { buyer_email: email, product_id: PRODUCT, transaction_type: 'Subscription', subscription_status: 'New' });
    await handleAt(purchase, when, `set-up purchase for ${email}`);
    return { email, userId: user.id, acquirers: { P1: purchase.acquirer_transaction_id }, notifications: { P1: purchase } };
  };

  /**
   * Receipt e-mails (on by default) are off while members are set up, on while they race: the
   * races run as in production, and set-up does not send hundreds of receipts nobody reads.
   */
  const receipts = (on: boolean) => strapi.plugin('subscriptions').service('settings').update({ receiptEmails: on });

  const handleAt = async (fields: Record<string, string>, when: DateTime, what: string) => {
    const answer = await strapi
      .plugin('subscriptions')
      .service('click2sell')
      .handle({ fields, remoteAddress: '127.0.0.1', now: when.toJSDate() });
    if (answer.status !== 200 || answer.outcome !== 'applied') throw new Error(`${what}: ${JSON.stringify(answer)}`);
  };

  const rebillOf = (member: Member, label: string) => {
    const fields = notification(SECRET, {
      buyer_email: member.email,
      product_id: PRODUCT,
      transaction_type: 'Subscription',
      subscription_status: 'Recurring',
    });
    member.acquirers[label] = fields.acquirer_transaction_id;
    member.notifications[label] = fields;
    return fields;
  };

  /** The refund of payment `label`: same acquirer transaction, receipt, buyer and product (all that binds it). */
  const refundOf = (member: Member, label: string) => {
    const paid = member.notifications[label];
    return notification(SECRET, {
      acquirer_transaction_id: paid.acquirer_transaction_id,
      c2s_transaction_id: paid.c2s_transaction_id,
      buyer_email: paid.buyer_email,
      product_id: paid.product_id,
      transaction_type: 'Refund',
    });
  };

  const subscriptionDocumentId = async (member: Member) => {
    const row = (await strapi.db.query(SUB).findOne({ where: { user: { id: member.userId } }, orderBy: { id: 'asc' } })) as { documentId: string };
    return row.documentId;
  };

  const stateOf = async (member: Member): Promise<MemberState> => {
    const subs = (await strapi.db.query(SUB).findMany({ where: { user: { id: member.userId } }, orderBy: { id: 'asc' } })) as Record<string, unknown>[];
    const labelOf = new Map(Object.entries(member.acquirers).map(([label, id]) => [id, label]));
    const rows = (await strapi.db.query(EVENT).findMany({
      where: { acquirerTransactionId: { $in: [...labelOf.keys()] } },
      orderBy: { id: 'asc' },
    })) as Record<string, unknown>[];
    const ledger: Record<string, LedgerState> = {};
    for (const row of rows) {
      const base = `${labelOf.get(row.acquirerTransactionId as string)}.${row.meaning ?? row.transactionType}`;
      let key = base;
      for (let n = 2; key in ledger; n += 1) key = `${base}#${n}`;
      const pays = (row.meaning === 'purchase' || row.meaning === 'rebill') && !row.refundedAt;
      ledger[key] = {
        outcome: row.outcome as string,
        refundedAt: iso(row.refundedAt),
        ...(pays ? { period: [iso(row.periodStart), iso(row.periodEnd)] as [string | null, string | null] } : {}),
      };
    }
    const notices = (await strapi.db.query(MESSAGE).findMany({ where: { user: { id: member.userId }, kind: 'expiry' } })) as {
      data?: { endsAt?: string } | null;
    }[];
    return {
      subscriptions: subs.map((s) => ({
        status: s.status as string,
        startsAt: iso(s.startsAt),
        dueAt: iso(s.dueAt),
        endsAt: iso(s.endsAt),
        cancelledAt: iso(s.cancelledAt),
      })),
      role: await roleOf(strapi, member.userId),
      ledger,
      expiryNotices: notices.map((n) => n.data?.endsAt ?? null).sort(),
    };
  };

  /** Which serial order the state equals (both, when the two orders end alike), or null. */
  const orderOf = (state: MemberState, orders: Orders) => {
    const matching = Object.entries(orders).filter(([, expected]) => sameState(state, expected)).map(([name]) => name);
    return matching.length === 0 ? null : matching.join(' = ');
  };

  const ok = (answer: request.Response, what: string, findings: Finding[], scenario: string, repetition: number | string, member: Member) => {
    if (answer.status !== 200) {
      findings.push({ scenario, repetition, member: member.email, problem: `${what} answered ${answer.status}`, found: answer.body });
    }
  };

  const judge = async (scenario: string, repetition: number, member: Member, orders: Orders, findings: Finding[], seen: Record<string, number>) => {
    const state = await stateOf(member);
    const order = orderOf(state, orders);
    if (order === null) {
      findings.push({ scenario, repetition, member: member.email, problem: 'the state matches no serial order', found: state, expected: orders });
    } else seen[order] = (seen[order] ?? 0) + 1;
  };

  /** Each serial order replayed on a member of its own: the hand-written states are what the plugin does without a race. */
  const checkSerial = async (scenario: string, orders: Orders, members: Member[], findings: Finding[]) => {
    const names = Object.keys(orders);
    for (let i = 0; i < names.length; i += 1) {
      const state = await stateOf(members[i]);
      if (!sameState(state, orders[names[i]])) {
        findings.push({ scenario, repetition: `serial ${names[i]}`, member: members[i].email, problem: 'a serial replay differs from the README model', found: state, expected: orders[names[i]] });
      }
    }
  };

  /** The second request of a pair leaves `delay` ms after the first; which one is first alternates. */
  const STAGGER_MS = [0, 0, 1, 2, 4, 8];
  const pair = async <T>(repetition: number, a: () => Promise<T>, b: () => Promise<T>): Promise<[T, T]> => {
    const delay = STAGGER_MS[Math.floor(repetition / 2) % STAGGER_MS.length];
    const later = (f: () => Promise<T>) => (delay === 0 ? f() : sleep(delay).then(f));
    return repetition % 2 === 0 ? Promise.all([a(), later(b)]) : Promise.all([later(a), b()]);
  };

  const inBatches = async (count: number, size: number, work: (k: number) => Promise<void>) => {
    for (let i = 0; i < count; i += size) {
      await Promise.all(Array.from({ length: Math.min(size, count - i) }, (_v, j) => work(i + j)));
    }
  };
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

  /**
   * Scenarios 1, 2 and 4: members bought at T0 (set-up, in batches), serial replays at T1, then
   * the racing pairs at T1, BATCH repetitions at a time, each on its own member.
   */
  const racePairs = async (
    scenario: string,
    orders: Orders,
    prepare: (member: Member) => Promise<void>,
    change: { a: (member: Member) => () => Promise<request.Response>; b: (member: Member) => () => Promise<request.Response>; names: [string, string] }
  ) => {
    const started = Date.now();
    const findings: Finding[] = [];
    const seen: Record<string, number> = {};
    const members: Member[] = new Array(REPETITIONS + 2);
    await receipts(false);
    await inBatches(REPETITIONS + 2, SETUP_BATCH, async (k) => {
      members[k] = await newMember(scenario, T0);
      await prepare(members[k]);
    });
    const [serialAB, serialBA, ...racing] = members;
    const raced = Date.now();
    await receipts(true);
    pin(T1);
    // Serial: A then B, B then A (each answered before the next leaves).
    for (const [member, first, second] of [
      [serialAB, change.a, change.b],
      [serialBA, change.b, change.a],
    ] as const) {
      ok(await first(member)(), 'serial (first)', findings, scenario, 'serial', member);
      ok(await second(member)(), 'serial (second)', findings, scenario, 'serial', member);
    }
    await checkSerial(scenario, orders, [serialAB, serialBA], findings);
    // Racing.
    await inBatches(REPETITIONS, BATCH, async (k) => {
      const member = racing[k];
      const [ra, rb] = await pair(k, change.a(member), change.b(member));
      ok(ra, change.names[0], findings, scenario, k, member);
      ok(rb, change.names[1], findings, scenario, k, member);
      await judge(scenario, k, member, orders, findings, seen);
    });
    summary.push(
      `${scenario}: ${REPETITIONS} repetitions; set-up ${seconds(raced - started)}, races ${seconds(Date.now() - raced)}; serial orders reached: ${JSON.stringify(seen)}`
    );
    return findings;
  };

  it('1. a re-bill and a refund of the earlier payment, sent at once over HTTP', async () => {
    const findings = await racePairs('rebill+refund', scenario1, async (member) => void rebillOf(member, 'R'), {
      a: (member) => () => post(member.notifications.R),
      b: (member) => () => post(refundOf(member, 'P1')),
      names: ['re-bill', 'refund'],
    });
    expect(findings).toEqual([]);
  });

  it('2. a re-bill and an admin renew (admin API), sent at once over HTTP', async () => {
    const documentIds = new Map<string, string>();
    const findings = await racePairs(
      'rebill+renew',
      scenario2,
      async (member) => {
        rebillOf(member, 'R');
        documentIds.set(member.email, await subscriptionDocumentId(member));
      },
      {
        a: (member) => () => post(member.notifications.R),
        b: (member) => () => renewOverHttp(documentIds.get(member.email)!),
        names: ['re-bill', 'admin renew'],
      }
    );
    expect(findings).toEqual([]);
  });

  it('3. a re-bill while another Strapi process runs the scheduler past the grace period', async () => {
    const booting = Date.now();
    // The other process boots after this one synced the schema (one sync at a time).
    worker = await startWorker(smtp.env);
    const started = Date.now();
    const scenario = 'rebill+scheduler';
    const findings: Finding[] = [];
    const seen: Record<string, number> = {};
    const scheduler = (startAt: number) => worker!.run({ now: U2.toJSDate(), steps: ['lifecycle'], at: startAt });
    const schedulerOk = (figures: Figures, repetition: number | string, member: Member) => {
      if (figures.errors !== 0) findings.push({ scenario, repetition, member: member.email, problem: 'the scheduler run reported errors', found: figures });
    };
    // Members bought at U0 just before their scheduler run: at U2 only they are past their grace
    // (every earlier member was re-billed to E2).
    const bought = async (count: number) => {
      await receipts(false);
      const members = await Promise.all(Array.from({ length: count }, () => newMember(scenario, U0)));
      for (const member of members) rebillOf(member, 'R');
      await receipts(true);
      return members;
    };
    pin(U2);

    // Serial: the re-bill then the scheduler; the scheduler then the re-bill.
    const [serialAB] = await bought(1);
    ok(await post(serialAB.notifications.R), 'serial re-bill', findings, scenario, 'serial', serialAB);
    schedulerOk((await scheduler(0)).figures, 'serial', serialAB);
    const [serialBA] = await bought(1);
    schedulerOk((await scheduler(0)).figures, 'serial', serialBA);
    ok(await post(serialBA.notifications.R), 'serial re-bill', findings, scenario, 'serial', serialBA);
    await checkSerial(scenario, scenario3, [serialAB, serialBA], findings);

    // Racing, ROUND members at a time: one scheduler run in the other process starts at a
    // wall-clock instant, and each member's re-bill leaves at that instant shifted by −80…+20 ms
    // (a different shift for each; the re-bill has more to do before it takes the member's lock
    // than the run has before it takes its members' locks), so that the re-bills land before the run reads the due rows,
    // between its read and its locks, while it holds them, and after it committed.
    for (let first = 0; first < REPETITIONS; first += ROUND) {
      const ks = Array.from({ length: Math.min(ROUND, REPETITIONS - first) }, (_v, i) => first + i);
      const members = await bought(ks.length);
      const startAt = Date.now() + 100;
      const [run, ...answers] = await Promise.all([
        scheduler(startAt),
        ...ks.map((k, i) => sleepUntil(startAt + REBILL_SHIFT_MS(k)).then(() => post(members[i].notifications.R))),
      ]);
      for (let i = 0; i < ks.length; i += 1) {
        ok(answers[i] as request.Response, 're-bill', findings, scenario, ks[i], members[i]);
        await judge(scenario, ks[i], members[i], scenario3, findings, seen);
      }
      schedulerOk((run as { figures: Figures }).figures, `round of ${ks[0]}…${ks[ks.length - 1]}`, members[0]);
    }
    summary.push(
      `${scenario} (2 processes): ${REPETITIONS} repetitions; worker boot ${seconds(started - booting)}, races ${seconds(Date.now() - started)}; serial orders reached: ${JSON.stringify(seen)}`
    );
    expect(findings).toEqual([]);
  });

  it('4. two refunds of two payments of one subscription, sent at once over HTTP', async () => {
    const findings = await racePairs(
      'refund+refund',
      scenario4,
      // The second payment: a re-bill at T0 (P2 buys D1 → D2).
      (member) => handleAt(rebillOf(member, 'P2'), T0, `set-up re-bill for ${member.email}`),
      {
        a: (member) => () => post(refundOf(member, 'P1')),
        b: (member) => () => post(refundOf(member, 'P2')),
        names: ['refund P1', 'refund P2'],
      }
    );
    expect(findings).toEqual([]);
  });
});
