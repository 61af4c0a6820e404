import * as React from 'react';
import { Badge, Box, Button, Flex, Modal, Typography } from '@strapi/design-system';
import { usePaymentEvents } from '../../api/logs';
import type { PaymentEventLogItem, PaymentEventOutcome } from '../../api/contract';
import { useFormatDate } from '../../utils/dates';
import { msg, useT } from '../../utils/translate';
import { LogTab, type LogQuery } from './LogTab';

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

const usePage = ({ search, filter, page, pageSize }: LogQuery) =>
  usePaymentEvents({ search, outcome: (filter || undefined) as PaymentEventOutcome | undefined, page, pageSize });

/** Every Click2Sell call: what it was, what it did, and its payload (secrets removed by the server). */
export const PaymentEventsTab = () => {
  const t = useT();
  const formatDate = useFormatDate();
  const [payload, setPayload] = React.useState<PaymentEventLogItem | null>(null);
  return (
    <>
      <LogTab<PaymentEventLogItem>
        usePage={usePage}
        filterLabel={t('logs.outcome')}
        filterLabels={OUTCOME_LABELS}
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
              </Flex>
            ),
          },
          {
            label: t('logs.column.payload'),
            cell: (e) => (
              <Button variant="tertiary" size="S" onClick={() => setPayload(e)}>
                {t('logs.showPayload')}
              </Button>
            ),
          },
        ]}
      />
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
