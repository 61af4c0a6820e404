import fs from 'fs';
import path from 'path';
import crypto from 'crypto';
import type { Browser, Page } from 'playwright-core';
import { startSmtp, type ReceivedMail, type TestSmtp } from '../helpers/smtp';
import { notification, CLICK2SELL_PATH } from '../helpers/click2sell';
import { adminPage, launchBrowser, logInAdmin, registerAdmin, SCREENSHOTS, startServer, stopServer, tearDown, type Server } from './playground';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { ephemeralEnv } = require('../../playground/scripts/ephemeral-env');

/**
 * Operating the scheduler and the payment log from the admin panel, in Chromium, against the
 * playground started as in production (with its demo data) on its own SQLite file:
 *
 * 1. the scheduler-health banner: shown while the server's cron is off (the e2e default) and no
 *    run has completed; gone once the same database is served again with cron on (the documented
 *    fix: switch it on and restart — two processes never share a SQLite file) and a run completed;
 * 2. "What happens next" lists a reminder seeded over HTTP (offer + rule + subscriber whose end
 *    makes the reminder due a minute later); once the cron runs, the reminder reaches the SMTP
 *    server and leaves the preview;
 * 3. an unmapped Click2Sell payment, found with "Needs attention", refused while still unmapped,
 *    re-applied once its product is mapped in the Content Manager: the row says so and the buyer's
 *    subscription is in the Tracking list.
 *
 * Screenshots of each step go to tests/e2e/screenshots/ (git-ignored, like the other files').
 */
