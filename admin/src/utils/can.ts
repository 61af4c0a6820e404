import { useRBAC } from '@strapi/strapi/admin';

/** Whether the admin holds one of `permissions` (false while they load). */
export const useCan = (permissions: { action: string; subject: null }[]): boolean => {
  const { allowedActions } = useRBAC(permissions);
  return Object.values(allowedActions).some(Boolean);
};
