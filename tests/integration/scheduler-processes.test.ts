import path from 'path';
import { fork, type ChildProcess } from 'child_process';
import type { Core } from '@strapi/strapi';
import { bootStrapi, createMember, createRole, stopStrapi, subscriptionsService } from '../helpers/strapi';
import { startSmtp, type TestSmtp } from '../helpers/smtp';
import { databaseClient } from '../helpers/database';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SUB = 'plugin::subscriptions.subscription';

type Figures = Record<string, number>;

/** A Strapi process of its own (tests/helpers/worker-process.js), driven over IPC. */
const startWorker = (
  env: Record<string, string>
): Promise<{ child: ChildProcess; cronJobs: string[]; run(nows: Date[]): Promise<Figures[]>; stop(): Promise<void> }> =>
  new Promise((resolve, reject) => {
    const child = fork(path.resolve(__dirname, '..', 'helpers', 'worker-process.js'), [], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const onBoot = (message: { type: string; message?: string; cronJobs?: string[] }) => {
      if (message.type === 'ready') {
        child.off('message', onBoot);
        resolve({
          child,
          cronJobs: message.cronJobs ?? [],
          run: (nows) =>
            new Promise((done, fail) => {
              const onRun = (reply: { type: string; figures?: Figures[]; message?: string }) => {
                child.off('message', onRun);
                if (reply.type === 'ran') done(reply.figures as Figures[]);
                else fail(new Error(reply.message));
              };
              child.on('message', onRun);
              child.send({ type: 'run', nows: nows.map((d) => d.toISOString()) });
            }),
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.send({ type: 'stop' });
            }),
        });
      } else if (message.type === 'error') reject(new Error(message.message));
    };
    child.on('message', onBoot);
    child.once('exit', (code) => reject(new Error(`worker exited with code ${code} before it was ready`)));
  });

/**
 * Several Strapi processes on one database, their scheduled runs at the same instants: every
 * subscription changes state once and every e-mail arrives once. PostgreSQL and MariaDB get two
 * worker processes racing; SQLite (one writer, one file) runs the same scenario with one.
 */
const WORKERS = databaseClient() === 'sqlite' ? 1 : 2;

describe(`scheduled work in ${WORKERS} Strapi process(es) on one ${databaseClient()} database`, () => {
  let strapi: Core.Strapi;
  let smtp: TestSmtp;
  const workers: Awaited<ReturnType<typeof startWorker>>[] = [];

  beforeAll(async () => {
    smtp = await startSmtp();
    // This process creates (and syncs) the database and the data; the workers only run the scheduler.
    strapi = await bootStrapi('scheduler-processes', smtp.env);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await stopStrapi(strapi);
    await smtp?.close();
  });

  it('activates, expires and reminds each subscription exactly once', async () => {
    const role = await createRole(strapi, 'member');
    const offer = (await strapi.documents('plugin::subscriptions.offer').create({
      data: { title: 'Shared', duration: 10, period: 'days', price: 5, role: role.id, level: 1 } as never,
    })) as unknown as { id: number };
    for (const rule of [
      { amount: 2, period: 'days', when: 'before' },
      { amount: 1, period: 'days', when: 'after' },
    ]) {
      await strapi.db.query('plugin::subscriptions.notification-rule').create({ data: { ...rule, offer: offer.id } });
    }
    const now = new Date('2030-05-01T00:00:00.000Z');
    const startsAt = new Date(now.getTime() + DAY);
    const users: { id: number; email: string }[] = [];
    const ids: number[] = [];
    for (let i = 0; i < 24; i += 1) {
      const user = await createMember(strapi);
      users.push(user);
      // Half start tomorrow (pending now), half started today.
      const sub = await subscriptionsService(strapi).subscribe({
        user: user.id,
        offer: offer.id,
        startsAt: i % 2 === 0 ? startsAt : now,
        now,
      });
      ids.push(sub.id);
    }

    // One after the other: one schema sync at a time. The first has the plugin's cron switched on
    // (with a rule that will not fire during the test) to show the job is registered.
    for (let i = 0; i < WORKERS; i += 1) {
      const cron = i === 0 ? { SUBSCRIPTIONS_CRON_ENABLED: 'true', SUBSCRIPTIONS_CRON_RULE: '59 23 31 12 *' } : {};
      workers.push(await startWorker({ ...smtp.env, ...cron }));
    }
    expect(workers[0].cronJobs).toContain('subscriptions-scheduler');
    expect((strapi.cron.jobs as { name: string | null }[]).map((job) => job.name)).not.toContain('subscriptions-scheduler');

    // The processes' crons fire at the same instants (their clocks agree): the starts, the "before"
    // reminders, the ends, the "after" reminders. Each instant runs in all processes at once.
    const instants = [1, 9, 9.5, 10, 11, 11.5, 12].map((d) => new Date(now.getTime() + d * DAY));
    const results: Figures[][] = [];
    for (const instant of instants) results.push(...(await Promise.all(workers.map((w) => w.run([instant])))));
    const total = (key: string) => results.flat().reduce((sum, f) => sum + f[key], 0);

    expect(total('activated')).toBe(12);
    expect(total('expired')).toBe(24);
    expect(total('remindersQueued')).toBe(48);
    expect(total('sent')).toBe(24 * 3); // before + after reminders and the expiry notice
    const rows = await strapi.db.query(SUB).findMany({ where: { id: { $in: ids } }, select: ['status'] });
    expect(rows.map((r: { status: string }) => r.status)).toEqual(Array(24).fill('expired'));
    for (const user of users) {
      const mails = smtp.to(user.email).map((m) => m.subject);
      expect(mails).toHaveLength(3);
      expect(mails.filter((s) => s.includes('ends on'))).toHaveLength(1);
      expect(mails.filter((s) => s.includes('has ended'))).toHaveLength(1);
      expect(mails.filter((s) => / ended on /.test(s))).toHaveLength(1);
    }
    expect(smtp.received.length).toBe(72);
  });
});
