import { useFetchClient } from '@strapi/strapi/admin';
import { apiPath, useGet } from './client';
import type { SafeModeResponse, SafeModeState } from './contract';

/** Staging safe mode: whether e-mails to members are held, and "this is the live site". */

export const useSafeMode = () => useGet<SafeModeResponse>(apiPath('/safe-mode'));

/** Records this host as the live site's; held e-mails go out on the next delivery run. */
export const useConfirmLiveSite = () => {
  const { post } = useFetchClient();
  return async (): Promise<SafeModeState> => (await post<SafeModeResponse>(apiPath('/safe-mode/confirm'), {})).data.data;
};
