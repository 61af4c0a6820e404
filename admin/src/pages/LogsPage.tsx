import * as React from 'react';
import {
  Badge,
  Box,
  Button,
  Flex,
  Modal,
  SingleSelect,
  SingleSelectOption,
  Table,
  Tabs,
  Tbody,
  Td,
  Th,
  Thead,
  Tr,
  Typography,
} from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { qs, useGet, type Pagination } from '../utils/api';
import { useFormatDate } from '../utils/dates';
import { msg, useT } from '../utils/translate';
import { PaginationBar } from '../components/PaginationBar';
import { SearchForm } from '../components/SearchForm';

interface PaymentEvent {
  id: number;
  receivedAt: string | null;
  transactionType: string | null;
  transactionId: string | null;
  email: string | null;
  productId: string | null;
  outcome: string | null;
  reason: string | null;
  payload: unknown;
}
interface Message {
  id: number;
  kind: string;
  status: string;
  to: string;
  subject: string | null;
  attempts: number;
  sentAt: string | null;
  createdAt: string | null;
  lastError: string | null;
}

const OUTCOME_LABELS: Record<string, string> = {
  applied: msg('outcome.applied'),
  duplicate: msg('outcome.duplicate'),
  rejected: msg('outcome.rejected'),
  unmapped: msg('outcome.unmapped'),
  'failed-payment': msg('outcome.failed-payment'),
  replay: msg('outcome.replay'),
  pending: msg('outcome.pending'),
  error: msg('outcome.error'),
};
const MESSAGE_STATUS_LABELS: Record<string, string> = {
  pending: msg('message.status.pending'),
  sending: msg('message.status.sending'),
  sent: msg('message.status.sent'),
  failed: msg('message.status.failed'),
  skipped: msg('message.status.skipped'),
};
const KIND_LABELS: Record<string, string> = {
  reminder: msg('message.kind.reminder'),
  welcome: msg('message.kind.welcome'),
  expiry: msg('message.kind.expiry'),
  receipt: msg('message.kind.receipt'),
  test: msg('message.kind.test'),
};

const PAGE_SIZE = 20;

/** Logs: every Click2Sell call, and every e-mail the scheduler sent or failed to send. */
export const LogsPage = () => {
  const t = useT();
  const [tab, setTab] = React.useState('payments');
  return (
    <Page.Main>
      <Page.Title>{t('logs.title')}</Page.Title>
      <Layouts.Header title={t('logs.title')} subtitle={t('logs.subtitle')} />
      <Layouts.Content>
        <Tabs.Root value={tab} onValueChange={setTab}>
          <Tabs.List aria-label={t('logs.title')}>
            <Tabs.Trigger value="payments">{t('logs.payments')}</Tabs.Trigger>
            <Tabs.Trigger value="messages">{t('logs.messages')}</Tabs.Trigger>
          </Tabs.List>
          <Tabs.Content value="payments">
            <PaymentEvents />
          </Tabs.Content>
          <Tabs.Content value="messages">
            <Messages />
          </Tabs.Content>
        </Tabs.Root>
      </Layouts.Content>
    </Page.Main>
  );
};

const Filters = ({
  onSearch,
  options,
  value,
  onChange,
  label,
}: {
  onSearch: (v: string) => void;
  options: Record<string, string>;
  value: string;
  onChange: (v: string) => void;
  label: string;
}) => {
  const t = useT();
  return (
    <Flex gap={3} paddingBottom={4} wrap="wrap">
      <SearchForm label={t('logs.search')} onSearch={onSearch} />
      <Box style={{ minWidth: 200 }}>
        <SingleSelect
          aria-label={label}
          placeholder={label}
          value={value}
          onChange={(v) => onChange(String(v))}
          onClear={() => onChange('')}
          clearLabel={t('action.clear')}
        >
          {Object.keys(options).map((k) => (
            <SingleSelectOption key={k} value={k}>
              {t(options[k])}
            </SingleSelectOption>
          ))}
        </SingleSelect>
      </Box>
    </Flex>
  );
};

const outcomeVariant = (outcome: string | null) =>
  outcome === 'applied'
    ? 'success'
    : outcome === 'duplicate'
      ? 'secondary'
      : outcome === 'unmapped'
        ? 'warning'
        : 'danger';

