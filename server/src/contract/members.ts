import type { HistoryEntryRecord } from './history';

/**
 * A member's personal data (GDPR): `GET /subscriptions/members/:id/export` answers one JSON file
 * (attachment) with everything the plugin holds about a users-permissions user;
 * `POST /subscriptions/members/:id/erase` replaces their personal data in place.
 * Both need the `plugin::subscriptions.members.gdpr` permission.
 */

export interface MemberExport {
  /** Format of this file; raised when a part changes shape. */
  format: 'subscriptions-member-export/1';
  exportedAt: string;
  /** The users-permissions user: every field but the password hash and one-time tokens. */
  user: Record<string, unknown> & { id: number; email: string | null; username: string | null };
  /** Each subscription (with its offer's title) and its history, newest entry first. */
  subscriptions: (Record<string, unknown> & { id: number; documentId: string; history: HistoryEntryRecord[] })[];
  /** Member-level history entries (role changes, an erasure), newest first. */
  history: HistoryEntryRecord[];
  /** Their payment-log rows (linked to them, or carrying their e-mail), payloads as stored. */
  paymentEvents: Record<string, unknown>[];
  /** The e-mails sent (or queued) to them, with the data they were rendered from. */
  messages: Record<string, unknown>[];
}

/** `POST /subscriptions/members/:id/erase` body: the member's current e-mail, typed to confirm. */
export interface EraseRequest {
  confirm: string;
}

/** What an erasure did. */
export interface EraseResult {
  userId: number;
  /** The placeholder that replaced the e-mail (`erased-<id>@invalid`). */
  email: string;
  subscriptionsEnded: number;
  paymentEvents: number;
  messages: number;
  messagesSkipped: number;
  historyEntries: number;
}
