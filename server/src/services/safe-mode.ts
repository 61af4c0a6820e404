import type { Core } from '@strapi/strapi';
import { DomainError } from '../domain';
import { messageRepository } from '../repositories/messages';
import type { SafeModeReason, SafeModeState } from '../contract';

const STORE_KEY = 'safeMode';

interface Stored {
  /** The live site's host (`server.url`), recorded on the first production boot or by an admin. */
  liveHost?: string | null;
  confirmedAt?: string | null;
  confirmedBy?: number | null;
}

/** The host of an absolute URL, lower-cased; null for anything else (empty, relative). */
export const hostOf = (url: unknown): string | null => {
  if (typeof url !== 'string' || url.trim() === '') return null;
  try {
    return new URL(url).host.toLowerCase() || null;
  } catch {
    return null;
  }
};

/** Whether SUBSCRIPTIONS_SAFE_MODE asks for safe mode (true, 1, yes, on). */
export const safeModeFromEnv = (value = process.env.SUBSCRIPTIONS_SAFE_MODE): boolean =>
  ['true', '1', 'yes', 'on'].includes(String(value ?? '').trim().toLowerCase());

/**
 * Staging safe mode: a copy of the live database (staging, a developer's machine) must not
 * e-mail real members. E-mails to members are held (status `held`, kept in the messages log)
 * when SUBSCRIPTIONS_SAFE_MODE=true, or when the host of `server.url` is not the one recorded
 * as the live site's (on the first production boot, or by an admin's confirmation). An admin
 * with settings.update confirms "this is the live site": the host is recorded and held messages
 * go out on the next delivery run. Roles and subscriptions are never affected.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const store = () => strapi.store({ type: 'plugin', name: 'subscriptions' });
  const outbox = messageRepository(strapi);

  const stored = async (): Promise<Stored> => ((await store().get({ key: STORE_KEY })) ?? {}) as Stored;
  const currentHost = () => hostOf(strapi.config.get('server.url'));

  const reasonOf = (saved: Stored): SafeModeReason | null => {
    if (safeModeFromEnv()) return 'env';
    if (saved.liveHost && saved.liveHost !== currentHost()) return 'host-changed';
    return null;
  };

  /** True when no e-mail may go to members now (one store read). */
  const isHeld = async (): Promise<boolean> => reasonOf(await stored()) !== null;

  const state = async (): Promise<SafeModeState> => {
    const saved = await stored();
    const reason = reasonOf(saved);
    return {
      held: reason !== null,
      reason,
      currentHost: currentHost(),
      liveHost: saved.liveHost ?? null,
      confirmedAt: saved.confirmedAt ?? null,
      heldMessages: await outbox.countByStatus('held'),
    };
  };

  /** On boot: a production site with no live host recorded records its own (its first boot). */
  const recordFirstBoot = async () => {
    if (process.env.NODE_ENV !== 'production') return;
    const saved = await stored();
    const host = currentHost();
    if (saved.liveHost || !host) return;
    await store().set({ key: STORE_KEY, value: { ...saved, liveHost: host } });
    strapi.log.info(`subscriptions: live site recorded as ${host} (e-mails are held on any other host until an admin confirms it)`);
  };

  /** "This is the live site": records the current host; held messages go out on the next run. */
  const confirmLive = async (adminId: number | null, now: Date): Promise<SafeModeState> => {
    if (safeModeFromEnv()) {
      throw new DomainError(
        'SUBSCRIPTIONS_SAFE_MODE',
        'SUBSCRIPTIONS_SAFE_MODE=true holds every e-mail on this site: remove it from the environment to send'
      );
    }
    const saved = await stored();
    await store().set({ key: STORE_KEY, value: { ...saved, liveHost: currentHost(), confirmedAt: now.toISOString(), confirmedBy: adminId } });
    strapi.log.info(`subscriptions: an admin confirmed ${currentHost() ?? '(no server.url)'} as the live site; held e-mails will be sent`);
    return state();
  };

  return { isHeld, state, recordFirstBoot, confirmLive, currentHost };
};
