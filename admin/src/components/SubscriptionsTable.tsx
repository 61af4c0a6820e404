import * as React from 'react';
import { Badge, Box, Button, Field, Flex, IconButton, Link, Tabs, TextInput, Typography } from '@strapi/design-system';
import { ArrowClockwise, Clock, Cross, Download, ExternalLink, ArrowLeft, Pencil } from '@strapi/icons';
import { useNotification } from '@strapi/strapi/admin';
import { useCan } from '../utils/can';
import { PERMISSIONS } from '../permissions';
import { CONTENT_MANAGER } from '../links';
import { errorsOf } from '../api/client';
import { useOffers } from '../api/offers';
import { useSubscriptionActions } from '../api/subscriptions';
import { useExportSubscriptions, useSubscriptionList } from '../api/tracking';
import type {
  SubscriptionAction,
  SubscriptionFilterQuery,
  SubscriptionListItem,
  SubscriptionSource,
  SubscriptionStatus,
} from '../api/contract';
import { useFormatDate } from '../utils/dates';
import { usePagedFilters } from '../utils/filters';
import { SOURCE_LABELS, STATUS_LABELS, msg, optionsOf, useT } from '../utils/translate';
import { StatusBadge } from './StatusBadge';
import { HistoryModal } from './HistoryModal';
import { ConfirmDialog } from './ConfirmDialog';
import { PagedTable, type Column } from './PagedTable';
import { FilterSelect } from './FilterSelect';
import { SearchForm } from './SearchForm';

type List = 'active' | 'pending' | 'ended';

/** The filters as the form holds them ('' = none; dates as <input type="date"> days). */
type Filters = {
  list: List;
  search: string;
  offer: string;
  status: SubscriptionStatus | '';
  source: SubscriptionSource | '';
  from: string;
  to: string;
};

interface Props {
  /** Restrict to one offer (the offer page) and hide the offer filter. */
  offer?: string;
  /** Bumped by the parent to reload (e.g. after adding a subscriber). */
  reloadKey?: number;
  /** Open a subscription's dates for editing (the offer page). */
  onEditDates?: (item: SubscriptionListItem) => void;
}

const PAGE_SIZE = 20;
/** The end-date range filter: its two days. */
const END_RANGE = [
  ['from', msg('filter.endsFrom')],
  ['to', msg('filter.endsTo')],
] as const;
const ENDED_STATUSES = ['expired', 'cancelled', 'refunded'];

const CONFIRM: Record<SubscriptionAction, { title: string; body: string; button: string }> = {
  renew: { title: msg('confirm.renew.title'), body: msg('confirm.renew.body'), button: msg('action.renew') },
  cancel: { title: msg('confirm.cancel.title'), body: msg('confirm.cancel.body'), button: msg('action.cancel') },
  refund: { title: msg('confirm.refund.title'), body: msg('confirm.refund.body'), button: msg('action.refund') },
};

/** A day of an <input type="date"> as the instant it starts (local time); `next`: the day after. */
const dayStart = (day: string, next = false) =>
  day ? new Date(new Date(`${day}T00:00:00`).getTime() + (next ? 86_400_000 : 0)).toISOString() : '';

/**
 * The subscriptions lists: active, pending, ended; search by e-mail or name, filters by offer,
 * status, source and end-date range; server-side pagination; quick renew, cancel, refund; CSV
 * export of the current filter. Every action asks for confirmation and reports its result.
 */
