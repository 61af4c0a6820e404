import * as React from 'react';
import { useFetchClient, useNotification } from '@strapi/strapi/admin';
import { PLUGIN_ID } from '../pluginId';

/**
 * What the area modules of this folder share: where the plugin's admin routes are, query strings,
 * reading a server error, and a GET that reloads. Pages call the area modules, never these paths.
 */

type QueryValue = string | number | undefined | null;

/** Query string from an object, leaving out empty values. */
export const qs = (params: object) =>
  Object.entries(params as Record<string, QueryValue>)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');

/** A route of server/src/routes/admin.ts (served under the plugin's id), with its query. */
export const apiPath = (path: string, query?: object) => {
  const search = query ? qs(query) : '';
  return `/${PLUGIN_ID}${path}${search ? `?${search}` : ''}`;
};

/** One segment of a path (a documentId from the address bar, say). */
export const segment = (value: string) => encodeURIComponent(value);

/** A field-named error from the server: `{ field: message }` for the form, or a general message. */
export const errorsOf = (error: unknown): { fields: Record<string, string>; message: string } => {
  const data = (error as { response?: { data?: { error?: any } } })?.response?.data?.error;
  const fields: Record<string, string> = {};
  for (const e of data?.details?.errors ?? []) {
    if (Array.isArray(e.path) && e.path.length) fields[e.path.join('.')] = e.message;
  }
  return { fields, message: data?.message ?? (error as Error)?.message ?? 'Error' };
};

/**
 * GET a route (none while `path` is null), again when `path` or `key` change or on `reload()`;
 * an error becomes a notification. The last answer stays while the next one loads.
 */
export const useGet = <T>(path: string | null, key: unknown = null) => {
  const { get } = useFetchClient();
  const { toggleNotification } = useNotification();
  const [data, setData] = React.useState<T | null>(null);
  const [loading, setLoading] = React.useState(true);
  const [version, setVersion] = React.useState(0);
  React.useEffect(() => {
    if (!path) return;
    let live = true;
    setLoading(true);
    get<T>(path)
      .then((res) => {
        if (live) setData(res.data);
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
  }, [path, key, version]);
  return { data, loading, reload: () => setVersion((v) => v + 1) };
};
