/**
 * Model-based test of the money path through the booted plugin: the generator of
 * tests/model/paid-time-model.ts (sales, new subscriptions, re-bills, refunds and cancellations of
 * any earlier payment, replays of any earlier notification as any type and status, out-of-order
 * refunds and cancellations, failed payments and their resends, admin renewals, scheduler runs)
 * played over HTTP against the Click2Sell route, the subscriptions service and the scheduler, with
 * the plugin's clock pinned to the model's `now`; after every step the database (each member's
 * subscriptions, their role) and each answer are compared with the README's reference model.
 *
 * The seed is chosen per run and printed on failure: PAID_TIME_SEED=<seed> replays the same
 * sequences (PAID_TIME_SEQUENCES sets how many).
 */
import fc from 'fast-check';
import type { Core } from '@strapi/strapi';
import { bootStrapi, createRole, http, stopStrapi } from '../helpers/strapi';
import { CLICK2SELL_PATH, notification } from '../helpers/click2sell';
import {
  OFFERS,
  OFFER_KEYS,
  PaidTimeModel,
  compareMember,
  describeAction,
  describeTrace,
  isoOf,
  meaningOfVariant,
  sequenceArb,
  type Action,
  type ObservedMember,
  type Sequence,
} from '../model/paid-time-model';

const SECRET = 'paid-time-model-secret';
const SUB = 'plugin::subscriptions.subscription';
const USER = 'plugin::users-permissions.user';
const SEED = Number(process.env.PAID_TIME_SEED ?? Date.now() % 2_147_483_647);
const SEQUENCES = Number(process.env.PAID_TIME_SEQUENCES ?? 5);

/** Each sequence starts 8 years after the previous one: the plugin's clock never goes back, leap years stay aligned. */
const shifted = (sequence: Sequence, index: number): Sequence => {
  const start = new Date(sequence.start);
  start.setUTCFullYear(start.getUTCFullYear() + 8 * index);
  return { ...sequence, start: start.toISOString() };
};

const sequences = fc
  .sample(sequenceArb({ minSteps: 40, maxSteps: 60, maxMembers: 3 }), { seed: SEED, numRuns: SEQUENCES })
  .map(shifted);

/** The answers a notification may get, given what the model says it does (README, "Click2Sell"). */
const ANSWERS: Record<string, { status: number; outcome?: string }> = {
  rejected: { status: 403 },
  duplicate: { status: 200, outcome: 'duplicate' },
  replay: { status: 200, outcome: 'replay' },
  'failed-payment': { status: 200, outcome: 'failed-payment' },
  pending: { status: 200, outcome: 'pending' },
  applied: { status: 200, outcome: 'applied' },
  'nothing-granted': { status: 200, outcome: 'applied' },
};

