/** Which cron jobs the plugin config asks for: one by default, a job per distinct rule otherwise. */
import { cronJobsFor } from '../../server/src/cron';
import { pluginConfigSchema } from '../../server/src/config';

const jobs = (config: unknown) => cronJobsFor(pluginConfigSchema.parse(config).cron);

describe('cron jobs from the plugin config', () => {
  it('registers one job running every step every minute by default', () => {
    expect(jobs({})).toEqual([
      { name: 'subscriptions-scheduler', rule: '*/1 * * * *', steps: ['lifecycle', 'reminders', 'delivery'] },
    ]);
  });

  it('registers nothing when switched off, unless a step is switched back on', () => {
    expect(jobs({ cron: { enabled: false } })).toEqual([]);
    expect(jobs({ cron: { enabled: false, jobs: { delivery: { enabled: true } } } })).toEqual([
      { name: 'subscriptions-scheduler-delivery', rule: '*/1 * * * *', steps: ['delivery'] },
    ]);
  });

  it('gives a step with its own rule a job of its own, the others keep theirs', () => {
    expect(jobs({ cron: { rule: '*/5 * * * *', jobs: { reminders: { rule: '0 * * * *' }, delivery: { enabled: false } } } })).toEqual([
      { name: 'subscriptions-scheduler-lifecycle', rule: '*/5 * * * *', steps: ['lifecycle'] },
      { name: 'subscriptions-scheduler-reminders', rule: '0 * * * *', steps: ['reminders'] },
    ]);
  });

  it('refuses an unknown step or option, naming it', () => {
    expect(pluginConfigSchema.safeParse({ cron: { jobs: { expiry: {} } } }).success).toBe(false);
    expect(pluginConfigSchema.safeParse({ cron: { jobs: { reminders: { every: 5 } } } }).success).toBe(false);
  });
});
