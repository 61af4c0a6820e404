import type { DataResponse } from './common';

/**
 * CSV import: `POST /subscriptions/import?dryRun=true|false&sendWelcome=false&firstRow=1` with
 * the CSV as the body (`Content-Type: text/csv`). A dry run decides every row and writes nothing.
 */

/** The columns an import reads; `row` names an error of the whole row (not one column's). */
export type ImportColumn = 'email' | 'username' | 'name' | 'offer' | 'startsAt' | 'dueAt' | 'endsAt' | 'status' | 'source';

/** What a row does: a new subscription, new end dates on the offer's subscription with the row's start, nothing (already there), or refused. */
export type ImportAction = 'create' | 'extend' | 'duplicate' | 'error';

export interface ImportRowResult {
  /** The data row's number in the file (1 = the line after the header). */
  row: number;
  action: ImportAction;
  /** The member does not exist and is (or, in a dry run, would be) created. */
  userCreated: boolean;
  email: string | null;
  /** The offer's title once found, else the row's `offer` cell. */
  offer: string | null;
  /** For `error`: the column at fault, and why. */
  column?: ImportColumn | 'row';
  error?: string;
  /** The row's cells as given (for the refused-rows report). */
  values: Record<string, string>;
}

export interface ImportSummary {
  dryRun: boolean;
  total: number;
  created: number;
  extended: number;
  duplicates: number;
  usersCreated: number;
  refused: number;
  /** The first 1,000 rows' results (the counts cover all). */
  rows: ImportRowResult[];
  /** The refused rows (up to 10,000). */
  refusedRows: ImportRowResult[];
  /** More rows than `rows` holds. */
  truncated: boolean;
}

export type ImportResponse = DataResponse<ImportSummary>;

export interface ImportQuery {
  dryRun?: boolean;
  sendWelcome?: boolean;
  firstRow?: number;
  /** `refused`: answer the refused rows as CSV instead of the summary. */
  report?: 'refused';
}
