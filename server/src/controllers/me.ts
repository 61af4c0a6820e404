import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { isActiveAt } from '../domain';
import { datesOf } from '../repositories/mappers';
import { getService } from '../utils/plugin';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** The authenticated member's subscriptions and effective role. */
  async find(ctx: any) {
    const user = ctx.state.user as { id: number; role?: { id: number; name: string; type: string } | null } | undefined;
    if (!user) throw new errors.UnauthorizedError('Log in to see your subscriptions');
    const now = getService(strapi, 'clock').now();
    // One query: the subscriptions with their offers; the role follows from them (and from the
    // role users-permissions' authentication has just read with the user).
    const known = user.role && typeof user.role === 'object' ? { id: user.role.id, name: user.role.name, type: user.role.type } : null;
    const { rows, role } = await getService(strapi, 'subscriptions').accessOf(user.id, known, now);
    ctx.body = {
      data: {
        role,
        subscriptions: rows.map((row) => ({
          documentId: row.documentId,
          offer: row.offer ? { documentId: row.offer.documentId, title: row.offer.title } : null,
          status: row.status,
          startsAt: datesOf(row).startsAt,
          dueAt: datesOf(row).dueAt,
          endsAt: datesOf(row).endsAt,
          cancelledAt: datesOf(row).cancelledAt,
          active: isActiveAt(datesOf(row), now),
        })),
      },
    };
  },
});
