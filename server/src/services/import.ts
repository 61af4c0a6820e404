import type { Core } from '@strapi/strapi';
import { DateTime } from 'luxon';
import {
  applyToMember,
  isDomainError,
  SOURCES,
  STATUSES,
  type DatesPatch,
  type HistoryCause,
  type MemberEvent,
  type MemberState,
  type MemberSubscription,
  type Source,
  type Status,
} from '../domain';
import { getService } from '../utils/plugin';
import { readCsv, uncell, csvCell } from '../utils/csv';
import { datesOf, type OfferRow, type SubscriptionRow } from '../repositories/mappers';
import { offerRepository } from '../repositories/offers';
import { memberRepository } from '../repositories/members';
import { subscriptionRepository } from '../repositories/subscriptions';
import { offerOf, type MemberChange } from './member-changes';
import type { ImportAction, ImportColumn, ImportRowResult, ImportSummary } from '../contract/import';

/** The columns an import reads (others, such as the export's `documentId`, are ignored). */
export const IMPORT_COLUMNS = ['email', 'username', 'name', 'offer', 'startsAt', 'dueAt', 'endsAt', 'status', 'source'] as const;
/** Rows decided and written together (one transaction each when applying). */
const BATCH = 100;
/** Per-row results a summary keeps (the counts cover every row; `onRow` sees every row). */
const KEEP_ROWS = 1000;
/** Refused rows a summary keeps for its report. */
const KEEP_REFUSED = 10_000;

export interface ImportOptions {
  /** Decide and report, write nothing (default true: a dry run is what you get unless you ask). */
  dryRun?: boolean;
  /** Queue the welcome e-mail (set-password link) for members the import creates (default false). */
  sendWelcome?: boolean;
  /** Called with every row's result, in order (a script's progress, a report of any length). */
  onRow?: (row: ImportRowResult) => void | Promise<void>;
  /** The number of the file's first data row (when the file is sent in parts); default 1. */
  firstRow?: number;
  cause?: HistoryCause;
  now?: Date;
}

interface ParsedRow {
  row: number;
  values: Record<string, string>;
  email: string;
  username: string | null;
  name: string | null;
  offerRef: string;
  patch: DatesPatch;
  status: Status | null;
  source: Source;
}

