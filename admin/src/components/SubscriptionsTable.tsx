import * as React from 'react';
import {
  Badge,
  Box,
  Button,
  Dialog,
  Flex,
  IconButton,
  Link,
  SingleSelect,
  SingleSelectOption,
  Table,
  Tabs,
  Tbody,
  Td,
  Th,
  Thead,
  TextInput,
  Tr,
  Typography,
  Field,
} from '@strapi/design-system';
import { ArrowClockwise, Cross, Download, ExternalLink, ArrowLeft, Pencil } from '@strapi/icons';
import { useFetchClient, useNotification } from '@strapi/strapi/admin';
import { useCan } from '../utils/can';
import { PERMISSIONS } from '../permissions';
import { errorsOf, qs, useGet, useLifecycle, type Pagination, type SubscriptionItem } from '../utils/api';
import { useFormatDate } from '../utils/dates';
import { SOURCE_LABELS, STATUS_LABELS, msg, useT } from '../utils/translate';
import { StatusBadge } from './StatusBadge';
import { PaginationBar } from './PaginationBar';
import { SearchForm } from './SearchForm';

type List = 'active' | 'pending' | 'ended';
type Action = 'renew' | 'cancel' | 'refund';

interface Props {
  /** Restrict to one offer (the offer page) and hide the offer filter. */
  offer?: string;
  /** Bumped by the parent to reload (e.g. after adding a subscriber). */
  reloadKey?: number;
  /** Open a subscription's dates for editing (the offer page). */
  onEditDates?: (item: SubscriptionItem) => void;
}

const PAGE_SIZE = 20;
const ENDED_STATUSES = ['expired', 'cancelled', 'refunded'];

const CONFIRM: Record<Action, { title: string; body: string; button: string }> = {
  renew: { title: msg('confirm.renew.title'), body: msg('confirm.renew.body'), button: msg('action.renew') },
  cancel: { title: msg('confirm.cancel.title'), body: msg('confirm.cancel.body'), button: msg('action.cancel') },
  refund: { title: msg('confirm.refund.title'), body: msg('confirm.refund.body'), button: msg('action.refund') },
};

/**
 * The subscriptions lists: active, pending, ended; search by e-mail or name, filters by offer,
 * status, source and end-date range; server-side pagination; quick renew, cancel, refund; CSV
 * export of the current filter. Every action asks for confirmation and reports its result.
 */
