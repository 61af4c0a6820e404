import fs from 'fs';
import path from 'path';
import crypto from 'crypto';
import type { Browser, Page } from 'playwright-core';
import { startSmtp, type ReceivedMail, type TestSmtp } from '../helpers/smtp';
import { checksumFor, notification, CLICK2SELL_PATH } from '../helpers/click2sell';
import { launchBrowser, SCREENSHOTS, startServer, stopServer, type Server } from './playground';

/**
 * A newcomer who buys through Click2Sell, as the README's curl line does against the playground:
 * the welcome e-mail reaches the SMTP server, its one-time link opens the playground's
 * member site's set-password page (public/members/set-password/), the password chosen there logs in through
 * /api/auth/local, and /api/subscriptions/me shows the subscription bought.
 */
describe('welcome e-mail → set-password page → login', () => {
  let server: Server;
  let smtp: TestSmtp;
  let browser: Browser;
  let page: Page;
  const SECRET = `e2e-${crypto.randomBytes(6).toString('hex')}`;
  const email = `ada.${crypto.randomBytes(3).toString('hex')}@example.com`;
  const password = 'Chosen-password-1';
  let mail: ReceivedMail;
  let link: string;

  const shot = async (name: string) => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  };

  beforeAll(async () => {
    smtp = await startSmtp();
    server = await startServer({ ...smtp.env, CLICK2SELL_SECRET_KEY: SECRET });
    browser = await launchBrowser();
    page = await (await browser.newContext({ locale: 'en-GB' })).newPage();
    page.setDefaultTimeout(30_000);
  }, 300_000);

  afterAll(async () => {
    if (server && server.process.exitCode !== null) console.error(`strapi start exited:\n${server.log().slice(-4000)}`);
    await browser?.close();
    await stopServer(server);
    await smtp?.close();
  });

  it('a Click2Sell sale creates the member and sends a welcome e-mail with a link to the playground', async () => {
    const fields = notification(SECRET, { buyer_email: email, buyer_name: 'Ada', buyer_surname: 'Lovelace', product_id: '1001' });
    expect(fields.checksum).toBe(checksumFor(SECRET, fields.acquirer_transaction_id));
    const res = await fetch(`${server.url}${CLICK2SELL_PATH}`, { method: 'POST', body: new URLSearchParams(fields) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, outcome: 'applied' });

    // The buyer also gets a payment receipt: wait for the welcome e-mail itself.
    for (let waited = 0; !smtp.to(email).some((m) => m.subject.startsWith('Welcome')); waited += 200) {
      if (waited > 30_000) throw new Error(`no welcome e-mail within 30 s (received: ${JSON.stringify(smtp.to(email).map((m) => m.subject))})`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const welcomes = smtp.to(email).filter((m) => m.subject.startsWith('Welcome'));
    expect(welcomes).toHaveLength(1);
    mail = welcomes[0];
    expect(mail.subject).toBe('Welcome to Monthly membership');
    // Greeted by the name Click2Sell sent, not by the e-mail address.
    expect(mail.text).toMatch(/^Hello Ada Lovelace,/m);
    const found = /(https?:\/\/\S+?\/members\/set-password\?code=[0-9a-f]+)/.exec(mail.text);
    expect(found).not.toBeNull();
    link = (found as RegExpExecArray)[1];
    // The playground's own page, on the port it listens on (set on first boot), not a frontend that is not there.
    expect(link.startsWith(`${server.url}/members/set-password?code=`)).toBe(true);
  });

  it('the link opens the set-password page, which sets the password and shows the subscription', async () => {
    await page.goto(link);
    await page.getByRole('heading', { name: 'Choose your password' }).waitFor();
    // The one-time code leaves the address bar once read.
    expect(page.url()).toBe(`${server.url}/members/set-password`);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByLabel('Confirm the password').fill(password);
    await shot('10-set-password');
    await page.getByRole('button', { name: 'Set my password' }).click();
    await page.getByRole('heading', { name: 'Welcome' }).waitFor();
    await page.getByText(`Your password is set: log in with ${email} from now on.`).waitFor();
    await page.getByText(/Monthly membership: active/).waitFor();
    await shot('11-password-set');
  });

  it('the password logs in through /api/auth/local, and /api/subscriptions/me lists the subscription', async () => {
    const login = await fetch(`${server.url}/api/auth/local`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ identifier: email, password }),
    });
    expect(login.status).toBe(200);
    const { jwt } = (await login.json()) as { jwt: string };
    const me = await fetch(`${server.url}/api/subscriptions/me`, { headers: { Authorization: `Bearer ${jwt}` } });
    expect(me.status).toBe(200);
    const body = (await me.json()) as { data: { role: { type: string }; subscriptions: { offer: { title: string }; status: string; active: boolean }[] } };
    expect(body.data.subscriptions).toHaveLength(1);
    expect(body.data.subscriptions[0]).toMatchObject({ offer: { title: 'Monthly membership' }, status: 'active', active: true });
    expect(body.data.role.type).toBe('member');
  });

  it('the buyer signs in on the member site and reads the members-only page', async () => {
    await page.goto(`${server.url}/members/signin/`);
    await page.getByLabel('E-mail or name').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    await page.goto(`${server.url}/members/members-only/`);
    await page.getByText('Welcome, member.').waitFor();
    await shot('12-buyer-members-only');
    await page.getByRole('button', { name: 'Sign out' }).click();
  });

  it('the link works once: opened again, the page says why it cannot be used', async () => {
    await page.goto(link);
    await page.getByLabel('Password', { exact: true }).fill('Other-password-1');
    await page.getByLabel('Confirm the password').fill('Other-password-1');
    await page.getByRole('button', { name: 'Set my password' }).click();
    await page.getByRole('alert').filter({ hasText: /incorrect code/i }).waitFor();
    await shot('13-link-used');
  });
});
