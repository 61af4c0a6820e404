import crypto from 'crypto';
import type { Core } from '@strapi/strapi';
import { UID } from '../content-types';
import { isUniqueViolation } from './errors';
import { joinTableOf } from './links';

export interface BatchMessage {
  kind: 'expiry' | 'reminder';
  to: string;
  userId: number;
  subscriptionId: number;
  dedupeKey: string;
  data: Record<string, unknown>;
}

/**
 * Writes many outbox messages in a few statements (the scheduler's batches): the keys already
 * there are skipped, the rest inserted together, then linked to their member and subscription.
 * Must run inside the caller's transaction. Returns false — having written nothing — when a
 * concurrent writer took one of the keys first: the caller then writes them one by one.
 */
export const enqueueMany = async (strapi: Core.Strapi, messages: readonly BatchMessage[], now: Date): Promise<{ created: number } | false> => {
  const unique = [...new Map(messages.map((m) => [m.dedupeKey, m])).values()];
  if (unique.length === 0) return { created: 0 };
  const query = strapi.db.query(UID.message);
  const existing = new Set<string>();
  for (let i = 0; i < unique.length; i += 500) {
    const rows = (await query.findMany({
      where: { dedupeKey: { $in: unique.slice(i, i + 500).map((m) => m.dedupeKey) } },
      select: ['dedupeKey'],
    })) as { dedupeKey: string }[];
    for (const row of rows) existing.add(row.dedupeKey);
  }
  const fresh = unique.filter((m) => !existing.has(m.dedupeKey));
  if (fresh.length === 0) return { created: 0 };

  return strapi.db.transaction(async ({ trx }) => {
    const savepoint = `subs_outbox_${crypto.randomBytes(4).toString('hex')}`;
    await trx.raw(`SAVEPOINT ${savepoint}`);
    try {
      await query.createMany({
        data: fresh.map((m) => ({
          kind: m.kind,
          dedupeKey: m.dedupeKey,
          status: 'pending',
          to: m.to,
          locale: null,
          attempts: 0,
          nextAttemptAt: now,
          lastError: null,
          data: m.data,
        })),
      });
    } catch (error) {
      await trx.raw(`ROLLBACK TO SAVEPOINT ${savepoint}`);
      if (isUniqueViolation(error)) return false;
      throw error;
    }
    await trx.raw(`RELEASE SAVEPOINT ${savepoint}`);
    const ids = new Map<string, number>();
    for (let i = 0; i < fresh.length; i += 500) {
      const rows = (await query.findMany({
        where: { dedupeKey: { $in: fresh.slice(i, i + 500).map((m) => m.dedupeKey) } },
        select: ['id', 'dedupeKey'],
      })) as { id: number; dedupeKey: string }[];
      for (const row of rows) ids.set(row.dedupeKey, row.id);
    }
    for (const [relation, target] of [
      ['user', (m: BatchMessage) => m.userId],
      ['subscription', (m: BatchMessage) => m.subscriptionId],
    ] as const) {
      const join = joinTableOf(strapi, UID.message, relation);
      const links = fresh.map((m) => ({ [join.joinColumn.name]: ids.get(m.dedupeKey), [join.inverseJoinColumn.name]: target(m) }));
      // SQLite writes a multi-row insert as a compound SELECT, limited to 500 terms.
      for (let i = 0; i < links.length; i += 200) await trx(join.name).insert(links.slice(i, i + 200));
    }
    return { created: fresh.length };
  });
};