class RowError extends Error {
  constructor(readonly column: ImportColumn | 'row', message: string) {
    super(message);
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const isoDate = (column: ImportColumn, text: string): Date | null => {
  if (text === '') return null;
  const parsed = DateTime.fromISO(text, { zone: 'utc' });
  if (!parsed.isValid) throw new RowError(column, `${column}: "${text.slice(0, 40)}" is not an ISO 8601 date`);
  return parsed.toJSDate();
};

const time = (d: Date | null | undefined) => (d === null || d === undefined ? null : d.getTime());

/** A CSV row as the import reads it, or the error naming its column. */
export const parseRow = (row: number, values: Record<string, string>): ParsedRow => {
  const email = values.email.trim().toLowerCase();
  if (email === '') throw new RowError('email', 'email is required');
  if (!EMAIL.test(email) || email.length > 254) throw new RowError('email', `email: "${email.slice(0, 60)}" is not an e-mail address`);
  const offerRef = values.offer.trim();
  if (offerRef === '') throw new RowError('offer', 'offer is required (documentId, title or Click2Sell product id)');
  const username = values.username.trim() || null;
  if (username !== null && username.length < 3) throw new RowError('username', 'username: at least 3 characters');
  const startsAt = isoDate('startsAt', values.startsAt.trim());
  const dueAt = isoDate('dueAt', values.dueAt.trim());
  const endsAt = isoDate('endsAt', values.endsAt.trim());
  const status = values.status.trim().toLowerCase();
  if (status !== '' && !(STATUSES as readonly string[]).includes(status)) {
    throw new RowError('status', `status: "${status.slice(0, 20)}" is not one of ${STATUSES.join(', ')}`);
  }
  const source = values.source.trim().toLowerCase();
  if (source !== '' && !(SOURCES as readonly string[]).includes(source)) {
    throw new RowError('source', `source: "${source.slice(0, 20)}" is not one of ${SOURCES.join(', ')}`);
  }
  // Both end dates empty: derived from the offer. One given: an empty endsAt is no hard end
  // (a recurring plan), an empty dueAt follows endsAt.
  const patch: DatesPatch = {};
  if (startsAt) patch.startsAt = startsAt;
  if (dueAt || endsAt) {
    patch.endsAt = endsAt;
    if (dueAt) patch.dueAt = dueAt;
  }
  return {
    row,
    values,
    email,
    username,
    name: values.name.trim() || null,
    offerRef,
    patch,
    status: status === '' ? null : (status as Status),
    source: source === '' ? 'manual' : (source as Source),
  };
};

/** Whether a stored subscription is what a row describes: same offer, and every date the row gives. */
const matches = (s: MemberSubscription, offerId: number, patch: DatesPatch) =>
  s.offer?.id === offerId &&
  (patch.startsAt === undefined || time(s.startsAt) === time(patch.startsAt)) &&
  (patch.dueAt === undefined || time(s.dueAt) === time(patch.dueAt)) &&
  (patch.endsAt === undefined || time(s.endsAt) === time(patch.endsAt));

/**
 * What a row does to a member's state: nothing (the subscription is there already), extend (a
 * subscription of the offer with the row's start exists, with other end dates), or create. The
 * event is checked by the domain itself (dates in order…), so a dry run refuses what the write
 * would.
 */
const decide = (
  state: MemberState,
  row: ParsedRow,
  offer: OfferRow,
  now: Date,
  settings: Parameters<typeof applyToMember>[3]
): { action: Exclude<ImportAction, 'error'>; event: MemberEvent | null } => {
  // A cancelled or refunded row whose subscription (same offer and start) is so already is there
  // too, whatever its end: cancelling or refunding moved the end the row gives.
  const alreadyEnded = (s: MemberSubscription) =>
    s.offer?.id === offer.id &&
    row.patch.startsAt !== undefined &&
    time(s.startsAt) === time(row.patch.startsAt) &&
    (row.status === 'cancelled' ? s.cancelledAt !== null : row.status === 'refunded' && s.status === 'refunded');
  if (state.subscriptions.some((s) => matches(s, offer.id, row.patch) || alreadyEnded(s))) return { action: 'duplicate', event: null };
  const sameStart =
    row.patch.startsAt === undefined ? undefined : state.subscriptions.find((s) => s.offer?.id === offer.id && time(s.startsAt) === time(row.patch.startsAt));
  const event: MemberEvent = sameStart
    ? { type: 'edit', subscriptionId: sameStart.id, patch: { dueAt: row.patch.dueAt, endsAt: row.patch.endsAt }, status: row.status }
    : { type: 'create', offer: offerOf(offer), patch: row.patch, status: row.status, source: row.source };
  try {
    applyToMember(state, event, now, settings);
  } catch (error) {
    if (isDomainError(error)) {
      const field = (error as { field: string }).field;
      const column = (IMPORT_COLUMNS as readonly string[]).includes(field) ? (field as ImportColumn) : 'row';
      throw new RowError(column, error instanceof Error ? error.message : String(error));
    }
    throw error;
  }
  return { action: sameStart ? 'extend' : 'create', event };
};

const subscriptionOf = (row: SubscriptionRow): MemberSubscription => ({
  ...datesOf(row),
  id: row.id,
  offer: row.offer ? offerOf(row.offer) : null,
  source: (row.source ?? 'manual') as Source,
});

/** The refused rows as CSV: the row number, the column at fault, the error, then the row as given. */
export const refusedCsv = (rows: readonly ImportRowResult[]): string =>
  ['row', 'column', 'error', ...IMPORT_COLUMNS].join(',') +
  '\r\n' +
  rows
    .filter((r) => r.action === 'error')
    .map((r) => [r.row, r.column ?? '', r.error ?? '', ...IMPORT_COLUMNS.map((c) => r.values[c] ?? '')].map(csvCell).join(',') + '\r\n')
    .join('');

/**
 * Imports members and subscriptions from CSV (README, "Import subscriptions (CSV)"). Reads the
 * stream a record at a time and works in batches of 100 rows, so a file of any length runs in
 * constant memory. Every subscription change goes through the write path (member-changes).
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const offers = offerRepository(strapi);
  const members = memberRepository(strapi);
  const subscriptions = subscriptionRepository(strapi);

  const run = async (input: AsyncIterable<string | Buffer | Uint8Array>, options: ImportOptions = {}): Promise<ImportSummary> => {
    const dryRun = options.dryRun ?? true;
    const cause: HistoryCause = options.cause ?? { kind: 'api', label: 'CSV import' };
    const config = await getService(strapi, 'settings').get();
    const memberSettings = { renewalWindowHours: config.renewalWindowHours, stackingMode: config.stackingMode, graceHours: config.graceHours };
    const nowOf = () => options.now ?? getService(strapi, 'clock').now();
    const summary: ImportSummary = {
      dryRun,
      total: 0,
      created: 0,
      extended: 0,
      duplicates: 0,
      usersCreated: 0,
      refused: 0,
      rows: [],
      refusedRows: [],
      truncated: false,
    };
    const offerCache = new Map<string, OfferRow | null>();
    const findOffer = async (ref: string): Promise<OfferRow | null> => {
      if (offerCache.has(ref)) return offerCache.get(ref)!;
      const offer =
        (/^[a-z0-9]{20,}$/.test(ref) ? await offers.findByRef({ documentId: ref }) : null) ??
        (await offers.findByProductId(ref)) ??
        (await offers.findByTitle(ref));
      if (offerCache.size > 1000) offerCache.clear();
      offerCache.set(ref, offer);
      return offer;
    };

    const record = async (result: ImportRowResult) => {
      summary.total += 1;
      if (result.action === 'create') summary.created += 1;
      else if (result.action === 'extend') summary.extended += 1;
      else if (result.action === 'duplicate') summary.duplicates += 1;
      else summary.refused += 1;
      if (result.userCreated) summary.usersCreated += 1;
      if (summary.rows.length < KEEP_ROWS) summary.rows.push(result);
      else summary.truncated = true;
      if (result.action === 'error' && summary.refusedRows.length < KEEP_REFUSED) summary.refusedRows.push(result);
      await options.onRow?.(result);
    };
    const refuse = (row: number, values: Record<string, string>, error: unknown): ImportRowResult => {
      if (!(error instanceof RowError)) strapi.log.warn(`subscriptions: import row ${row} failed: ${(error as Error).message}`);
      return {
        row,
        action: 'error',
        userCreated: false,
        email: values.email || null,
        offer: values.offer || null,
        column: error instanceof RowError ? error.column : 'row',
        error: error instanceof RowError ? error.message : `could not be written: ${(error as Error).message}`,
        values,
      };
    };

    /** Decides (and, unless a dry run, writes) rows of distinct members. */
    const decideBatch = async (rows: ParsedRow[], write: boolean): Promise<ImportRowResult[]> => {
      const now = nowOf();
      const results: ImportRowResult[] = [];
      const found = new Map<string, { id: number } | null>();
      for (const row of rows) found.set(row.email, await members.findByEmail(row.email));
      const created = new Set<number>();
      if (write) {
        for (const row of rows) {
          if (found.get(row.email)) continue;
          // A member is created only for a row that will be written: its offer found, its dates
          // accepted on an empty state (what a new member has).
          const offer = await findOffer(row.offerRef);
          if (!offer) continue;
          try {
            decide({ subscriptions: [], payments: [], pending: [] }, row, offer, now, memberSettings);
          } catch (error) {
            if (error instanceof RowError) continue;
            throw error;
          }
          const made = await getService(strapi, 'members').findOrCreate(row.email, { username: row.username });
          found.set(row.email, made.user);
          if (made.created) created.add(made.user.id);
        }
      }
      const ids = [...found.values()].filter((u): u is { id: number } => !!u).map((u) => u.id);
      if (write) await members.lock(ids);
      const snapshots = await subscriptions.snapshotOf(ids);
      const changes: MemberChange[] = [];
      for (const row of rows) {
        try {
          const offer = await findOffer(row.offerRef);
          if (!offer) throw new RowError('offer', `offer: no offer with documentId, Click2Sell product id or title "${row.offerRef.slice(0, 60)}"`);
          const user = found.get(row.email) ?? null;
          const state: MemberState = { subscriptions: (user ? snapshots.get(user.id)?.rows ?? [] : []).map(subscriptionOf), payments: [], pending: [] };
          const { action, event } = decide(state, row, offer, now, memberSettings);
          if (event && user) {
            changes.push({ userId: user.id, event, cause, ...(row.name && event.type === 'create' ? { purchase: { buyerName: row.name.slice(0, 255) } } : {}) });
          }
          results.push({
            row: row.row,
            action,
            userCreated: user ? created.has(user.id) : true,
            email: row.email,
            offer: offer.title,
            values: row.values,
          });
        } catch (error) {
          if (!(error instanceof RowError)) throw error;
          results.push(refuse(row.row, row.values, error));
        }
      }
      if (write && changes.length > 0) {
        await getService(strapi, 'memberChanges').applyMany(changes, { now, cause });
        if (options.sendWelcome) {
          for (const row of rows) {
            const user = found.get(row.email);
            const result = results.find((r) => r.row === row.row);
            if (!user || !created.has(user.id) || result?.action === 'error') continue;
            await getService(strapi, 'messages').enqueue(
              { kind: 'welcome', to: row.email, userId: user.id, dedupeKey: `welcome:${user.id}`, data: { offerTitle: result?.offer ?? null, name: row.name } },
              now
            );
          }
        }
      }
      for (const id of created) getService(strapi, 'memberChanges').emitAfterCommit('subscriptions.user.created', { user: { id }, source: 'import' });
      return results;
    };

    const flush = async (rows: ParsedRow[]) => {
      if (rows.length === 0) return;
      let results: ImportRowResult[];
      if (dryRun) results = await decideBatch(rows, false);
      else {
        try {
          results = await strapi.db.transaction(() => decideBatch(rows, true));
        } catch (error) {
          // One row the database refused: the others go on, one transaction each.
          results = [];
          for (const row of rows) {
            try {
              results.push(...(await strapi.db.transaction(() => decideBatch([row], true))));
            } catch (one) {
              results.push(refuse(row.row, row.values, one));
            }
          }
        }
        if (options.sendWelcome && results.some((r) => r.userCreated)) getService(strapi, 'messages').deliverSoon();
      }
      for (const result of results) await record(result);
    };

    let header: Map<string, number> | null = null;
    let batch: ParsedRow[] = [];
    let emails = new Set<string>();
    let rowNumber = (options.firstRow ?? 1) - 1;
    for await (const { cells } of readCsv(input)) {
      if (!header) {
        header = new Map(cells.map((c, i) => [c.trim().replace(/^"|"$/g, ''), i]));
        for (const required of ['email', 'offer'] as const) {
          if (!header.has(required)) throw new ImportFileError(required, `the CSV header has no "${required}" column (columns: ${IMPORT_COLUMNS.join(', ')})`);
        }
        continue;
      }
      if (cells.length === 1 && cells[0].trim() === '') continue;
      rowNumber += 1;
      const values = Object.fromEntries(
        IMPORT_COLUMNS.map((c) => [c, header!.has(c) ? uncell(cells[header!.get(c)!] ?? '').slice(0, 1000) : ''])
      ) as Record<string, string>;
      let parsed: ParsedRow;
      try {
        parsed = parseRow(rowNumber, values);
      } catch (error) {
        await flush(batch);
        batch = [];
        emails = new Set();
        await record(refuse(rowNumber, values, error));
        continue;
      }
      // One member once per batch: a second row of theirs is decided after the first is written.
      if (emails.has(parsed.email) || batch.length >= BATCH) {
        await flush(batch);
        batch = [];
        emails = new Set();
      }
      batch.push(parsed);
      emails.add(parsed.email);
    }
    if (!header) throw new ImportFileError('email', 'the CSV is empty: it needs a header line (email, offer, …)');
    await flush(batch);
    return summary;
  };

  return { run, refusedCsv, columns: IMPORT_COLUMNS };
};

/** The file itself is unusable (no header, a column missing, broken quoting). */
export class ImportFileError extends Error {
  constructor(readonly column: string, message: string) {
    super(message);
  }
}

