/**
 * The admin API's contract: the request bodies, queries and responses of the routes in
 * routes/admin.ts, as the admin panel sees them (JSON: dates are ISO strings).
 *
 * Types only, no runtime code: the admin imports them with `import type`, so nothing of the
 * server enters its bundle, and the controllers check what they answer against them
 * (`satisfies`), so a change on either side that breaks the other fails `npm run typecheck`.
 */
export type * from './common';
export type * from './settings';
export type * from './tracking';
export type * from './offers';
export type * from './subscriptions';
export type * from './logs';
export type * from './emails';
export type * from './safe-mode';
export type * from './preview';
export type * from './health';
export type * from './history';
export type * from './member-api';
export type * from './members';
export type * from './import';
