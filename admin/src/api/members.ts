import { useFetchClient } from '@strapi/strapi/admin';
import { apiPath } from './client';
import type { DataResponse, EraseRequest, EraseResult } from './contract';

/** A member's personal data (GDPR): the JSON export of everything held about them, and erasure. */

const memberPath = (userId: number) => `/members/${encodeURIComponent(String(userId))}`;

export const useMemberData = () => {
  const { get, post } = useFetchClient();
  return {
    /** The member's data as one JSON file (a Blob to save). */
    exportData: async (userId: number): Promise<Blob> =>
      (await get(apiPath(`${memberPath(userId)}/export`), { responseType: 'blob' })).data,
    /** Erases the member's personal data; `confirm` is their current e-mail as the admin typed it. */
    erase: async (userId: number, confirm: string): Promise<EraseResult> =>
      (await post<DataResponse<EraseResult>>(apiPath(`${memberPath(userId)}/erase`), { confirm } satisfies EraseRequest)).data.data,
  };
};
