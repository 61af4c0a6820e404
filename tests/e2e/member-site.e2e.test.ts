import fs from 'fs';
import path from 'path';
import crypto from 'crypto';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, registerAdmin, SCREENSHOTS, startServer, tearDown, type Server } from './playground';

/**
 * The member site (playground/public/members/, served by Strapi at /members/) in Chromium, on the
 * playground started as in production with its demo data: a visitor finds the pricing, signs up,
 * takes the free offer, reads the members-only page, is refused the premium one, cancels; the
 * site speaks French on demand; a member whose subscription ended (carol) is refused.
 */
describe('member site: pricing → sign up → free offer → members-only page → cancel', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  const name = `visitor-${crypto.randomBytes(3).toString('hex')}`;
  const email = `${name}@example.com`;
  const password = 'Visitor-password-1';
  const pageErrors: string[] = [];

  const shot = async (file: string) => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, `${file}.png`), fullPage: true });
  };
  const jwt = () => page.evaluate(() => localStorage.getItem('members.jwt'));

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    page = await (await browser.newContext({ locale: 'en-GB', viewport: { width: 1100, height: 800 } })).newPage();
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  }, 300_000);

  afterAll(async () => {
    await tearDown(server, browser);
  });

  it('the pricing page lists the offers: "Buy" goes to the checkout page, the free one says "Take it"', async () => {
    await page.goto(`${server.url}/members/`);
    await page.getByRole('heading', { name: 'Pricing' }).waitFor();
    const monthly = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Monthly membership' }) });
    await monthly.getByText(/€9\.90 for 1 month/).waitFor();
    expect(await monthly.getByRole('link', { name: 'Buy' }).getAttribute('href')).toBe('https://checkout.example.com/click2sell/1001');
    const trial = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Free trial' }) });
    await trial.getByText('Free · 14 days').waitFor();
    await trial.getByRole('button', { name: 'Take it' }).waitFor();
    await shot('20-member-pricing');
  });

  it('taking it signed out leads to sign in, and on to sign up, which comes back to the pricing', async () => {
    await page.getByRole('button', { name: 'Take it' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByText('Sign up or sign in first, then take the offer.').waitFor();
    await page.getByRole('link', { name: 'New here? Sign up' }).click();
    await page.getByRole('heading', { name: 'Sign up' }).waitFor();
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(password);
    await shot('21-member-signup');
    await page.getByRole('button', { name: 'Create my account' }).click();
    await page.getByRole('heading', { name: 'Pricing' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/members/');
    expect(await jwt()).toBeTruthy();
  });

  it('"Take it" gives the free offer: my account lists it active, with its dates and a cancel button', async () => {
    await page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Free trial' }) }).getByRole('button', { name: 'Take it' }).click();
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    await page.getByText('Done: Free trial is yours.').waitFor();
    await page.getByText(`Signed in as ${name}.`).waitFor();
    await page.getByText('Access level: Member').waitFor();
    const row = page.getByRole('row').filter({ hasText: 'Free trial' });
    await row.getByRole('cell', { name: 'active', exact: true }).waitFor();
    await row.getByRole('button', { name: 'Cancel' }).waitFor();
    await shot('22-member-account');
  });

  it('the members-only page shows the content; the premium page says what it requires', async () => {
    await page.getByRole('link', { name: 'Members', exact: true }).click();
    await page.getByRole('heading', { name: 'Members only' }).waitFor();
    await page.getByText('Welcome, member.').waitFor();
    await shot('23-member-members-only');
    await page.getByRole('link', { name: 'Premium', exact: true }).click();
    await page.getByRole('heading', { name: 'Premium' }).waitFor();
    await page.getByText('This page is for members with an active Yearly premium subscription.').waitFor();
    await page.getByRole('alert').filter({ hasText: /An active subscription to one of these is required/ }).waitFor();
    await page.getByRole('link', { name: 'See the offers' }).waitFor();
    await shot('24-member-premium-refused');
  });

  it('cancels after confirming: no more renewals, access to the paid end', async () => {
    await page.getByRole('link', { name: 'My account' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Free trial' });
    let asked = '';
    page.once('dialog', (dialog) => {
      asked = dialog.message();
      void dialog.accept();
    });
    await row.getByRole('button', { name: 'Cancel' }).click();
    await page.getByText(/^Cancelled: no more renewals\. Access lasts until /).waitFor();
    expect(asked).toMatch(/^Cancel your subscription to Free trial\? You keep access until /);
    await row.getByText(/active \(cancelled on /).waitFor();
    expect(await row.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    await shot('25-member-cancelled');
    // The server agrees.
    const me = await fetch(`${server.url}/api/subscriptions/me`, { headers: { Authorization: `Bearer ${await jwt()}` } });
    const [subscription] = ((await me.json()) as { data: { subscriptions: { cancelledAt: string | null; active: boolean }[] } }).data.subscriptions;
    expect(subscription.cancelledAt).not.toBeNull();
    expect(subscription.active).toBe(true);
  });

  it('speaks French after the language switch', async () => {
    await page.getByRole('button', { name: 'Français' }).click();
    await page.getByRole('heading', { name: 'Mon compte' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'Free trial' }).getByText(/actif \(résilié le /).waitFor();
    await shot('26-member-account-fr');
    await page.getByRole('link', { name: 'Tarifs' }).click();
    await page.getByRole('button', { name: 'En profiter' }).waitFor();
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Pricing' }).waitFor();
  });

  it('once the paid end is past (an editor moves it back), the visitor is refused the members-only page', async () => {
    // The e2e server runs no scheduler: an editor's date change applies the lifecycle at once.
    const admin = { email: `members-e2e-${crypto.randomBytes(3).toString('hex')}@example.com`, password: 'Members-e2e-1' };
    const adminJwt = await registerAdmin(server, admin, { firstname: 'Member', lastname: 'Site' });
    const me = await fetch(`${server.url}/api/subscriptions/me`, { headers: { Authorization: `Bearer ${await jwt()}` } });
    const [subscription] = ((await me.json()) as { data: { subscriptions: { documentId: string }[] } }).data.subscriptions;
    const hour = 3_600_000;
    const moved = await fetch(`${server.url}/subscriptions/subscriptions/${subscription.documentId}/dates`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${adminJwt}` },
      body: JSON.stringify({
        startsAt: new Date(Date.now() - 2 * hour).toISOString(),
        dueAt: new Date(Date.now() - hour).toISOString(),
        endsAt: new Date(Date.now() - hour).toISOString(),
      }),
    });
    expect(moved.status).toBe(200);
    await page.goto(`${server.url}/members/members-only/`);
    await page.getByRole('heading', { name: 'Members only' }).waitFor();
    await page.getByText('This page is for members with an active subscription.').waitFor();
    expect(await page.getByText('Welcome, member.').count()).toBe(0);
    await shot('27-member-ended-after-paid-end');
  });

  it('a member whose subscription ended (carol) is refused the members-only page', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto(`${server.url}/members/members-only/`);
    await page.getByRole('link', { name: 'Sign in to read this page.' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('E-mail or name').fill('carol@example.com');
    await page.getByLabel('Password').fill('Demo-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Members only' }).waitFor();
    await page.getByText('This page is for members with an active subscription.').waitFor();
    expect(await page.getByText('Welcome, member.').count()).toBe(0);
    await shot('28-member-ended-refused');
    await page.getByRole('link', { name: 'My account' }).click();
    await page.getByRole('row').filter({ hasText: 'Monthly membership' }).getByRole('cell', { name: 'expired', exact: true }).waitFor();
  });

  it('signing in never sends the member to another site (?next= outside /members/ is ignored)', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto(`${server.url}/members/signin/?next=${encodeURIComponent('https://evil.example/')}`);
    await page.getByLabel('E-mail or name').fill('alice@example.com');
    await page.getByLabel('Password').fill('Demo-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    expect(page.url()).toBe(`${server.url}/members/account/`);
  });

  it('no page threw a script error', () => {
    expect(pageErrors).toEqual([]);
  });
});
