import fs from 'fs';
import path from 'path';
import crypto from 'crypto';
import type { Browser, Page } from 'playwright-core';
import { adminPage, launchBrowser, logInAdmin, registerAdmin, SCREENSHOTS, startServer, tearDown, type Server } from './playground';

/**
 * The subscription records in Chromium, against the playground with its demo data:
 *
 * 1. the CSV import: a file of three rows (two good, one with a date that is not a date) gets a
 *    dry run first — each row says what it would do, the refused one names its column, and the
 *    refused rows download as CSV — then is imported: the two good subscriptions exist (over the
 *    admin API), the refused one does not;
 * 2. a subscription's history after a renew from the Tracking list: "Created" (by the import) and
 *    "Renewed" with the end date before → after; the same two entries in the file "Export history
 *    (CSV)" downloads for the searched member.
 *
 * Screenshots of each step go to tests/e2e/screenshots/ (git-ignored).
 */
describe('records in Chromium: CSV import with a dry run, a subscription history after a renew', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  let jwt: string;
  const tag = crypto.randomBytes(3).toString('hex');
  const admin = { email: `records-${tag}@example.com`, password: 'E2e-password-1' };
  const OFFER = 'Monthly membership';
  const good1 = `ada.${tag}@example.com`;
  const good2 = `alan.${tag}@example.com`;
  const bad = `bad.${tag}@example.com`;

  /** Polls `read()` until `ok` accepts its value; fails with `what` after 30 s. */
  const waitFor = async <T,>(what: string, read: () => Promise<T> | T, ok: (value: T) => boolean): Promise<T> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const value = await read();
      if (ok(value)) return value;
      if (Date.now() > deadline) throw new Error(`${what}: not within 30 s (last: ${JSON.stringify(value)?.slice(0, 500)})`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };
  const shot = async (name: string) => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  };
  const go = (to: string) => page.goto(`${server.url}/admin${to}`);
  const api = async (method: string, url: string) => {
    const res = await fetch(`${server.url}${url}`, { method, headers: { Authorization: `Bearer ${jwt}` } });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${method} ${url}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
  const subscriptionsOf = async (email: string) =>
    (await api('GET', `/subscriptions/subscriptions?search=${encodeURIComponent(email)}`)).data as Array<{
      documentId: string;
      endsAt: string | null;
      user: { email: string } | null;
      offer: { title: string } | null;
    }>;

  beforeAll(async () => {
    server = await startServer();
    jwt = await registerAdmin(server, admin, { firstname: 'Records', lastname: 'Admin' });
    browser = await launchBrowser();
    page = await adminPage(browser);
  }, 300_000);

  afterAll(async () => {
    await tearDown(server, browser);
  });

  it('logs in', async () => {
    await logInAdmin(page, server, admin);
  });

  it('imports a CSV: a dry run first (the refused row names its column), then the import', async () => {
    const start = new Date(Date.now() - 86_400_000).toISOString();
    const csv = [
      'email,name,offer,startsAt',
      `${good1},Ada Lovelace,${OFFER},${start}`,
      `${bad},Bad Date,${OFFER},not-a-date`,
      `${good2},Alan Turing,${OFFER},`,
    ].join('\n');

    await go('/plugins/subscriptions/import');
    await page.getByRole('heading', { name: 'Import subscriptions', level: 1 }).waitFor();
    await page.getByTestId('import-file').setInputFiles({ name: 'members.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    // Importing is offered only after a dry run of this file.
    expect(await page.getByRole('button', { name: 'Import', exact: true }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Dry run' }).click();

    const totals = page.getByTestId('import-totals');
    await page.getByText('Dry run done: 3 rows checked, nothing written').first().waitFor();
    await totals.getByText('The dry run would:').waitFor();
    await totals.getByText('3 rows').waitFor();
    expect(await totals.textContent()).toContain('2 new subscriptions');
    expect(await totals.textContent()).toContain('1 refused');
    const rows = page.getByTestId('import-row');
    await rows.filter({ hasText: good1 }).getByText('Create').waitFor();
    await rows.filter({ hasText: good2 }).getByText('Create').waitFor();
    const refused = rows.filter({ hasText: bad });
    await refused.getByText('Refused').waitFor();
    expect(await refused.textContent()).toContain('startsAt: "not-a-date" is not an ISO 8601 date');
    await shot('40-import-dry-run');
    // The refused rows as CSV: the row, the column at fault, why, then the row as given.
    const [report] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download the refused rows (CSV)' }).click(),
    ]);
    const reported = fs.readFileSync((await report.path())!, 'utf8').trim().split(/\r\n/);
    expect(reported).toHaveLength(2);
    expect(reported[0]).toMatch(/^row,column,error,email,/);
    expect(reported[1]).toMatch(new RegExp(`^"2","startsAt","startsAt: ""not-a-date"" is not an ISO 8601 date","${bad.replace(/\./g, '\\.')}"`));
    // A dry run writes nothing.
    expect(await subscriptionsOf(good1)).toHaveLength(0);

    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByText('Import done: 3 rows').first().waitFor();
    await totals.getByText('Imported:').waitFor();
    expect(await totals.textContent()).toContain('2 new subscriptions');
    expect(await totals.textContent()).toContain('1 refused');
    await shot('41-import-applied');

    for (const email of [good1, good2]) {
      const subs = await subscriptionsOf(email);
      expect(subs.map((s) => [s.user?.email, s.offer?.title])).toEqual([[email, OFFER]]);
    }
    expect(await subscriptionsOf(bad)).toHaveLength(0);
  });

  it("shows a subscription's history after a renew from Tracking: Created, then Renewed with its dates", async () => {
    const [before] = await subscriptionsOf(good1);
    expect(before.endsAt).not.toBeNull();

    await go('/plugins/subscriptions');
    await page.getByRole('heading', { name: 'Subscriptions', level: 1 }).waitFor();
    await page.getByPlaceholder('Search by e-mail or name').fill(good1);
    await page.getByPlaceholder('Search by e-mail or name').press('Enter');
    const row = page.getByTestId('subscription-row').filter({ hasText: good1 });
    await row.waitFor();
    // The search left only the imported member's row.
    await waitFor('one row left', () => page.getByTestId('subscription-row').count(), (n) => n === 1);

    await row.getByRole('button', { name: 'Renew' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.getByText('Renew this subscription?').waitFor();
    await dialog.getByRole('button', { name: 'Renew' }).click();
    await page.getByText('Subscription renewed: it now ends on').first().waitFor();
    // The renew reached the database: the end moved later.
    const [after] = await waitFor('the end to move', () => subscriptionsOf(good1), (subs) => subs[0]?.endsAt !== before.endsAt);
    expect(new Date(after.endsAt!).getTime()).toBeGreaterThan(new Date(before.endsAt!).getTime());

    await row.getByRole('button', { name: 'History' }).click();
    const modal = page.getByRole('dialog');
    await modal.getByText(`History of ${good1}'s ${OFFER} subscription`).waitFor();
    const entries = modal.getByTestId('history-entry');
    const renewed = entries.filter({ hasText: 'Renewed' });
    const created = entries.filter({ hasText: 'Created' });
    await renewed.waitFor();
    await created.waitFor();
    // Newest first: the renew above the creation.
    expect(await entries.count()).toBe(2);
    expect(await entries.first().textContent()).toContain('Renewed');
    // The renew moved the end: "End: <before> → <after>", by an admin.
    const renewedText = (await renewed.textContent()) ?? '';
    expect(renewedText).toMatch(/End: [^→]+ → /);
    expect(renewedText).toContain('Admin');
    // The creation came with a status and an end out of nothing.
    expect((await created.textContent()) ?? '').toMatch(/Status: — → /);
    // The dialog's opening animation over before the picture.
    await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
    await shot('42-history-after-renew');
    await page.keyboard.press('Escape');
    await modal.waitFor({ state: 'hidden' });

    // The same entries in the export's history file, for the filter shown (the searched member).
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export history (CSV)' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('subscriptions-active-history.csv');
    const file = await download.path();
    const lines = fs.readFileSync(file!, 'utf8').trim().split(/\r\n/);
    expect(lines[0]).toMatch(/^documentId,email,offer,at,kind,/);
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 5)[4])).toEqual(['"created"', '"renewed"']);
    expect(lines.slice(1).every((l) => l.startsWith(`"${after.documentId}","${good1}","${OFFER}",`))).toBe(true);
  });
});
