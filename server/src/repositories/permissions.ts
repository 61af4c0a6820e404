import type { Core } from '@strapi/strapi';
import { UID } from '../content-types';

const PERMISSION = 'plugin::users-permissions.permission';

/**
 * Queries on users-permissions' roles and permissions that the plugin's grants and settings
 * need: which roles exist, and whether a role holds an action.
 */
export const permissionRepository = (strapi: Core.Strapi) => {
  /** How many of these role types exist. */
  const countRolesOfTypes = async (types: readonly string[]): Promise<number> =>
    Number(await strapi.db.query(UID.role).count({ where: { type: { $in: [...types] } } }));

  /** The id of the role of this type, if there is one. */
  const roleIdOfType = async (type: string): Promise<number | null> => {
    const role = (await strapi.db.query(UID.role).findOne({ where: { type } })) as { id: number } | null;
    return role?.id ?? null;
  };

  const roleExists = async (id: number): Promise<boolean> =>
    !!(await strapi.db.query(UID.role).findOne({ where: { id }, select: ['id'] }));

  /** Gives a role an action unless it holds it already. */
  const ensurePermission = async (roleId: number, action: string) => {
    const exists = await strapi.db.query(PERMISSION).findOne({ where: { action, role: { id: roleId } } });
    if (!exists) await strapi.db.query(PERMISSION).create({ data: { action, role: roleId } });
  };

  return { countRolesOfTypes, roleIdOfType, roleExists, ensurePermission };
};

export type PermissionRepository = ReturnType<typeof permissionRepository>;
