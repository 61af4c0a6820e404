import * as React from 'react';
import { useFetchClient, useNotification } from '@strapi/strapi/admin';

export interface Pagination {
  page: number;
  pageSize: number;
  total: number;
  pageCount: number;
}

export interface SubscriptionItem {
  documentId: string;
  status: 'active' | 'pending' | 'expired' | 'cancelled' | 'refunded';
  startsAt: string | null;
  dueAt: string | null;
  endsAt: string | null;
  cancelledAt: string | null;
  source: string;
  user: { id: number; documentId: string; email: string; username: string } | null;
  offer: { id: number; documentId: string; title: string; duration: number; period: string } | null;
}

/** A field-named error from the server: `{ field: message }` for the form, or a general message. */
export const errorsOf = (error: unknown): { fields: Record<string, string>; message: string } => {
  const data = (error as { response?: { data?: { error?: any } } })?.response?.data?.error;
  const fields: Record<string, string> = {};
  for (const e of data?.details?.errors ?? []) {
    if (Array.isArray(e.path) && e.path.length) fields[e.path.join('.')] = e.message;
  }
  return { fields, message: data?.message ?? (error as Error)?.message ?? 'Error' };
};

/** GET a plugin admin route, reloadable; errors become a notification. */
export const useGet = <T>(path: string | null) => {
  const { get } = useFetchClient();
  const { toggleNotification } = useNotification();
  const [data, setData] = React.useState<T | null>(null);
  const [loading, setLoading] = React.useState(true);
  const [version, setVersion] = React.useState(0);
  React.useEffect(() => {
    if (!path) return;
    let live = true;
    setLoading(true);
    get(path)
      .then((res) => {
        if (live) setData(res.data as T);
      })
      .catch((error) => {
        if (live) toggleNotification({ type: 'danger', message: errorsOf(error).message });
      })
      .finally(() => {
        if (live) setLoading(false);
      });
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [path, version]);
  return { data, loading, reload: () => setVersion((v) => v + 1) };
};

/** Query string from an object, leaving out empty values. */
export const qs = (params: Record<string, string | number | undefined | null>) =>
  Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');

/** Runs a lifecycle action (renew, cancel, refund); returns the updated subscription or null. */
export const useLifecycle = () => {
  const { post } = useFetchClient();
  const { toggleNotification } = useNotification();
  return async (action: 'renew' | 'cancel' | 'refund', documentId: string) => {
    try {
      const res = await post(`/subscriptions/subscriptions/${documentId}/${action}`);
      return (res.data as { data: { endsAt: string | null; status: string } }).data;
    } catch (error) {
      toggleNotification({ type: 'danger', message: errorsOf(error).message });
      return null;
    }
  };
};