describe('operations in Chromium: scheduler health, what happens next, re-applying a payment', () => {
  let smtp: TestSmtp;
  let server: Server;
  let browser: Browser;
  let page: Page;
  let jwt: string;
  const tag = crypto.randomBytes(3).toString('hex');
  const admin = { email: `ops-${tag}@example.com`, password: 'E2e-password-1' };
  const C2S_SECRET = `e2e-${crypto.randomBytes(6).toString('hex')}`;
  const offerTitle = `Ops offer ${tag}`;
  const productId = `OPS-${tag}`;
  const buyer = `buyer.${tag}@example.com`;
  const member = { username: `member-${tag}`, email: `member.${tag}@example.com` };
  // The same secrets for both processes: the restarted server reads the same data, and the
  // browser's admin session stays valid across the restart.
  const { APP_KEYS, API_TOKEN_SALT, ADMIN_JWT_SECRET, TRANSFER_TOKEN_SALT, JWT_SECRET, ENCRYPTION_KEY } = ephemeralEnv();
  const secrets = { APP_KEYS, API_TOKEN_SALT, ADMIN_JWT_SECRET, TRANSFER_TOKEN_SALT, JWT_SECRET, ENCRYPTION_KEY };
  let offerDocumentId: string;
  let reminderAt: Date;

  const PROBLEM_TITLES = {
    pluginCron: "The plugin's cron is off in this server",
    noRun: 'The scheduler has never completed a run',
  };

  const shot = async (name: string) => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  };
  const go = (to: string) => page.goto(`${server.url}/admin${to}`);
  const notice = (text: RegExp | string) => page.getByRole('status').filter({ hasText: text }).first();
  /** Polls `read()` until `ok` accepts its value; fails with `what` after `ms`. */
  const waitFor = async <T,>(what: string, ms: number, read: () => Promise<T> | T, ok: (value: T) => boolean): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await read();
      if (ok(value)) return value;
      if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s (last: ${JSON.stringify(value)?.slice(0, 500)})`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };
  /** The admin API (and the Content Manager's) over HTTP, as the admin. */
  const api = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${server.url}${url}`, {
      method,
      headers: { Authorization: `Bearer ${jwt}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, text };
  };
  const expectOk = (res: { status: number; text: string }, what: string) => {
    if (res.status < 200 || res.status >= 300) throw new Error(`${what}: ${res.status} ${res.text}`);
  };

  const serverEnv = (cron: boolean) => ({
    ...secrets,
    ...smtp.env,
    CLICK2SELL_SECRET_KEY: C2S_SECRET,
    SUBSCRIPTIONS_CRON_ENABLED: String(cron),
    SUBSCRIPTIONS_CRON_RULE: '*/1 * * * *',
  });

  beforeAll(async () => {
    smtp = await startSmtp();
    // Cron off: no scheduler run can complete in this process.
    server = await startServer(serverEnv(false));
    jwt = await registerAdmin(server, admin, { firstname: 'Ops', lastname: 'Admin' });
    browser = await launchBrowser();
    page = await adminPage(browser);
  }, 300_000);

  afterAll(async () => {
    await tearDown(server, browser);
    await smtp?.close();
  });

  it('logs in', async () => {
    await logInAdmin(page, server, admin);
  });

  it('shows the health banner on the Subscriptions pages while no run completes (cron off)', async () => {
    const health = await api('GET', '/subscriptions/health');
    expectOk(health, 'GET /subscriptions/health');
    expect(health.body.data.ok).toBe(false);
    expect(health.body.data.problems.map((p: { code: string }) => p.code).sort()).toEqual(['no-run', 'plugin-cron-disabled']);

    await go('/plugins/subscriptions');
    await page.getByRole('heading', { name: 'Subscriptions', level: 1 }).waitFor();
    const banner = page.getByTestId('health-banner');
    await banner.getByText(PROBLEM_TITLES.pluginCron).waitFor();
    await banner.getByText(PROBLEM_TITLES.noRun).waitFor();
    await page.getByTestId('scheduler-status').getByText('No run recorded yet.').waitFor();
    await shot('20-health-banner-tracking');

    // On the other Subscriptions pages too.
    await go('/plugins/subscriptions/preview');
    await page.getByRole('heading', { name: 'What happens next', level: 1 }).waitFor();
    await page.getByTestId('health-banner').getByText(PROBLEM_TITLES.noRun).waitFor();
    await go('/plugins/subscriptions/logs');
    await page.getByTestId('health-banner').getByText(PROBLEM_TITLES.pluginCron).waitFor();
  });

  it('re-applies an unmapped Click2Sell payment from the log once its product is mapped', async () => {
    // An offer without a Click2Sell product yet (the Content Manager API, as an editor would).
    const created = await api('POST', '/content-manager/collection-types/plugin::subscriptions.offer', {
      title: offerTitle,
      duration: 1,
      period: 'months',
    });
    expectOk(created, 'create offer');
    offerDocumentId = created.body.data.documentId;

    const fields = notification(C2S_SECRET, { buyer_email: buyer, buyer_name: 'Grace', buyer_surname: 'Hopper', product_id: productId, product_name: offerTitle });
    const sale = await fetch(`${server.url}${CLICK2SELL_PATH}`, { method: 'POST', body: new URLSearchParams(fields) });
    expect(sale.status).toBe(200);
    expect(await sale.json()).toMatchObject({ outcome: 'unmapped' });

    await go('/plugins/subscriptions/logs');
    await page.getByRole('tab', { name: 'Payment events' }).click();
    const chooseFilter = async (label: string) => {
      await page.getByRole('combobox', { name: 'Outcome' }).click();
      await page.getByRole('option', { name: label }).click();
    };
    await chooseFilter('Needs attention (unmapped, not re-applied)');
    const row = page.getByTestId('payment-event-row').filter({ hasText: buyer });
    await row.waitFor();
    expect(await row.textContent()).toContain('Unknown product');
    expect(await row.textContent()).toContain(productId);
    await shot('21-needs-attention');

    // Still unmapped: refused, naming the product, and the row still needs attention.
    await row.getByTestId('reapply').click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Re-apply' }).click();
    await page.getByText(new RegExp(`product_id "${productId}" is still unmapped`)).first().waitFor();
    await row.getByTestId('reapply').waitFor();
    expect(await row.getByTestId('replayed').count()).toBe(0);

    // Mapped in the Content Manager.
    expectOk(
      await api('PUT', `/content-manager/collection-types/plugin::subscriptions.offer/${offerDocumentId}`, { click2sellProductId: productId }),
      'map the product'
    );

    await page.reload();
    await page.getByRole('tab', { name: 'Payment events' }).click();
    await chooseFilter('Needs attention (unmapped, not re-applied)');
    await row.getByTestId('reapply').click();
    const dialog = page.getByRole('alertdialog');
    await dialog.getByText(`The payment of ${buyer} for product ${productId}`).waitFor();
    await shot('22-reapply-confirm');
    await dialog.getByRole('button', { name: 'Re-apply' }).click();
    await notice(/Payment re-applied: purchase: subscription created/).waitFor();
    // It no longer needs attention…
    await waitFor('the row to leave "Needs attention"', 30_000, () => row.count(), (n) => n === 0);
    // …and, among the unmapped payments, says it was re-applied, by whom and with what outcome.
    await chooseFilter('Unknown product');
    const replayed = row.getByTestId('replayed');
    await replayed.waitFor();
    expect(await replayed.textContent()).toMatch(new RegExp(`Re-applied .* by ${admin.email.replace(/\./g, '\\.')}: Applied \\(event #\\d+\\)`));
    expect(await row.getByTestId('reapply').count()).toBe(0);
    await shot('23-reapplied');

    // The buyer's subscription to the offer now mapped, in the Tracking list.
    await go('/plugins/subscriptions');
    await page.getByPlaceholder('Search by e-mail or name').fill(buyer);
    await page.getByPlaceholder('Search by e-mail or name').press('Enter');
    const subscription = page.getByTestId('subscription-row').filter({ hasText: buyer });
    await subscription.waitFor();
    expect(await subscription.textContent()).toContain(offerTitle);
    expect(await subscription.textContent()).toContain('Active');
    await shot('24-reapplied-tracking');
  });

  it('lists in "What happens next" a reminder seeded over HTTP', async () => {
    const rule = await api('POST', `/subscriptions/offers/${offerDocumentId}/rules`, { amount: 1, period: 'hours', when: 'before' });
    expectOk(rule, 'create rule');
    // A fresh member, as the Content Manager creates one (with the Authenticated role).
    const roles = await api('GET', '/users-permissions/roles');
    expectOk(roles, 'GET /users-permissions/roles');
    const authenticated = roles.body.roles.find((r: { type: string }) => r.type === 'authenticated');
    const user = await api('POST', '/content-manager/collection-types/plugin::users-permissions.user', {
      ...member,
      role: { connect: [{ id: authenticated.id }] },
      password: 'Member-password-1',
      confirmed: true,
      blocked: false,
    });
    expectOk(user, 'create user');
    // The users-permissions user's Content Manager answer is the entry itself (no `data`).
    const userId = (user.body.data ?? user.body).id;
    expect(typeof userId).toBe('number');
    const added = await api('POST', `/subscriptions/offers/${offerDocumentId}/subscribers`, { user: userId });
    expectOk(added, 'add subscriber');
    // Its end one hour and a minute away: the "1 hour before" reminder is due in a minute, after
    // this check and before the cron's runs in the restarted server.
    const endsAt = new Date(Math.ceil((Date.now() + 3_600_000 + 60_000) / 1000) * 1000);
    reminderAt = new Date(endsAt.getTime() - 3_600_000);
    const dates = await api('PUT', `/subscriptions/subscriptions/${added.body.data.documentId}/dates`, { endsAt: endsAt.toISOString() });
    expectOk(dates, 'edit the dates');

    // The server's answer first (what the page shows)…
    const preview = await api('GET', '/subscriptions/preview');
    expectOk(preview, 'GET /subscriptions/preview');
    const reminders = preview.body.data.items.filter((i: { kind: string; reminder?: { to: string } }) => i.kind === 'reminder' && i.reminder?.to === member.email);
    expect(reminders).toHaveLength(1);
    expect(reminders[0]).toMatchObject({ at: reminderAt.toISOString(), offer: { title: offerTitle }, reminder: { amount: 1, period: 'hours', when: 'before', action: 'send' } });

    // …then the page.
    await go('/plugins/subscriptions/preview');
    await page.getByRole('heading', { name: 'What happens next', level: 1 }).waitFor();
    // The member's rows: the reminder, and the expiry an hour later.
    const rows = page.getByTestId('preview-row').filter({ hasText: member.email });
    const row = rows.filter({ hasText: 'Reminder' });
    await row.waitFor();
    const text = (await row.textContent()) as string;
    expect(text).toContain('1 hours before the end');
    expect(text).toContain(offerTitle);
    await rows.filter({ hasText: 'Expiry' }).waitFor();
    expect(await rows.count()).toBe(2);
    await shot('25-preview-reminder');
  });

  it('after a restart with cron on, the first completed run removes the banner and the reminder is e-mailed', async () => {
    // No mail can have been sent for it yet: no run in this process.
    expect(smtp.to(member.email)).toHaveLength(0);
    const database = server.database;
    await stopServer(server);
    server = await startServer(serverEnv(true), { database });

    // The page is opened before waiting: its banner goes at its own refresh (every minute).
    await go('/plugins/subscriptions');
    await page.getByRole('heading', { name: 'Subscriptions', level: 1 }).waitFor();
    await shot('26-restarted');
    // Cron on: never the cron problem again (whether "no run" still shows depends on the minute).
    expect(await page.getByText(PROBLEM_TITLES.pluginCron).count()).toBe(0);

    const healthy = await waitFor('a completed scheduler run', 130_000, async () => (await api('GET', '/subscriptions/health')).body?.data, (r) => r?.ok === true);
    expect(healthy.problems).toEqual([]);
    expect(healthy.lastCompletedRun).not.toBeNull();
    await page.getByTestId('health-banner').waitFor({ state: 'detached', timeout: 75_000 });
    await page.getByTestId('scheduler-status').getByTestId('last-run-at').waitFor();
    await shot('27-health-ok');

    // The reminder's instant has passed by now, or does within a minute: a run queues and sends it.
    const mail = (await waitFor(
      'the reminder e-mail',
      Math.max(0, reminderAt.getTime() - Date.now()) + 150_000,
      () => smtp.to(member.email).find((m) => m.subject.includes(offerTitle)),
      (m) => m !== undefined
    )) as ReceivedMail;
    expect(mail.subject).toMatch(new RegExp(`^Your subscription "${offerTitle}" ends on `));
    expect(mail.to).toEqual([member.email]);
    // Once (the next runs do not send it again), and the preview no longer lists it.
    expect(smtp.to(member.email).filter((m) => m.subject.includes(offerTitle))).toHaveLength(1);
    await go('/plugins/subscriptions/preview');
    await page.getByRole('heading', { name: 'What happens next', level: 1 }).waitFor();
    // Its expiry is still to come; its reminder is done.
    const rows = page.getByTestId('preview-row').filter({ hasText: member.email });
    await rows.filter({ hasText: 'Expiry' }).waitFor();
    expect(await rows.filter({ hasText: 'Reminder' }).count()).toBe(0);
    await shot('28-preview-after-send');

    // The outbox log shows it sent.
    await go('/plugins/subscriptions/logs');
    await page.getByRole('tab', { name: 'Reminders and e-mails' }).click();
    const message = page.getByTestId('message-row').filter({ hasText: member.email });
    await message.waitFor();
    const logged = (await message.textContent()) as string;
    expect(logged).toContain('Reminder');
    expect(logged).toContain(`Your subscription "${offerTitle}" ends on`);
    expect(logged).toContain('Sent');
    await shot('29-messages-log');
  }, 420_000);
});
