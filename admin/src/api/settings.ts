import { useFetchClient } from '@strapi/strapi/admin';
import { apiPath, useGet } from './client';
import type { RolesResponse, SettingsResponse, SettingsUpdate, SettingsView } from './contract';

/** Settings → Subscriptions: the settings, and the roles a fallback role is chosen from. */

export const useSettings = () => useGet<SettingsResponse>(apiPath('/settings'));

export const useRoles = () => useGet<RolesResponse>(apiPath('/roles'));

/** Saves the settings; the answer is the settings as now stored. */
export const useSaveSettings = () => {
  const { put } = useFetchClient();
  return async (update: SettingsUpdate): Promise<SettingsView> =>
    (await put<SettingsResponse>(apiPath('/settings'), update)).data.data;
};
