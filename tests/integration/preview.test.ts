import type { Core } from '@strapi/strapi';
import { adminJwt, bootStrapi, createMember, createRole, http, stopStrapi } from '../helpers/strapi';
import { startSmtp, type TestSmtp } from '../helpers/smtp';
import type { Preview, PreviewItem } from '../../server/src/contract';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SUB = 'plugin::subscriptions.subscription';
const MESSAGE = 'plugin::subscriptions.message';

/**
 * "What happens next": the preview of a window is compared with what the scheduler then really
 * does over that window, run by run (an hourly `runOnce`, driven in-process: no sleeping). The
 * simulated time is before the wall clock, as in production the rows the runs write are "written
 * since the previous run" for the reminder pass.
 */
describe('scheduler preview', () => {
  let strapi: Core.Strapi;
  let smtp: TestSmtp;
  let memberRole: { id: number };
  let superAdmin: { Authorization: string };

  const scheduler = () => strapi.plugin('subscriptions').service('scheduler');
  const T0 = new Date('2025-03-03T00:00:00.000Z');
  const TO = new Date(T0.getTime() + 7 * DAY);
  const plus = (ms: number) => new Date(T0.getTime() + ms);

  let offerCounter = 0;
  const makeOffer = async (terms: Record<string, unknown>, rules: { amount: number; period: string; when: string }[] = []) => {
    offerCounter += 1;
    const offer = (await strapi.documents('plugin::subscriptions.offer').create({
      data: { title: `Preview offer ${offerCounter}`, duration: 30, period: 'days', price: 10, role: memberRole.id, level: 1, ...terms } as never,
    })) as unknown as { id: number; documentId: string; title: string };
    const ruleIds: number[] = [];
    for (const rule of rules) {
      const subject = `Preview ${offer.id}: ${rule.amount} ${rule.period} ${rule.when}`;
      const created = (await strapi.db
        .query('plugin::subscriptions.notification-rule')
        .create({ data: { ...rule, subject, text: subject, offer: offer.id } })) as { id: number };
      ruleIds.push(created.id);
    }
    return { ...offer, ruleIds };
  };

  /** A member with one subscription written as stored rows (the states the write path leaves). */
  const seed = async (offer: { id: number }, row: Record<string, unknown>) => {
    const user = await createMember(strapi);
    const created = (await strapi.db.query(SUB).create({
      data: { status: 'active', source: 'api', cancelledAt: null, anchorDay: null, user: user.id, offer: offer.id, ...row },
    })) as { id: number };
    return { id: created.id, email: user.email };
  };

  const seeded: { id: number; email: string }[] = [];
  const snapshot = async () =>
    new Map(
      ((await strapi.db.query(SUB).findMany({ where: { id: { $in: seeded.map((s) => s.id) } }, select: ['id', 'status', 'endsAt'] })) as {
        id: number;
        status: string;
        endsAt: unknown;
      }[]).map((r) => [r.id, { status: r.status, endsAt: r.endsAt ? new Date(r.endsAt as string).getTime() : null }])
    );
  const reminderRows = async (afterId: number) =>
    (await strapi.db.query(MESSAGE).findMany({
      where: { kind: 'reminder', id: { $gt: afterId }, subscription: { id: { $in: seeded.map((s) => s.id) } } },
      populate: { subscription: { select: ['id'] }, notificationRule: { select: ['id'] } },
      orderBy: { id: 'asc' },
    })) as { id: number; status: string; to: string; dedupeKey: string; subscription: { id: number }; notificationRule: { id: number } }[];
  const lastMessageId = async () =>
    (((await strapi.db.query(MESSAGE).findMany({ select: ['id'], orderBy: { id: 'desc' }, limit: 1 })) as { id: number }[])[0]?.id ?? 0);

  /** What one run did to the seeded subscriptions, as lines comparable with the preview's items. */
  const runAndObserve = async (now: Date, label: string) => {
    const before = await snapshot();
    const lastId = await lastMessageId();
    await scheduler().runOnce({ now });
    const after = await snapshot();
    const lines: string[] = [];
    for (const [id, was] of before) {
      const is = after.get(id)!;
      if (is.status === was.status) continue;
      const graceEnded = is.endsAt !== was.endsAt;
      const kind = graceEnded ? 'grace-end' : is.status === 'active' ? 'activation' : is.status === 'cancelled' ? 'cancellation' : 'expiry';
      lines.push(`${label} ${kind} ${id} ${was.status}->${is.status}`);
    }
    const reminders = await reminderRows(lastId);
    for (const m of reminders) {
      lines.push(`${label} reminder ${m.subscription.id} rule ${m.notificationRule.id} ${m.status === 'skipped' ? 'skip' : 'send'} ${m.to}`);
    }
    return { lines, reminders };
  };

  const previewLine = (item: PreviewItem, label: string) =>
    item.kind === 'reminder'
      ? `${label} reminder ${item.subscription.id} rule ${item.reminder!.ruleId} ${item.reminder!.action} ${item.reminder!.to}`
      : `${label} ${item.kind} ${item.subscription.id} ${item.transition!.from}->${item.transition!.to}`;

  let offerA: Awaited<ReturnType<typeof makeOffer>>;
  let offerB: Awaited<ReturnType<typeof makeOffer>>;
  let offerC: Awaited<ReturnType<typeof makeOffer>>;
  const subs: Record<string, { id: number; email: string }> = {};

  beforeAll(async () => {
    smtp = await startSmtp();
    strapi = await bootStrapi('preview', smtp.env);
    memberRole = await createRole(strapi, 'member');
    superAdmin = { Authorization: `Bearer ${(await adminJwt(strapi)).jwt}` };

    offerA = await makeOffer({ duration: 30, period: 'days' }, [
      { amount: 2, period: 'days', when: 'before' },
      { amount: 1, period: 'days', when: 'after' },
    ]);
    offerB = await makeOffer({ duration: 1, period: 'months' }, [
      { amount: 3, period: 'hours', when: 'before' },
      { amount: 2, period: 'hours', when: 'after' },
    ]);
    offerC = await makeOffer({ duration: 1, period: 'months' });
    const add = async (name: string, offer: { id: number }, row: Record<string, unknown>) => {
      subs[name] = await seed(offer, row);
      seeded.push(subs[name]);
    };
    // A pending start in the window; its end (and reminders) after it.
    await add('pendingStart', offerA, { status: 'pending', startsAt: plus(DAY + 10 * MINUTE), dueAt: plus(31 * DAY + 10 * MINUTE), endsAt: plus(31 * DAY + 10 * MINUTE) });
    // Starts and ends in the window, with its reminders before and after the end.
    await add('pendingShort', offerB, { status: 'pending', startsAt: plus(2 * DAY + 5 * MINUTE), dueAt: plus(4 * DAY + 20 * MINUTE), endsAt: plus(4 * DAY + 20 * MINUTE) });
    // Ends in the window.
    await add('ends', offerA, { startsAt: plus(-20 * DAY), dueAt: plus(3 * DAY + 30 * MINUTE), endsAt: plus(3 * DAY + 30 * MINUTE) });
    // Cancelled by the member: access ends in the window, as `cancelled`.
    await add('cancelled', offerB, { startsAt: plus(-28 * DAY), cancelledAt: plus(-5 * DAY), dueAt: plus(2 * DAY + 40 * MINUTE), endsAt: plus(2 * DAY + 40 * MINUTE) });
    // Open-ended recurring whose re-bill never comes: the grace ends in the window; its "before"
    // reminder is then logged as skipped, its "after" one follows the new end.
    await add('grace', offerB, { startsAt: plus(-30 * DAY), dueAt: plus(DAY + 15 * MINUTE), endsAt: null });
    // Overdue when the preview is first asked: grace long past, a start already come.
    await add('overdueGrace', offerC, { startsAt: plus(-40 * DAY), dueAt: plus(-3 * DAY), endsAt: null });
    await add('overdueStart', offerC, { status: 'pending', startsAt: plus(-2 * HOUR), dueAt: plus(20 * DAY), endsAt: plus(20 * DAY) });
    // Ended before the window: only its "after" reminder falls in it.
    await add('endedBefore', offerA, { status: 'expired', startsAt: plus(-30 * DAY), dueAt: plus(-12 * HOUR), endsAt: plus(-12 * HOUR) });
    // A "before" reminder due before the start is never sent; start and end an hour apart.
    await add('shortPass', offerB, { status: 'pending', startsAt: plus(DAY), dueAt: plus(DAY + HOUR), endsAt: plus(DAY + HOUR) });
    // Nothing in the window: refunded, everything after `to`, a grace beyond `to`.
    await add('refunded', offerA, { status: 'refunded', startsAt: plus(-10 * DAY), dueAt: plus(2 * DAY), endsAt: plus(2 * DAY) });
    await add('later', offerA, { startsAt: plus(-DAY), dueAt: plus(9 * DAY + HOUR), endsAt: plus(9 * DAY + HOUR) });
    await add('laterGrace', offerB, { startsAt: plus(-DAY), dueAt: plus(6 * DAY), endsAt: null });
  });
  afterAll(async () => {
    await stopStrapi(strapi);
    await smtp?.close();
  });

  it('lists overdue transitions that the next run then makes', async () => {
    const first = (await scheduler().preview({ from: T0, to: TO })) as Preview;
    const overdue = first.items.filter((item) => item.overdue);
    expect(overdue.map((item) => `${item.kind} ${item.subscription.id}`).sort()).toEqual(
      [`grace-end ${subs.overdueGrace.id}`, `activation ${subs.overdueStart.id}`].sort()
    );
    expect(overdue.find((item) => item.kind === 'activation')!.at).toBe(plus(-2 * HOUR).toISOString());
    const { lines } = await runAndObserve(T0, 'run0');
    expect(lines.filter((line) => !line.includes(' reminder ')).sort()).toEqual(
      first.items.filter((item) => item.kind !== 'reminder' && new Date(item.at).getTime() <= T0.getTime()).map((item) => previewLine(item, 'run0')).sort()
    );
  });

  it('lists exactly what the scheduler then does over the window, run by run: nothing missing, nothing extra', async () => {
    const preview = (await scheduler().preview({ from: T0, to: TO })) as Preview;
    expect(preview.truncated).toBe(false);
    expect(preview.items.some((item) => item.overdue)).toBe(false);
    // Every kind the issue names is in this window.
    expect(new Set(preview.items.map((item) => item.kind))).toEqual(new Set(['activation', 'expiry', 'cancellation', 'grace-end', 'reminder']));
    // Items come in time order; a reminder names its recipient, rule, subscription and offer.
    const times = preview.items.map((item) => new Date(item.at).getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const endsReminder = preview.items.find((item) => item.kind === 'reminder' && item.subscription.id === subs.ends.id && item.reminder!.when === 'before')!;
    expect(endsReminder).toMatchObject({
      at: plus(DAY + 30 * MINUTE).toISOString(),
      member: { email: subs.ends.email },
      offer: { documentId: offerA.documentId, title: offerA.title },
      reminder: { ruleId: offerA.ruleIds[0], to: subs.ends.email, action: 'send', dedupeKey: `reminder:${subs.ends.id}:${offerA.ruleIds[0]}:${plus(3 * DAY + 30 * MINUTE).toISOString()}` },
    });
    const graceSkip = preview.items.find((item) => item.kind === 'reminder' && item.subscription.id === subs.grace.id && item.reminder!.when === 'before')!;
    expect(graceSkip.reminder!.action).toBe('skip');
    // Nothing for the refunded subscription, nor for what lies after `to`.
    for (const name of ['refunded', 'later', 'laterGrace', 'overdueGrace']) {
      expect([name, preview.items.filter((item) => item.subscription.id === subs[name].id)]).toEqual([name, []]);
    }

    // The scheduler, every hour from T0 to `to`: run k does what became due in (run k-1, run k].
    const label = (t: number) => `run${Math.ceil((t - T0.getTime()) / HOUR)}`;
    const expected = preview.items.map((item) => previewLine(item, label(new Date(item.at).getTime())));
    const observed: string[] = [];
    const keys: string[] = [];
    for (let t = T0.getTime() + HOUR; t <= TO.getTime(); t += HOUR) {
      const { lines, reminders } = await runAndObserve(new Date(t), label(t));
      observed.push(...lines);
      keys.push(...reminders.map((m) => m.dedupeKey));
    }
    expect(observed.sort()).toEqual(expected.sort());
    // The reminder occurrences are the ones predicted, key for key (a grace end's end is the
    // instant of the run that ends it, which the preview cannot know to the millisecond).
    const graceEnded = new Set(preview.items.filter((item) => item.kind === 'grace-end').map((item) => item.subscription.id));
    const predictedKeys = preview.items.filter((item) => item.reminder && !graceEnded.has(item.subscription.id)).map((item) => item.reminder!.dedupeKey);
    expect(keys.filter((key) => !graceEnded.has(Number(key.split(':')[1]))).sort()).toEqual(predictedKeys.sort());
    // And the e-mails went out: one per reminder to send, to its recipient, none for a skipped one.
    const mails = seeded.flatMap((s) => smtp.to(s.email).filter((mail) => mail.subject.startsWith('Preview ')).map((mail) => `${s.email} ${mail.subject}`));
    const ruleSubject = new Map<number, string>();
    for (const offer of [offerA, offerB]) {
      const rules = [
        [2, 'days', 'before'],
        [1, 'days', 'after'],
        [3, 'hours', 'before'],
        [2, 'hours', 'after'],
      ];
      offer.ruleIds.forEach((id, i) => {
        const [amount, period, when] = rules[offer === offerA ? i : i + 2];
        ruleSubject.set(id, `Preview ${offer.id}: ${amount} ${period} ${when}`);
      });
    }
    expect(mails.sort()).toEqual(
      preview.items
        .filter((item) => item.reminder?.action === 'send')
        .map((item) => `${item.reminder!.to} ${ruleSubject.get(item.reminder!.ruleId)}`)
        .sort()
    );
    // A preview of the same window now: everything is done.
    expect(((await scheduler().preview({ from: T0, to: TO })) as Preview).items).toEqual([]);
  });

  it('is bounded: a limit keeps the earliest items and says the list was cut', async () => {
    const from = T0;
    const to = new Date(T0.getTime() + 60 * DAY);
    const offer = await makeOffer({ duration: 30, period: 'days' });
    for (let i = 0; i < 6; i += 1) {
      seeded.push(await seed(offer, { status: 'pending', startsAt: plus(20 * DAY + i * HOUR), dueAt: plus(40 * DAY + i * HOUR), endsAt: plus(40 * DAY + i * HOUR) }));
    }
    const all = (await scheduler().preview({ from: plus(8 * DAY), to })) as Preview;
    expect(all.truncated).toBe(false);
    expect(all.items.length).toBeGreaterThanOrEqual(6);
    const cut = (await scheduler().preview({ from: plus(8 * DAY), to, limit: 3 })) as Preview;
    expect(cut.truncated).toBe(true);
    // The earliest items, the same as in the whole list, and every item before `completeUntil`.
    expect(cut.items).toEqual(all.items.slice(0, 3));
    const until = new Date(cut.completeUntil).getTime();
    expect(until).toBeGreaterThan(new Date(cut.items[2].at).getTime());
    expect(all.items.filter((item) => new Date(item.at).getTime() < until)).toEqual(cut.items);
    // Cut where the candidate list of starts was cut: the 6 starts are never all read.
    const fewer = (await scheduler().preview({ from: plus(8 * DAY), to, limit: 4 })) as Preview;
    expect(fewer.truncated).toBe(true);
    expect(fewer.items).toEqual(all.items.slice(0, fewer.items.length));
    expect(all.items.filter((item) => new Date(item.at).getTime() < new Date(fewer.completeUntil).getTime())).toEqual(fewer.items);
    expect(from).toBe(T0);
  });

  describe('GET /subscriptions/preview', () => {
    const roleWith = async (code: string, actions: string[]) => {
      const role = await strapi.service('admin::role').create({ name: code, code, description: code });
      await strapi
        .service('admin::role')
        .assignPermissions(role.id, actions.map((action) => ({ action, subject: null, conditions: [], properties: {} })));
      return role.code as string;
    };

    it('answers the window asked for, and now → now + 7 days by default', async () => {
      const res = await http(strapi).get(`/subscriptions/preview?from=${T0.toISOString()}&to=${plus(60 * DAY).toISOString()}&limit=5`).set(superAdmin);
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ from: T0.toISOString(), to: plus(60 * DAY).toISOString(), limit: 5 });
      expect(res.body.data.items.length).toBeLessThanOrEqual(5);
      const byDefault = await http(strapi).get('/subscriptions/preview').set(superAdmin);
      expect(byDefault.status).toBe(200);
      const { from, to } = byDefault.body.data;
      expect(new Date(to).getTime() - new Date(from).getTime()).toBe(7 * DAY);
      expect(Math.abs(new Date(from).getTime() - Date.now())).toBeLessThan(10 * MINUTE);
    });

    it('refuses bad dates, a reversed or too long window and a bad limit with a 400 naming the field', async () => {
      const cases: [string, string][] = [
        ['from=yesterday', 'from'],
        [`from=${T0.toISOString()}&to=not-a-date`, 'to'],
        [`from=${T0.toISOString()}&to=${plus(-DAY).toISOString()}`, 'to'],
        [`from=${T0.toISOString()}&to=${plus(93 * DAY).toISOString()}`, 'to'],
        ['limit=0', 'limit'],
        ['limit=100000', 'limit'],
      ];
      for (const [query, field] of cases) {
        const res = await http(strapi).get(`/subscriptions/preview?${query}`).set(superAdmin);
        expect([query, res.status]).toEqual([query, 400]);
        expect([query, res.body.error.details.errors[0].path]).toEqual([query, [field]]);
        expect(res.body.error.message).toMatch(new RegExp(`^${field}`));
      }
      const ok = await http(strapi).get(`/subscriptions/preview?from=${T0.toISOString()}&to=${plus(92 * DAY).toISOString()}`).set(superAdmin);
      expect(ok.status).toBe(200);
    });

    it('needs an admin with the plugin read permission', async () => {
      expect((await http(strapi).get('/subscriptions/preview')).status).toBe(401);
      const editor = { Authorization: `Bearer ${(await adminJwt(strapi, 'strapi-editor')).jwt}` };
      expect((await http(strapi).get('/subscriptions/preview').set(editor)).status).toBe(403);
      const settingsOnly = { Authorization: `Bearer ${(await adminJwt(strapi, await roleWith('preview-settings', ['plugin::subscriptions.settings.read']))).jwt}` };
      expect((await http(strapi).get('/subscriptions/preview').set(settingsOnly)).status).toBe(403);
      const reader = { Authorization: `Bearer ${(await adminJwt(strapi, await roleWith('preview-reader', ['plugin::subscriptions.read']))).jwt}` };
      expect((await http(strapi).get('/subscriptions/preview').set(reader)).status).toBe(200);
    });
  });
});
