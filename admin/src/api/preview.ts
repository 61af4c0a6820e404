import { apiPath, useGet } from './client';
import type { PreviewQuery, PreviewResponse } from './contract';

/** "What happens next": the scheduler's transitions and reminders of a window (read-only). */

export const usePreview = (query: PreviewQuery | null, key: unknown = null) =>
  useGet<PreviewResponse>(query ? apiPath('/preview', query) : null, key);