export const SubscriptionsTable = ({ offer, reloadKey = 0, onEditDates }: Props) => {
  const t = useT();
  const formatDate = useFormatDate();
  const { get } = useFetchClient();
  const { toggleNotification } = useNotification();
  const lifecycle = useLifecycle();
  const canManage = useCan(PERMISSIONS.manage);
  const canEditDates = useCan(PERMISSIONS.subscribers);
  const [list, setList] = React.useState<List>('active');
  const [search, setSearch] = React.useState('');
  const [offerFilter, setOfferFilter] = React.useState('');
  const [status, setStatus] = React.useState('');
  const [source, setSource] = React.useState('');
  const [from, setFrom] = React.useState('');
  const [to, setTo] = React.useState('');
  const [page, setPage] = React.useState(1);
  const [confirm, setConfirm] = React.useState<{ action: Action; item: SubscriptionItem } | null>(null);
  const [busy, setBusy] = React.useState(false);

  const offers = useGet<{ data: { documentId: string; title: string }[] }>(offer ? null : '/subscriptions/offers');
  const filters = {
    list,
    search,
    offer: offer ?? offerFilter,
    status,
    source,
    from: from ? new Date(`${from}T00:00:00`).toISOString() : '',
    to: to ? new Date(new Date(`${to}T00:00:00`).getTime() + 86_400_000).toISOString() : '',
  };
  const query = qs({ ...filters, page, pageSize: PAGE_SIZE });
  const { data, loading, reload } = useGet<{ data: SubscriptionItem[]; meta: { pagination: Pagination } }>(
    `/subscriptions/subscriptions?${query}&r=${reloadKey}`
  );

  // A new filter starts again at the first page; the status filter belongs to the ended list.
  React.useEffect(() => setPage(1), [list, search, offerFilter, status, source, from, to]);
  React.useEffect(() => setStatus(''), [list]);

  const runAction = async () => {
    if (!confirm) return;
    setBusy(true);
    const updated = await lifecycle(confirm.action, confirm.item.documentId);
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

  const exportCsv = async () => {
    try {
      const res = await get(`/subscriptions/subscriptions/export?${qs(filters)}`, { responseType: 'blob' } as never);
      const url = URL.createObjectURL(res.data as Blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `subscriptions-${list}.csv`;
      a.click();
      URL.revokeObjectURL(url);
    } catch (error) {
      toggleNotification({ type: 'danger', message: errorsOf(error).message });
    }
  };

  const rows = data?.data ?? [];
  const pagination = data?.meta.pagination;
  const userLink = (item: SubscriptionItem) =>
    item.user
      ? `/admin/content-manager/collection-types/plugin::users-permissions.user/${item.user.documentId}`
      : undefined;

  return (
    <Box background="neutral0" hasRadius shadow="filterShadow" padding={6}>
      <Tabs.Root value={list} onValueChange={(v) => setList(v as List)}>
        <Flex justifyContent="space-between" alignItems="flex-end" gap={4} wrap="wrap">
          <Tabs.List aria-label={t('tracking.lists')}>
            <Tabs.Trigger value="active">{t('list.active')}</Tabs.Trigger>
            <Tabs.Trigger value="pending">{t('list.pending')}</Tabs.Trigger>
            <Tabs.Trigger value="ended">{t('list.ended')}</Tabs.Trigger>
          </Tabs.List>
          <Button variant="secondary" startIcon={<Download />} onClick={exportCsv}>
            {t('action.export')}
          </Button>
        </Flex>
      </Tabs.Root>

      <Flex gap={3} paddingTop={4} paddingBottom={4} wrap="wrap" alignItems="flex-end">
        <SearchForm label={t('filter.search')} onSearch={setSearch} />
        {!offer && (
          <Box style={{ minWidth: 180 }}>
            <SingleSelect
              aria-label={t('filter.offer')}
              placeholder={t('filter.offer')}
              value={offerFilter}
              onChange={(v) => setOfferFilter(String(v))}
              onClear={() => setOfferFilter('')}
              clearLabel={t('action.clear')}
            >
              {(offers.data?.data ?? []).map((o) => (
                <SingleSelectOption key={o.documentId} value={o.documentId}>
                  {o.title}
                </SingleSelectOption>
              ))}
            </SingleSelect>
          </Box>
        )}
        {list === 'ended' && (
          <Box style={{ minWidth: 160 }}>
            <SingleSelect
              aria-label={t('filter.status')}
              placeholder={t('filter.status')}
              value={status}
              onChange={(v) => setStatus(String(v))}
              onClear={() => setStatus('')}
              clearLabel={t('action.clear')}
            >
              {ENDED_STATUSES.map((s) => (
                <SingleSelectOption key={s} value={s}>
                  {t(STATUS_LABELS[s])}
                </SingleSelectOption>
              ))}
            </SingleSelect>
          </Box>
        )}
        <Box style={{ minWidth: 160 }}>
          <SingleSelect
            aria-label={t('filter.source')}
            placeholder={t('filter.source')}
            value={source}
            onChange={(v) => setSource(String(v))}
            onClear={() => setSource('')}
            clearLabel={t('action.clear')}
          >
            {Object.keys(SOURCE_LABELS).map((s) => (
              <SingleSelectOption key={s} value={s}>
                {t(SOURCE_LABELS[s])}
              </SingleSelectOption>
            ))}
          </SingleSelect>
        </Box>
        <Field.Root name="from">
          <Field.Label>{t('filter.endsFrom')}</Field.Label>
          <TextInput
            type="date"
            value={from}
            onChange={(e: React.ChangeEvent<HTMLInputElement>) => setFrom(e.target.value)}
          />
        </Field.Root>
        <Field.Root name="to">
          <Field.Label>{t('filter.endsTo')}</Field.Label>
          <TextInput
            type="date"
            value={to}
            onChange={(e: React.ChangeEvent<HTMLInputElement>) => setTo(e.target.value)}
          />
        </Field.Root>
      </Flex>

      <Table colCount={8} rowCount={rows.length + 1}>
        <Thead>
          <Tr>
            <Th>
              <Typography variant="sigma">{t('column.user')}</Typography>
            </Th>
            <Th>
              <Typography variant="sigma">{t('column.offer')}</Typography>
            </Th>
            <Th>
              <Typography variant="sigma">{t('column.status')}</Typography>
            </Th>
            <Th>
              <Typography variant="sigma">{t('column.start')}</Typography>
            </Th>
            <Th>
              <Typography variant="sigma">{t('column.due')}</Typography>
            </Th>
            <Th>
              <Typography variant="sigma">{t('column.end')}</Typography>
            </Th>
            <Th>
              <Typography variant="sigma">{t('column.source')}</Typography>
            </Th>
            <Th>
              <Typography variant="sigma">{t('column.actions')}</Typography>
            </Th>
          </Tr>
        </Thead>
        <Tbody>
          {rows.map((item) => (
            <Tr key={item.documentId} data-testid="subscription-row">
              <Td>
                <Flex direction="column" alignItems="flex-start">
                  <Typography fontWeight="semiBold">{item.user?.username ?? '—'}</Typography>
                  <Typography variant="pi" textColor="neutral600">
                    {item.user?.email}
                  </Typography>
                </Flex>
              </Td>
              <Td>
                <Typography>{item.offer?.title ?? '—'}</Typography>
              </Td>
              <Td>
                <StatusBadge status={item.status} />
              </Td>
              <Td>
                <Typography>{formatDate(item.startsAt)}</Typography>
              </Td>
              <Td>
                <Typography>{formatDate(item.dueAt)}</Typography>
              </Td>
              <Td>
                <Typography data-testid="ends-at">{item.endsAt ? formatDate(item.endsAt) : t('unlimited')}</Typography>
              </Td>
              <Td>
                <Badge>{t(SOURCE_LABELS[item.source] ?? 'source.api')}</Badge>
              </Td>
              <Td>
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
                  {userLink(item) && (
                    <Link href={userLink(item)} isExternal={false} endIcon={<ExternalLink />}>
                      {t('action.openUser')}
                    </Link>
                  )}
                </Flex>
              </Td>
            </Tr>
          ))}
        </Tbody>
      </Table>
      {!loading && rows.length === 0 && (
        <Box padding={6}>
          <Typography textColor="neutral600">{t('list.empty')}</Typography>
        </Box>
      )}
      {pagination && <PaginationBar pagination={pagination} onPage={setPage} />}

      <Dialog.Root open={confirm !== null} onOpenChange={(open) => !open && setConfirm(null)}>
        {confirm && (
          <Dialog.Content>
            <Dialog.Header>{t(CONFIRM[confirm.action].title)}</Dialog.Header>
            <Dialog.Body>
              <Typography>
                {t(CONFIRM[confirm.action].body, {
                  user: confirm.item.user?.email ?? '',
                  offer: confirm.item.offer?.title ?? '',
                })}
              </Typography>
            </Dialog.Body>
            <Dialog.Footer>
              <Dialog.Cancel>
                <Button variant="tertiary">{t('action.back')}</Button>
              </Dialog.Cancel>
              <Button
                variant={confirm.action === 'renew' ? 'default' : 'danger-light'}
                loading={busy}
                onClick={runAction}
              >
                {t(CONFIRM[confirm.action].button)}
              </Button>
            </Dialog.Footer>
          </Dialog.Content>
        )}
      </Dialog.Root>
    </Box>
  );
};
