import type { Core } from '@strapi/strapi';
import { UID } from '../content-types';

/** How many runs the table keeps (all processes together): enough to see the last hour of a busy site. */
export const KEPT_RUNS = 50;

/** One run of the scheduled work, as recorded. */
export interface SchedulerRunRecord {
  startedAt: Date;
  finishedAt: Date;
  host: string;
  pid: number;
  steps: string[];
  figures: Record<string, number>;
  errors: number;
  /** The error that stopped the run; null for a run that completed. */
  failure: string | null;
}

/** A recorded run as read back (dates as the database returns them). */
export interface SchedulerRunRow {
  id: number;
  startedAt: unknown;
  finishedAt: unknown;
  host: string;
  pid: number;
  steps: string[] | null;
  figures: Record<string, number> | null;
  errors: number | null;
  failure: string | null;
}

const FIELDS = ['id', 'startedAt', 'finishedAt', 'host', 'pid', 'steps', 'figures', 'errors', 'failure'] as const;

/**
 * Every query on the scheduler's run log (`plugin::subscriptions.scheduler-run`): a small table
 * each run inserts one row into (an insert: processes running at once never overwrite each other),
 * pruned to the newest KEPT_RUNS.
 */
export const schedulerRunRepository = (strapi: Core.Strapi) => {
  const query = () => strapi.db.query(UID.schedulerRun);

  /** Records a run, then drops the rows older than the newest `keep`. */
  const record = async (run: SchedulerRunRecord, keep = KEPT_RUNS) => {
    await query().create({ data: { ...run } });
    const [boundary] = (await query().findMany({ select: ['id'], orderBy: { id: 'desc' }, offset: keep - 1, limit: 1 })) as { id: number }[];
    // Always the same statements, whether there is something to drop or not (a run's cost is constant).
    await query().deleteMany({ where: { id: { $lt: boundary?.id ?? 0 } } });
  };

  /** The run that finished last (completed or not), and the last one that completed. */
  const latest = async (): Promise<{ last: SchedulerRunRow | null; lastCompleted: SchedulerRunRow | null }> => {
    const newest = { orderBy: [{ finishedAt: 'desc' }, { id: 'desc' }], select: [...FIELDS] } as const;
    const [last, lastCompleted] = await Promise.all([
      query().findOne({ ...newest } as never),
      query().findOne({ ...newest, where: { failure: { $null: true } } } as never),
    ]);
    return { last: (last ?? null) as SchedulerRunRow | null, lastCompleted: (lastCompleted ?? null) as SchedulerRunRow | null };
  };

  const count = async (): Promise<number> => Number(await query().count({}));

  return { record, latest, count };
};
