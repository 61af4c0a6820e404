import { Badge, Typography } from '@strapi/design-system';
import { useMessages } from '../../api/logs';
import type { MessageLogItem, MessageStatus } from '../../api/contract';
import { useFormatDate } from '../../utils/dates';
import { MESSAGE_KIND_LABELS, msg, useT } from '../../utils/translate';
import { LogTab, type LogQuery } from './LogTab';

const MESSAGE_STATUS_LABELS: Record<string, string> = {
  pending: msg('message.status.pending'),
  sending: msg('message.status.sending'),
  sent: msg('message.status.sent'),
  failed: msg('message.status.failed'),
  skipped: msg('message.status.skipped'),
  held: msg('message.status.held'),
} satisfies Record<MessageStatus, string>;

const usePage = ({ search, filter, page, pageSize }: LogQuery) =>
  useMessages({ search, status: (filter || undefined) as MessageStatus | undefined, page, pageSize });

/** Every e-mail the plugin sent or failed to send, with its error (never its data). */
export const MessagesTab = () => {
  const t = useT();
  const formatDate = useFormatDate();
  return (
    <LogTab<MessageLogItem>
      usePage={usePage}
      filterLabel={t('logs.status')}
      filterLabels={MESSAGE_STATUS_LABELS}
      rowTestId="message-row"
      columns={[
        { label: t('logs.column.time'), cell: (m) => <Typography>{formatDate(m.sentAt ?? m.createdAt, true)}</Typography> },
        {
          label: t('logs.column.kind'),
          cell: (m) => <Typography>{t(MESSAGE_KIND_LABELS[m.kind] ?? 'message.kind.reminder')}</Typography>,
        },
        { label: t('logs.column.to'), cell: (m) => <Typography>{m.to}</Typography> },
        { label: t('logs.column.subject'), cell: (m) => <Typography>{m.subject ?? '—'}</Typography> },
        {
          label: t('logs.column.status'),
          cell: (m) => (
            <Badge
              backgroundColor={m.status === 'sent' ? 'success100' : m.status === 'failed' ? 'danger100' : 'neutral150'}
            >
              {t(MESSAGE_STATUS_LABELS[m.status] ?? 'message.status.pending')}
              {m.attempts > 1 ? ` ×${m.attempts}` : ''}
            </Badge>
          ),
        },
        {
          label: t('logs.column.error'),
          cell: (m) => (
            <Typography variant="pi" textColor="danger600">
              {m.lastError ?? ''}
            </Typography>
          ),
        },
      ]}
    />
  );
};
