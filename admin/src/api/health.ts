import * as React from 'react';
import { useFetchClient } from '@strapi/strapi/admin';
import { apiPath } from './client';
import type { HealthReport, HealthResponse } from './contract';

/** How often an open page asks again (the scheduler runs every minute by default). */
const REFRESH_MS = 60_000;

/**
 * The scheduler's health (`GET /health`): the banner of every page and the Tracking page's last
 * run and backlog. Read again every minute. Silent on error: an admin who may not read it (or a
 * server that does not answer) simply gets no banner, never a notification on every page.
 */
export const useSchedulerHealth = (): HealthReport | null => {
  const { get } = useFetchClient();
  const [report, setReport] = React.useState<HealthReport | null>(null);
  React.useEffect(() => {
    let live = true;
    const load = () =>
      get<HealthResponse>(apiPath('/health'))
        .then((res) => {
          if (live) setReport(res.data.data);
        })
        .catch(() => undefined);
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return report;
};