const PaymentEvents = () => {
  const t = useT();
  const formatDate = useFormatDate();
  const [search, setSearch] = React.useState('');
  const [outcome, setOutcome] = React.useState('');
  const [page, setPage] = React.useState(1);
  const [payload, setPayload] = React.useState<PaymentEvent | null>(null);
  React.useEffect(() => setPage(1), [search, outcome]);
  const { data } = useGet<{ data: PaymentEvent[]; meta: { pagination: Pagination } }>(
    `/subscriptions/payment-events?${qs({ search, outcome, page, pageSize: PAGE_SIZE })}`
  );
  const rows = data?.data ?? [];
  return (
    <Box background="neutral0" hasRadius shadow="filterShadow" padding={6} marginTop={4}>
      <Filters
        onSearch={setSearch}
        options={OUTCOME_LABELS}
        value={outcome}
        onChange={setOutcome}
        label={t('logs.outcome')}
      />
      <Table colCount={6} rowCount={rows.length + 1}>
        <Thead>
          <Tr>
            <Th>
              <Typography variant="sigma">{t('logs.column.time')}</Typography>
            </Th>
            <Th>
              <Typography variant="sigma">{t('logs.column.type')}</Typography>
            </Th>
            <Th>
              <Typography variant="sigma">{t('logs.column.email')}</Typography>
            </Th>
            <Th>
              <Typography variant="sigma">{t('logs.column.product')}</Typography>
            </Th>
            <Th>
              <Typography variant="sigma">{t('logs.column.outcome')}</Typography>
            </Th>
            <Th>
              <Typography variant="sigma">{t('logs.column.payload')}</Typography>
            </Th>
          </Tr>
        </Thead>
        <Tbody>
          {rows.map((e) => (
            <Tr key={e.id} data-testid="payment-event-row">
              <Td>
                <Typography>{formatDate(e.receivedAt, true)}</Typography>
              </Td>
              <Td>
                <Typography>{e.transactionType ?? '—'}</Typography>
              </Td>
              <Td>
                <Typography>{e.email ?? '—'}</Typography>
              </Td>
              <Td>
                <Typography>{e.productId ?? '—'}</Typography>
              </Td>
              <Td>
                <Flex direction="column" alignItems="flex-start" gap={1}>
                  <Badge
                    backgroundColor={`${outcomeVariant(e.outcome)}100`}
                    textColor={`${outcomeVariant(e.outcome)}700`}
                  >
                    {e.outcome ? t(OUTCOME_LABELS[e.outcome] ?? 'outcome.error') : '—'}
                  </Badge>
                  {e.reason && (
                    <Typography variant="pi" textColor="neutral600">
                      {e.reason}
                    </Typography>
                  )}
                </Flex>
              </Td>
              <Td>
                <Button variant="tertiary" size="S" onClick={() => setPayload(e)}>
                  {t('logs.showPayload')}
                </Button>
              </Td>
            </Tr>
          ))}
        </Tbody>
      </Table>
      {rows.length === 0 && data && (
        <Box padding={6}>
          <Typography textColor="neutral600">{t('logs.empty')}</Typography>
        </Box>
      )}
      {data && <PaginationBar pagination={data.meta.pagination} onPage={setPage} />}
      {payload && (
        <Modal.Root open onOpenChange={(open) => !open && setPayload(null)}>
          <Modal.Content>
            <Modal.Header>
              <Modal.Title>{t('logs.payloadTitle', { id: payload.transactionId ?? String(payload.id) })}</Modal.Title>
            </Modal.Header>
            <Modal.Body>
              <Typography variant="pi" textColor="neutral600">
                {t('logs.payloadHint')}
              </Typography>
              <Box background="neutral100" padding={4} hasRadius marginTop={2}>
                <pre data-testid="payload" style={{ margin: 0, whiteSpace: 'pre-wrap', fontSize: 12 }}>
                  {JSON.stringify(payload.payload, null, 2)}
                </pre>
              </Box>
            </Modal.Body>
          </Modal.Content>
        </Modal.Root>
      )}
    </Box>
  );
};

const Messages = () => {
  const t = useT();
  const formatDate = useFormatDate();
  const [search, setSearch] = React.useState('');
  const [status, setStatus] = React.useState('');
  const [page, setPage] = React.useState(1);
  React.useEffect(() => setPage(1), [search, status]);
  const { data } = useGet<{ data: Message[]; meta: { pagination: Pagination } }>(
    `/subscriptions/messages?${qs({ search, status, page, pageSize: PAGE_SIZE })}`
  );
  const rows = data?.data ?? [];
  return (
    <Box background="neutral0" hasRadius shadow="filterShadow" padding={6} marginTop={4}>
      <Filters
        onSearch={setSearch}
        options={MESSAGE_STATUS_LABELS}
        value={status}
        onChange={setStatus}
        label={t('logs.status')}
      />
      <Table colCount={6} rowCount={rows.length + 1}>
        <Thead>
          <Tr>
            <Th>
              <Typography variant="sigma">{t('logs.column.time')}</Typography>
            </Th>
            <Th>
              <Typography variant="sigma">{t('logs.column.kind')}</Typography>
            </Th>
            <Th>
              <Typography variant="sigma">{t('logs.column.to')}</Typography>
            </Th>
            <Th>
              <Typography variant="sigma">{t('logs.column.subject')}</Typography>
            </Th>
            <Th>
              <Typography variant="sigma">{t('logs.column.status')}</Typography>
            </Th>
            <Th>
              <Typography variant="sigma">{t('logs.column.error')}</Typography>
            </Th>
          </Tr>
        </Thead>
        <Tbody>
          {rows.map((m) => (
            <Tr key={m.id} data-testid="message-row">
              <Td>
                <Typography>{formatDate(m.sentAt ?? m.createdAt, true)}</Typography>
              </Td>
              <Td>
                <Typography>{t(KIND_LABELS[m.kind] ?? 'message.kind.reminder')}</Typography>
              </Td>
              <Td>
                <Typography>{m.to}</Typography>
              </Td>
              <Td>
                <Typography>{m.subject ?? '—'}</Typography>
              </Td>
              <Td>
                <Badge
                  backgroundColor={
                    m.status === 'sent' ? 'success100' : m.status === 'failed' ? 'danger100' : 'neutral150'
                  }
                >
                  {t(MESSAGE_STATUS_LABELS[m.status] ?? 'message.status.pending')}
                  {m.attempts > 1 ? ` ×${m.attempts}` : ''}
                </Badge>
              </Td>
              <Td>
                <Typography variant="pi" textColor="danger600">
                  {m.lastError ?? ''}
                </Typography>
              </Td>
            </Tr>
          ))}
        </Tbody>
      </Table>
      {rows.length === 0 && data && (
        <Box padding={6}>
          <Typography textColor="neutral600">{t('logs.empty')}</Typography>
        </Box>
      )}
      {data && <PaginationBar pagination={data.meta.pagination} onPage={setPage} />}
    </Box>
  );
};