describe(`paid time: the booted plugin against the README model (seed ${SEED}, replay with PAID_TIME_SEED=${SEED})`, () => {
  let strapi: Core.Strapi;
  const offerKeyByProduct = new Map(OFFER_KEYS.map((k) => [OFFERS[k].productId, k]));

  beforeAll(async () => {
    strapi = await bootStrapi('paid-time-model', { CLICK2SELL_SECRET_KEY: SECRET });
    for (const key of OFFER_KEYS) {
      const offer = OFFERS[key];
      const role = await createRole(strapi, offer.role);
      await strapi.documents('plugin::subscriptions.offer').create({
        data: {
          title: offer.title,
          duration: offer.amount,
          period: offer.unit,
          price: 9.9,
          role: role.id,
          level: offer.level,
          click2sellProductId: offer.productId,
        } as never,
      });
    }
  });
  afterAll(async () => {
    strapi?.plugin('subscriptions').service('clock').pin(null);
    await stopStrapi(strapi);
  });

  const observe = async (email: string): Promise<ObservedMember> => {
    const user = await strapi.db.query(USER).findOne({ where: { email }, populate: { role: true } });
    if (!user) return { exists: false, role: null, subscriptions: [] };
    const rows = await strapi.db
      .query(SUB)
      .findMany({ where: { user: { id: user.id } }, populate: { offer: true }, orderBy: { id: 'asc' } });
    const time = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string).getTime());
    return {
      exists: true,
      role: user.role?.type ?? null,
      subscriptions: rows.map((row: Record<string, any>) => ({
        offer: offerKeyByProduct.get(row.offer?.click2sellProductId) ?? `offer ${row.offer?.id}`,
        status: row.status,
        startsAt: time(row.startsAt) as number,
        dueAt: time(row.dueAt),
        endsAt: time(row.endsAt),
        cancelledAt: time(row.cancelledAt),
      })),
    };
  };

  /** Performs one action at `now`; returns a line for the trace and any answer that differs from the model's. */
  const perform = async (action: Action, now: Date, model: PaidTimeModel): Promise<{ note: string; answer: () => string | null }> => {
    strapi.plugin('subscriptions').service('clock').pin(now);
    switch (action.kind) {
      case 'notify': {
        const fields = notification(SECRET, {
          acquirer_transaction_id: action.acquirer,
          c2s_transaction_id: action.c2s,
          product_id: action.productId,
          buyer_email: action.email,
          transaction_type: action.variant.transactionType,
          subscription_status: action.variant.subscriptionStatus,
          payment_status: action.variant.paymentStatus,
          // Only stored (lastPurchaseAt): the plugin's clock decides.
          purchase_date: now.toISOString().slice(0, 10),
          purchase_time: now.toISOString().slice(11, 19),
        });
        const res = await http(strapi).post(CLICK2SELL_PATH).type('form').send(fields);
        const got = `${res.status} ${res.body?.outcome ?? ''}: ${res.body?.message ?? JSON.stringify(res.body?.error ?? res.body)}`;
        return {
          note: got,
          answer: () => {
            const want = ANSWERS[model.lastNote];
            if (!want) return `the model gave no outcome (${model.lastNote})`;
            // A refund or cancellation of a payment that bought nothing (refunded before it arrived):
            // the README names no single answer (see its "Fault injection" section), nothing changes.
            const paid = model.acquirers.find((a) => a.id === action.acquirer)?.payment;
            const boughtNothing = paid?.subscription === null && ['refund', 'cancel'].includes(meaningOfVariant(action.variant));
            if (boughtNothing && res.status === 200 && ['applied', 'duplicate', 'pending'].includes(res.body?.outcome)) return null;
            if (res.status !== want.status || (want.outcome && res.body?.outcome !== want.outcome)) {
              return `answer ${got}; model says ${want.status} ${want.outcome ?? ''} (${model.lastNote})`;
            }
            return null;
          },
        };
      }
      case 'renew': {
        const email = model.members[action.member].email;
        const user = await strapi.db.query(USER).findOne({ where: { email } });
        const rows = await strapi.db.query(SUB).findMany({ where: { user: { id: user?.id ?? -1 } }, orderBy: { id: 'asc' } });
        const row = rows[action.index];
        if (!row) return { note: `no subscription #${action.index} in the database`, answer: () => null };
        try {
          await strapi.plugin('subscriptions').service('subscriptions').renew(row.documentId, { now });
          return { note: 'renewed', answer: () => null };
        } catch (error) {
          return { note: `refused: ${(error as Error).message}`, answer: () => null };
        }
      }
      case 'scheduler': {
        const figures = await strapi.plugin('subscriptions').service('scheduler').runOnce({ now, steps: ['lifecycle'] });
        return { note: JSON.stringify(figures), answer: () => null };
      }
      default:
        return { note: '', answer: () => null };
    }
  };

  sequences.forEach((sequence, index) => {
    it(`sequence ${index + 1}/${sequences.length}: ${sequence.steps.length} steps, ${sequence.members} member(s), from ${sequence.start}`, async () => {
      const model = new PaidTimeModel(Date.parse(sequence.start), sequence.members, `pt${SEED}-${index}`);
      const trace: string[] = [];
      for (const [step, { advance, command }] of sequence.steps.entries()) {
        const now = model.advance(advance);
        const action = model.resolve(command);
        const done = await perform(action, new Date(now), model);
        model.apply(action);
        trace.push(`${isoOf(now)} ${describeAction(action)} — model: ${model.lastNote || '-'}; plugin: ${done.note || '-'}`);
        if (action.kind === 'skip') continue;
        const expected = model.expected();
        const diffs: string[] = [];
        const answer = done.answer();
        if (answer) diffs.push(answer);
        for (const [i, e] of expected.entries()) diffs.push(...compareMember(`m${i}`, e, await observe(e.email)));
        if (diffs.length) {
          const observed = await Promise.all(expected.map((e) => observe(e.email)));
          throw new Error(
            [
              `seed ${SEED} (PAID_TIME_SEED=${SEED} replays it), sequence ${index + 1}, after step ${step + 1} at ${isoOf(now)}:`,
              ...diffs,
              '',
              'trace:',
              describeTrace(trace),
              '',
              'model:',
              model.dump(),
              '',
              'database:',
              ...observed.map((o, i) =>
                !o.exists
                  ? `  m${i} (no member)`
                  : [
                      `  m${i} role ${o.role}`,
                      ...o.subscriptions.map(
                        (s, j) =>
                          `    #${j} ${s.offer} ${s.status} start ${isoOf(s.startsAt)} due ${isoOf(s.dueAt)} end ${isoOf(s.endsAt)}${s.cancelledAt ? ` cancelled ${isoOf(s.cancelledAt)}` : ''}`
                      ),
                    ].join('\n')
              ),
              '',
              `sequence: ${JSON.stringify(sequence)}`,
            ].join('\n')
          );
        }
      }
    });
  });
});
