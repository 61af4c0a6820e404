import { useIntl } from 'react-intl';
import { PLUGIN_ID } from '../pluginId';

/**
 * Marks a translation key held in a table (statuses, sources…) so the translation check
 * (tests/unit/translations.test.ts) finds it; returns the key unchanged.
 */
export const msg = (key: string) => key;

/** `t('tracking.title')`: the plugin's message for a key of translations/en.json. */
export const useT = () => {
  const { formatMessage } = useIntl();
  return (key: string, values?: Record<string, string | number>) =>
    formatMessage({ id: `${PLUGIN_ID}.${key}`, defaultMessage: key }, values);
};

export const STATUS_LABELS: Record<string, string> = {
  active: msg('status.active'),
  pending: msg('status.pending'),
  expired: msg('status.expired'),
  cancelled: msg('status.cancelled'),
  refunded: msg('status.refunded'),
};

export const SOURCE_LABELS: Record<string, string> = {
  manual: msg('source.manual'),
  click2sell: msg('source.click2sell'),
  api: msg('source.api'),
};

export const PERIOD_LABELS: Record<string, string> = {
  months: msg('period.months'),
  days: msg('period.days'),
  hours: msg('period.hours'),
};
