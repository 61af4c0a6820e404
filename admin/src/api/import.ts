import { useFetchClient } from '@strapi/strapi/admin';
import { apiPath } from './client';
import type { ImportQuery, ImportResponse, ImportSummary } from './contract';

/** CSV import: one part of a file (its header and some rows) per call, dry run or applied. */
export const useImportPart = () => {
  const { post } = useFetchClient();
  return async (csv: string, query: Omit<ImportQuery, 'report'>): Promise<ImportSummary> => {
    const form = new FormData();
    form.append('file', new Blob([csv], { type: 'text/csv' }), 'import.csv');
    return (await post<ImportResponse>(apiPath('/import', query), form)).data.data;
  };
};
