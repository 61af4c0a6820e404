import type { Core } from '@strapi/strapi';
import { messageRepository, type BatchMessage } from '../repositories/messages';

export type { BatchMessage } from '../repositories/messages';

/**
 * The scheduler's batch write to the outbox, now `messageRepository(strapi).enqueueMany`: kept
 * only until its last caller (services/scheduler.ts) calls the repository; then delete this file.
 */
export const enqueueMany = (strapi: Core.Strapi, messages: readonly BatchMessage[], now: Date): Promise<{ created: number } | false> =>
  messageRepository(strapi).enqueueMany(messages, now);
