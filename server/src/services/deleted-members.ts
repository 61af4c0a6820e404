import type { Core } from '@strapi/strapi';
import type { MemberDeletedMode } from '../domain';
import { getService } from '../utils/plugin';
import { memberRepository } from '../repositories/members';
import { subscriptionRepository } from '../repositories/subscriptions';
import { messageRepository } from '../repositories/messages';

/** Members handled per transaction when many users are deleted at once. */
const BATCH = 200;
export const SKIPPED_MEMBER_DELETED = 'the member was deleted';

export interface ForgetResult {
  mode: MemberDeletedMode;
  members: number;
  subscriptions: number;
  messagesSkipped: number;
}

/**
 * A users-permissions user is being deleted (Content Manager, users-permissions' own API, another
 * plugin's `strapi.documents(...).delete` or the query engine's `delete`): the database
 * lifecycles call this before the row goes (bootstrap.ts). In one transaction (the deleting
 * caller's when it has one): their subscriptions go through the one write path (setting
 * `onUserDeleted`: `end` ends them now as `cancelled` and keeps them, `delete` deletes them), the
 * kept ones lose their member link and buyer name, and every message still to be sent to them
 * is marked `skipped`: nothing reaches them afterwards.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const members = memberRepository(strapi);
  const subscriptions = subscriptionRepository(strapi);
  const outbox = messageRepository(strapi);

  const forget = async (userIds: readonly number[], options: { now?: Date } = {}): Promise<ForgetResult> => {
    const { onUserDeleted: mode } = await getService(strapi, 'settings').get();
    const result: ForgetResult = { mode, members: 0, subscriptions: 0, messagesSkipped: 0 };
    const ids = [...new Set(userIds)];
    for (let i = 0; i < ids.length; i += BATCH) {
      const part = ids.slice(i, i + BATCH);
      await strapi.db.transaction(async () => {
        const applied = await getService(strapi, 'memberChanges').applyMany(
          part.map((userId) => ({ userId, event: { type: 'member-deleted' as const, mode } })),
          options.now ? { now: options.now } : {}
        );
        result.members += applied.length;
        result.subscriptions += await subscriptions.unlinkMembers(part);
        result.messagesSkipped += await outbox.skipUnsentTo(part, SKIPPED_MEMBER_DELETED);
      });
    }
    if (ids.length > 0) {
      strapi.log.info(
        `subscriptions: ${ids.length} member(s) deleted (${mode}): ${result.subscriptions} subscription(s) unlinked, ${result.messagesSkipped} message(s) skipped`
      );
    }
    return result;
  };

  /** The users a users-permissions delete's `where` names, read before they are deleted. */
  const usersWhere = (where: unknown) =>
    where && typeof where === 'object' && Object.keys(where).length > 0 ? members.idsWhere(where as Record<string, unknown>) : Promise.resolve([]);

  return { forget, usersWhere };
};
