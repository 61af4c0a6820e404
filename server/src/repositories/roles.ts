import type { Core } from '@strapi/strapi';
import { UID } from '../content-types';

/** Queries on users-permissions roles and its settings that the role rule needs. */
export const roleRepository = (strapi: Core.Strapi) => {
  /** The role users-permissions gives new users (its "default role" setting, else Authenticated). */
  const defaultRoleId = async (): Promise<number> => {
    const advanced = (await strapi.store({ type: 'plugin', name: 'users-permissions', key: 'advanced' }).get()) as {
      default_role?: string;
    } | null;
    const type = advanced?.default_role ?? 'authenticated';
    const role = (await strapi.db.query(UID.role).findOne({ where: { type }, select: ['id'] })) as { id: number } | null;
    if (!role) throw new Error(`users-permissions default role "${type}" does not exist`);
    return role.id;
  };

  return { defaultRoleId };
};
