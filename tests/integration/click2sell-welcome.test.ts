import type { Core } from '@strapi/strapi';
import { bootStrapi, http, stopStrapi } from '../helpers/strapi';
import { startSmtp, type TestSmtp } from '../helpers/smtp';
import { CLICK2SELL_PATH, notification } from '../helpers/click2sell';

const SECRET = 'welcome-secret';

/** A new member gets one welcome e-mail with a one-time set-password link, after the commit. */
describe('Click2Sell welcome e-mail', () => {
  let strapi: Core.Strapi;
  let smtp: TestSmtp;
  const post = (fields: Record<string, string>) => http(strapi).post(CLICK2SELL_PATH).type('form').send(fields);
  const messages = () => strapi.plugin('subscriptions').service('messages');
  // Every applied payment also sends a receipt ("Payment received: …"); the welcome e-mail is the other one.
  const isReceipt = (mail: { subject: string }) => mail.subject.startsWith('Payment received');
  const welcomes = (email: string) => smtp.to(email).filter((m) => !isReceipt(m));
  const receipts = (email: string) => smtp.to(email).filter(isReceipt);

  beforeAll(async () => {
    smtp = await startSmtp();
    strapi = await bootStrapi('click2sell-welcome', { CLICK2SELL_SECRET_KEY: SECRET, ...smtp.env });
    // The site's set-password page (users-permissions' reset-password URL).
    const advanced = strapi.store({ type: 'plugin', name: 'users-permissions', key: 'advanced' });
    await advanced.set({ value: { ...((await advanced.get()) as object), email_reset_password: 'https://members.example/set-password' } });
    await strapi.documents('plugin::subscriptions.offer').create({
      data: { title: 'Monthly membership', duration: 1, period: 'months', click2sellProductId: '1001' } as never,
    });
  });
  afterAll(async () => {
    await stopStrapi(strapi);
    await smtp.close();
  });

  it('sends one welcome e-mail with a working set-password link and no password', async () => {
    const email = `welcome-${Date.now()}@example.com`;
    const fields = notification(SECRET, { buyer_email: email });
    expect((await post(fields)).status).toBe(200);
    // Both e-mails go out in the background after the commit.
    for (let waited = 0; smtp.to(email).length < 2 && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    const [mail] = welcomes(email);
    const user = await strapi.db.query('plugin::users-permissions.user').findOne({ where: { email } });
    expect(user.resetPasswordToken).toBeTruthy();
    expect(mail.text).toContain(`https://members.example/set-password?code=${user.resetPasswordToken}`);
    expect(mail.text).not.toMatch(/password:\s*\S/i);
    // Greeted by the name Click2Sell sent (buyer_name + buyer_surname), not by the e-mail address.
    expect(mail.text).toMatch(new RegExp(`^Hello ${fields.buyer_name} ${fields.buyer_surname},`, 'm'));

    // The link works: users-permissions' reset-password flow sets the password and logs in.
    const reset = await http(strapi)
      .post('/api/auth/reset-password')
      .send({ code: user.resetPasswordToken, password: 'Chosen-password-1', passwordConfirmation: 'Chosen-password-1' });
    expect(reset.status).toBe(200);
    expect(reset.body.jwt).toBeTruthy();

    // A repeat of the notification and a second purchase send no second welcome; each applied
    // payment has its receipt, the repeat none.
    await post(fields);
    await post(notification(SECRET, { buyer_email: email }));
    await messages().deliverDue({});
    expect(welcomes(email)).toHaveLength(1);
    expect(receipts(email)).toHaveLength(2);
  });

  it('an SMTP failure never loses the purchase; the e-mail goes out once the server is back', async () => {
    smtp.setFailing(true);
    const email = `smtp-down-${Date.now()}@example.com`;
    expect((await post(notification(SECRET, { buyer_email: email }))).status).toBe(200);
    const user = await strapi.db.query('plugin::users-permissions.user').findOne({ where: { email } });
    expect(await strapi.db.query('plugin::subscriptions.subscription').count({ where: { user: { id: user.id } } })).toBe(1);
    await messages().deliverDue({});
    // The send that follows the commit runs in the background: wait until it has recorded its try.
    const welcomeRow = () => strapi.db.query('plugin::subscriptions.message').findOne({ where: { kind: 'welcome', to: email } });
    for (let waited = 0; ['pending', 'sending'].includes((await welcomeRow()).status) && waited < 10_000; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const row = await welcomeRow();
    expect(row.status).toBe('failed');
    expect(row.lastError).toBeTruthy();
    expect(smtp.to(email)).toHaveLength(0);

    smtp.setFailing(false);
    await messages().deliverDue({ now: new Date(Date.now() + 24 * 3_600_000) });
    expect(welcomes(email)).toHaveLength(1);
    expect(receipts(email)).toHaveLength(1);
    await messages().deliverDue({ now: new Date(Date.now() + 48 * 3_600_000) });
    expect(smtp.to(email)).toHaveLength(2);
  });
});
