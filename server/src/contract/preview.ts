import type { DataResponse, SubscriptionStatus } from './common';

/** "What happens next": `GET /subscriptions/preview?from=&to=&limit=` (ISO instants). */
export interface PreviewQuery {
  /** Default: now. */
  from?: string;
  /** Default: `from` + 7 days; at most 92 days after `from`. */
  to?: string;
  /** Items at most (default 500, at most 2000). */
  limit?: number;
}

export type PreviewItemKind = 'activation' | 'expiry' | 'cancellation' | 'grace-end' | 'reminder';

/** One thing the scheduler will do, at the first run at or after `at`. */
export interface PreviewItem {
  kind: PreviewItemKind;
  /** The instant it becomes due (ISO). Before the window's `from`: overdue, the next run does it. */
  at: string;
  overdue: boolean;
  subscription: { id: number; documentId: string };
  member: { id: number; email: string | null; username: string | null } | null;
  offer: { id: number; documentId: string; title: string } | null;
  /** A transition: the status before and after. */
  transition?: { from: SubscriptionStatus; to: SubscriptionStatus };
  /** A reminder: its rule, the end it is about, its recipient, and whether it is sent or logged as skipped. */
  reminder?: {
    ruleId: number;
    amount: number;
    period: string;
    when: 'before' | 'after';
    endsAt: string;
    to: string;
    action: 'send' | 'skip';
    reason?: string;
    dedupeKey: string;
  };
}

export interface Preview {
  from: string;
  to: string;
  limit: number;
  items: PreviewItem[];
  /** More items than `limit` fall in the window: `items` are the earliest ones, complete up to `completeUntil`. */
  truncated: boolean;
  completeUntil: string;
}

export type PreviewResponse = DataResponse<Preview>;
