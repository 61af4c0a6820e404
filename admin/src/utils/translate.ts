import { useIntl } from 'react-intl';
import { PLUGIN_ID } from '../pluginId';
import type {
  HistoryCauseKind,
  HistoryKind,
  Locale,
  MessageKind,
  Period,
  SubscriptionSource,
  SubscriptionStatus,
  TemplateKind,
} from '../api/contract';

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

export type Translate = ReturnType<typeof useT>;

/** A table of labels (value → key) as the options of a select, in the admin's language. */
export const optionsOf = (t: Translate, labels: Record<string, string>, values = Object.keys(labels)) =>
  values.map((value) => ({ value, label: t(labels[value]) }));

// The tables below name every value of the server's contract (`satisfies`): a value added there
// without a label here fails the typecheck. They are read with any string (what the rows hold).

export const STATUS_LABELS: Record<string, string> = {
  active: msg('status.active'),
  pending: msg('status.pending'),
  expired: msg('status.expired'),
  cancelled: msg('status.cancelled'),
  refunded: msg('status.refunded'),
} satisfies Record<SubscriptionStatus, string>;

export const SOURCE_LABELS: Record<string, string> = {
  manual: msg('source.manual'),
  click2sell: msg('source.click2sell'),
  api: msg('source.api'),
  self: msg('source.self'),
} satisfies Record<SubscriptionSource, string>;

export const PERIOD_LABELS: Record<string, string> = {
  months: msg('period.months'),
  days: msg('period.days'),
  hours: msg('period.hours'),
} satisfies Record<Period, string>;

const TEMPLATE_KINDS = {
  reminder: msg('message.kind.reminder'),
  welcome: msg('message.kind.welcome'),
  expiry: msg('message.kind.expiry'),
  receipt: msg('message.kind.receipt'),
} satisfies Record<TemplateKind, string>;

/** The messages whose template the settings edit. */
export const TEMPLATE_KIND_LABELS: Record<string, string> = TEMPLATE_KINDS;

/** Every message of the log: the templated ones and the settings' test. */
export const MESSAGE_KIND_LABELS: Record<string, string> = {
  ...TEMPLATE_KINDS,
  test: msg('message.kind.test'),
} satisfies Record<MessageKind, string>;

export const LOCALE_LABELS: Record<string, string> = {
  en: msg('locale.en'),
  fr: msg('locale.fr'),
} satisfies Record<Locale, string>;

export const HISTORY_KIND_LABELS: Record<string, string> = {
  created: msg('history.kind.created'),
  renewed: msg('history.kind.renewed'),
  'dates-edited': msg('history.kind.dates-edited'),
  cancelled: msg('history.kind.cancelled'),
  refunded: msg('history.kind.refunded'),
  activated: msg('history.kind.activated'),
  expired: msg('history.kind.expired'),
  'grace-ended': msg('history.kind.grace-ended'),
  deleted: msg('history.kind.deleted'),
  'role-changed': msg('history.kind.role-changed'),
  erased: msg('history.kind.erased'),
} satisfies Record<HistoryKind, string>;

export const HISTORY_CAUSE_LABELS: Record<string, string> = {
  payment: msg('history.cause.payment'),
  admin: msg('history.cause.admin'),
  'content-manager': msg('history.cause.content-manager'),
  scheduler: msg('history.cause.scheduler'),
  member: msg('history.cause.member'),
  api: msg('history.cause.api'),
} satisfies Record<HistoryCauseKind, string>;