export const SubscriptionsTable = ({ offer, reloadKey = 0, onEditDates }: Props) => {
  const t = useT();
  const formatDate = useFormatDate();
  const { toggleNotification } = useNotification();
  const actions = useSubscriptionActions();
  const exportSubscriptions = useExportSubscriptions();
  const canManage = useCan(PERMISSIONS.manage);
  const canEditDates = useCan(PERMISSIONS.subscribers);
  const { filters, setFilter, page, setPage } = usePagedFilters<Filters>({
    list: 'active',
    search: '',
    offer: '',
    status: '',
    source: '',
    from: '',
    to: '',
  });
  const [confirm, setConfirm] = React.useState<{ action: SubscriptionAction; item: SubscriptionListItem } | null>(null);
  const [busy, setBusy] = React.useState(false);
  const [history, setHistory] = React.useState<SubscriptionListItem | null>(null);

  const offers = useOffers(!offer);
  const query: SubscriptionFilterQuery = {
    list: filters.list,
    search: filters.search,
    offer: offer ?? filters.offer,
    status: filters.status || undefined,
    source: filters.source || undefined,
    from: dayStart(filters.from),
    to: dayStart(filters.to, true),
  };
  const { data, loading, reload } = useSubscriptionList({ ...query, page, pageSize: PAGE_SIZE }, reloadKey);

  const runAction = async () => {
    if (!confirm) return;
    setBusy(true);
    let updated = null;
    try {
      updated = await actions.apply(confirm.action, confirm.item.documentId);
    } catch (error) {
      toggleNotification({ type: 'danger', message: errorsOf(error).message });
    }
    setBusy(false);
    setConfirm(null);
    if (updated) {
      toggleNotification({
        type: 'success',
        message:
          confirm.action === 'renew'
            ? t('notice.renewed', { date: formatDate(updated.endsAt, true) })
            : confirm.action === 'cancel'
              ? t('notice.cancelled', { date: formatDate(updated.endsAt, true) })
              : t('notice.refunded'),
      });
    }
    reload();
  };

  /** The filter's subscriptions as CSV, or (`history`) their history entries, a row per entry. */
  const exportCsv = async (history: boolean) => {
    try {
      const url = URL.createObjectURL(await exportSubscriptions(history ? { ...query, history: true } : query));
      const a = document.createElement('a');
      a.href = url;
      a.download = `subscriptions-${filters.list}${history ? '-history' : ''}.csv`;
      a.click();
      URL.revokeObjectURL(url);
    } catch (error) {
      toggleNotification({ type: 'danger', message: errorsOf(error).message });
    }
  };

  const columns: Column<SubscriptionListItem>[] = [
    {
      label: t('column.user'),
      cell: (item) => (
        <Flex direction="column" alignItems="flex-start">
          <Typography fontWeight="semiBold">{item.user?.username ?? '—'}</Typography>
          <Typography variant="pi" textColor="neutral600">
            {item.user?.email}
          </Typography>
        </Flex>
      ),
    },
    { label: t('column.offer'), cell: (item) => <Typography>{item.offer?.title ?? '—'}</Typography> },
    { label: t('column.status'), cell: (item) => <StatusBadge status={item.status} /> },
    { label: t('column.start'), cell: (item) => <Typography>{formatDate(item.startsAt)}</Typography> },
    { label: t('column.due'), cell: (item) => <Typography>{formatDate(item.dueAt)}</Typography> },
    {
      label: t('column.end'),
      cell: (item) => (
        <Typography data-testid="ends-at">{item.endsAt ? formatDate(item.endsAt) : t('unlimited')}</Typography>
      ),
    },
    { label: t('column.source'), cell: (item) => <Badge>{t(SOURCE_LABELS[item.source] ?? 'source.api')}</Badge> },
    {
      label: t('column.actions'),
      cell: (item) => (
        <Flex gap={1}>
          {canManage && item.status !== 'refunded' && (
            <IconButton label={t('action.renew')} onClick={() => setConfirm({ action: 'renew', item })}>
              <ArrowClockwise />
            </IconButton>
          )}
          {canManage && !item.cancelledAt && (item.status === 'active' || item.status === 'pending') && (
            <IconButton label={t('action.cancel')} onClick={() => setConfirm({ action: 'cancel', item })}>
              <Cross />
            </IconButton>
          )}
          {canManage && (item.status === 'active' || item.status === 'pending') && (
            <IconButton label={t('action.refund')} onClick={() => setConfirm({ action: 'refund', item })}>
              <ArrowLeft />
            </IconButton>
          )}
          {onEditDates && canEditDates && (
            <IconButton label={t('action.editDates')} onClick={() => onEditDates(item)}>
              <Pencil />
            </IconButton>
          )}
          <IconButton label={t('action.history')} onClick={() => setHistory(item)}>
            <Clock />
          </IconButton>
          {item.user && (
            <Link href={CONTENT_MANAGER.user(item.user.documentId)} isExternal={false} endIcon={<ExternalLink />}>
              {t('action.openUser')}
            </Link>
          )}
        </Flex>
      ),
    },
  ];

  return (
    <Box background="neutral0" hasRadius shadow="filterShadow" padding={6}>
      {/* The status filter belongs to the ended list: another list clears it. */}
      <Tabs.Root value={filters.list} onValueChange={(v) => setFilter({ list: v as List, status: '' })}>
        <Flex justifyContent="space-between" alignItems="flex-end" gap={4} wrap="wrap">
          <Tabs.List aria-label={t('tracking.lists')}>
            <Tabs.Trigger value="active">{t('list.active')}</Tabs.Trigger>
            <Tabs.Trigger value="pending">{t('list.pending')}</Tabs.Trigger>
            <Tabs.Trigger value="ended">{t('list.ended')}</Tabs.Trigger>
          </Tabs.List>
          <Flex gap={2}>
            <Button variant="secondary" startIcon={<Download />} onClick={() => exportCsv(false)}>
              {t('action.export')}
            </Button>
            <Button variant="tertiary" startIcon={<Download />} onClick={() => exportCsv(true)}>
              {t('action.exportHistory')}
            </Button>
          </Flex>
        </Flex>
      </Tabs.Root>

      <Flex gap={3} paddingTop={4} paddingBottom={4} wrap="wrap" alignItems="flex-end">
        <SearchForm label={t('filter.search')} onSearch={(search) => setFilter({ search })} />
        {!offer && (
          <FilterSelect
            label={t('filter.offer')}
            value={filters.offer}
            onChange={(v) => setFilter({ offer: v })}
            options={(offers.data?.data ?? []).map((o) => ({ value: o.documentId, label: o.title }))}
            minWidth={180}
          />
        )}
        {filters.list === 'ended' && (
          <FilterSelect
            label={t('filter.status')}
            value={filters.status}
            onChange={(status) => setFilter({ status: status as Filters['status'] })}
            options={optionsOf(t, STATUS_LABELS, ENDED_STATUSES)}
            minWidth={160}
          />
        )}
        <FilterSelect
          label={t('filter.source')}
          value={filters.source}
          onChange={(source) => setFilter({ source: source as Filters['source'] })}
          options={optionsOf(t, SOURCE_LABELS)}
          minWidth={160}
        />
        {END_RANGE.map(([name, label]) => (
          <Field.Root key={name} name={name}>
            <Field.Label>{t(label)}</Field.Label>
            <TextInput
              type="date"
              value={filters[name]}
              onChange={(e: React.ChangeEvent<HTMLInputElement>) => setFilter({ [name]: e.target.value })}
            />
          </Field.Root>
        ))}
      </Flex>

      <PagedTable
        columns={columns}
        rows={data?.data ?? []}
        rowKey={(item) => item.documentId}
        rowTestId="subscription-row"
        empty={t('list.empty')}
        ready={!loading}
        pagination={data?.meta.pagination}
        onPage={setPage}
      />

      {history && (
        <HistoryModal
          item={history}
          onClose={() => setHistory(null)}
          onMemberErased={() => {
            setHistory(null);
            reload();
          }}
        />
      )}

      {confirm && (
        <ConfirmDialog
          open
          title={t(CONFIRM[confirm.action].title)}
          body={t(CONFIRM[confirm.action].body, {
            user: confirm.item.user?.email ?? '',
            offer: confirm.item.offer?.title ?? '',
          })}
          action={t(CONFIRM[confirm.action].button)}
          variant={confirm.action === 'renew' ? 'default' : 'danger-light'}
          busy={busy}
          onConfirm={runAction}
          onClose={() => setConfirm(null)}
        />
      )}
    </Box>
  );
};
