import * as React from 'react';
import { Badge, Box, Button, Flex, Modal, Typography } from '@strapi/design-system';
import { useNotification } from '@strapi/strapi/admin';
import { usePaymentEventActions, usePaymentEvents } from '../../api/logs';
import { errorsOf } from '../../api/client';
import type { PaymentEventLogItem, PaymentEventOutcome } from '../../api/contract';
import { PERMISSIONS } from '../../permissions';
import { useCan } from '../../utils/can';
import { useFormatDate } from '../../utils/dates';
import { msg, useT } from '../../utils/translate';
import { LogTab, type LogQuery } from './LogTab';
import { ConfirmDialog } from '../../components/ConfirmDialog';

const OUTCOME_LABELS: Record<string, string> = {
  applied: msg('outcome.applied'),
  duplicate: msg('outcome.duplicate'),
  rejected: msg('outcome.rejected'),
  unmapped: msg('outcome.unmapped'),
  'failed-payment': msg('outcome.failed-payment'),
  replay: msg('outcome.replay'),
  pending: msg('outcome.pending'),
  error: msg('outcome.error'),
} satisfies Record<PaymentEventOutcome, string>;

const outcomeVariant = (outcome: string | null) =>
  outcome === 'applied'
    ? 'success'
    : outcome === 'duplicate'
      ? 'secondary'
      : outcome === 'unmapped'
        ? 'warning'
        : 'danger';

/** The filter's values: the events that need an admin (fixable, not re-applied yet), or one outcome. */
const NEEDS_ATTENTION = 'needs-attention';
const FILTER_LABELS: Record<string, string> = { [NEEDS_ATTENTION]: msg('logs.needsAttention'), ...OUTCOME_LABELS };

const queryOf = ({ search, filter, page, pageSize }: LogQuery) =>
  filter === NEEDS_ATTENTION
    ? { search, needsAttention: true, page, pageSize }
    : { search, outcome: (filter || undefined) as PaymentEventOutcome | undefined, page, pageSize };

/** Every Click2Sell call: what it was, what it did, and its payload (secrets removed by the server). */
export const PaymentEventsTab = () => {
  const t = useT();
  const formatDate = useFormatDate();
  const { toggleNotification } = useNotification();
  const actions = usePaymentEventActions();
  const canManage = useCan(PERMISSIONS.manage);
  const [payload, setPayload] = React.useState<PaymentEventLogItem | null>(null);
  const [confirm, setConfirm] = React.useState<PaymentEventLogItem | null>(null);
  const [busy, setBusy] = React.useState(false);
  // Bumped after a re-apply: the page is read again.
  const [version, setVersion] = React.useState(0);
  const usePage = React.useCallback((query: LogQuery) => usePaymentEvents(queryOf(query), version), [version]);

  const runReplay = async () => {
    if (!confirm) return;
    setBusy(true);
    try {
      const result = await actions.replay(confirm.id);
      toggleNotification({ type: 'success', message: t('logs.reapplied', { message: result.message }) });
    } catch (error) {
      toggleNotification({ type: 'danger', message: errorsOf(error).message });
    }
    setBusy(false);
    setConfirm(null);
    setVersion((v) => v + 1);
  };

  return (
    <>
      <LogTab<PaymentEventLogItem>
        usePage={usePage}
        filterLabel={t('logs.outcome')}
        filterLabels={FILTER_LABELS}
        rowTestId="payment-event-row"
        columns={[
          { label: t('logs.column.time'), cell: (e) => <Typography>{formatDate(e.receivedAt, true)}</Typography> },
          { label: t('logs.column.type'), cell: (e) => <Typography>{e.transactionType ?? '—'}</Typography> },
          { label: t('logs.column.email'), cell: (e) => <Typography>{e.email ?? '—'}</Typography> },
          { label: t('logs.column.product'), cell: (e) => <Typography>{e.productId ?? '—'}</Typography> },
          {
            label: t('logs.column.outcome'),
            cell: (e) => (
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
                {e.replayedAt && (
                  <Typography variant="pi" textColor="success600" data-testid="replayed">
                    {t('logs.replayed', {
                      date: formatDate(e.replayedAt, true),
                      by: e.replayedBy ?? '—',
                      outcome: t(OUTCOME_LABELS[e.replayOutcome ?? ''] ?? 'outcome.error'),
                      id: String(e.replayedAs ?? '—'),
                    })}
                  </Typography>
                )}
                {e.replayOf !== null && (
                  <Typography variant="pi" textColor="neutral600">
                    {t('logs.replayOf', { id: String(e.replayOf) })}
                  </Typography>
                )}
              </Flex>
            ),
          },
          {
            label: t('logs.column.payload'),
            cell: (e) => (
              <Flex gap={2}>
                <Button variant="tertiary" size="S" onClick={() => setPayload(e)}>
                  {t('logs.showPayload')}
                </Button>
                {canManage && e.replayable && (
                  <Button variant="secondary" size="S" onClick={() => setConfirm(e)} data-testid="reapply">
                    {t('logs.reapply')}
                  </Button>
                )}
              </Flex>
            ),
          },
        ]}
      />
      {confirm && (
        <ConfirmDialog
          open
          title={t('logs.reapplyTitle')}
          body={t('logs.reapplyBody', { email: confirm.email ?? '—', product: confirm.productId ?? '—' })}
          action={t('logs.reapply')}
          busy={busy}
          onConfirm={runReplay}
          onClose={() => setConfirm(null)}
        />
      )}
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
    </>
  );
};
