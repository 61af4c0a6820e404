import type { DataResponse } from './common';

/** Staging safe mode: `GET /subscriptions/safe-mode`, `POST /subscriptions/safe-mode/confirm`. */

/**
 * Why e-mails to members are held: `env` (SUBSCRIPTIONS_SAFE_MODE=true, which only the
 * environment can lift) or `host-changed` (server.url's host is not the live site's recorded one).
 */
export type SafeModeReason = 'env' | 'host-changed';

export interface SafeModeState {
  /** True: no e-mail goes to members; messages wait with status `held`. */
  held: boolean;
  reason: SafeModeReason | null;
  /** The host of `server.url` now (null when it is not an absolute URL). */
  currentHost: string | null;
  /** The live site's host, recorded on the first production boot or by a confirmation. */
  liveHost: string | null;
  /** When an admin last confirmed "this is the live site" (ISO), if ever. */
  confirmedAt: string | null;
  /** Messages waiting with status `held`. */
  heldMessages: number;
}

/** `GET /subscriptions/safe-mode` and `POST /subscriptions/safe-mode/confirm`. */
export type SafeModeResponse = DataResponse<SafeModeState>;
