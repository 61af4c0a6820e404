/**
 * The admin API's types, from the server's contract (server/src/contract): the one place the
 * admin reaches into the server's folder. Types only, imported with `import type` everywhere,
 * so nothing of the server enters the admin bundle.
 */
export type * from '../../../server/src/contract';
