import { useIntl } from 'react-intl';

/** Dates shown in the admin's language and the browser's time zone; empty → an em dash. */
export const useFormatDate = () => {
  const { formatDate } = useIntl();
  return (value: string | null | undefined, withTime = false) =>
    value ? formatDate(value, withTime ? { dateStyle: 'medium', timeStyle: 'short' } : { dateStyle: 'medium' }) : '—';
};

/** An ISO instant as the value of an <input type="datetime-local"> (local time). */
export const toLocalInput = (value: string | null | undefined): string => {
  if (!value) return '';
  const d = new Date(value);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

/** The value of an <input type="datetime-local"> as an ISO instant, or null when empty. */
export const fromLocalInput = (value: string): string | null => (value ? new Date(value).toISOString() : null);
