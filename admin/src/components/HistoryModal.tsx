import { Box, Flex, Loader, Modal, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { useSubscriptionHistory } from '../api/subscriptions';
import type { HistoryEntryRecord, HistorySide, SubscriptionListItem } from '../api/contract';
import { useFormatDate } from '../utils/dates';
import { MemberDataActions } from './MemberDataActions';
import { HISTORY_CAUSE_LABELS, HISTORY_KIND_LABELS, STATUS_LABELS, useT } from '../utils/translate';

/**
 * A subscription's history, newest first: what changed (status, start, paid end, end: before →
 * after), when, and why (a payment, an admin, the scheduler, a member, the service API).
 * Read-only: the entries are written with the changes they describe. Its footer holds the
 * member's GDPR actions (export their data, erase it) for admins allowed to.
 */
export const HistoryModal = ({
  item,
  onClose,
  onMemberErased,
}: {
  item: SubscriptionListItem;
  onClose: () => void;
  /** After the member's personal data was erased from here (GDPR actions in the footer). */
  onMemberErased?: () => void;
}) => {
  const t = useT();
  const formatDate = useFormatDate();
  const { data, loading } = useSubscriptionHistory(item.documentId);
  const entries = data?.data ?? [];

  const status = (value: HistorySide['status']) => (value ? t(STATUS_LABELS[value] ?? value) : '—');
  const change = (label: string, before: string, after: string) =>
    before === after ? null : (
      <Typography key={label} variant="pi" tag="div">
        {label}: {before} → {after}
      </Typography>
    );
  const changes = (e: HistoryEntryRecord) => [
    change(t('column.status'), status(e.before.status), status(e.after.status)),
    change(t('column.start'), formatDate(e.before.startsAt, true), formatDate(e.after.startsAt, true)),
    change(t('column.due'), formatDate(e.before.dueAt, true), formatDate(e.after.dueAt, true)),
    change(
      t('column.end'),
      e.before.status === null ? '—' : e.before.endsAt ? formatDate(e.before.endsAt, true) : t('unlimited'),
      e.after.status === null ? '—' : e.after.endsAt ? formatDate(e.after.endsAt, true) : t('unlimited')
    ),
  ];
  const cause = (e: HistoryEntryRecord) => {
    const what = t(HISTORY_CAUSE_LABELS[e.cause.kind] ?? 'history.cause.api');
    const who = e.cause.label ?? e.cause.ref;
    return who ? `${what} (${who})` : what;
  };

  return (
    <Modal.Root open onOpenChange={(open) => !open && onClose()}>
      <Modal.Content>
        <Modal.Header>
          <Modal.Title>
            {t('history.title', { user: item.user?.email ?? '—', offer: item.offer?.title ?? '—' })}
          </Modal.Title>
        </Modal.Header>
        <Modal.Body>
          {loading && !data ? (
            <Flex justifyContent="center" padding={6}>
              <Loader />
            </Flex>
          ) : entries.length === 0 ? (
            <Box padding={4}>
              <Typography textColor="neutral600">{t('history.empty')}</Typography>
            </Box>
          ) : (
            <Table colCount={4} rowCount={entries.length + 1}>
              <Thead>
                <Tr>
                  <Th>
                    <Typography variant="sigma">{t('history.column.at')}</Typography>
                  </Th>
                  <Th>
                    <Typography variant="sigma">{t('history.column.kind')}</Typography>
                  </Th>
                  <Th>
                    <Typography variant="sigma">{t('history.column.change')}</Typography>
                  </Th>
                  <Th>
                    <Typography variant="sigma">{t('history.column.cause')}</Typography>
                  </Th>
                </Tr>
              </Thead>
              <Tbody>
                {entries.map((e) => (
                  <Tr key={e.id} data-testid="history-entry">
                    <Td>
                      <Typography>{formatDate(e.at, true)}</Typography>
                    </Td>
                    <Td>
                      <Typography fontWeight="semiBold">{t(HISTORY_KIND_LABELS[e.kind] ?? e.kind)}</Typography>
                    </Td>
                    <Td>{changes(e)}</Td>
                    <Td>
                      <Typography>{cause(e)}</Typography>
                    </Td>
                  </Tr>
                ))}
              </Tbody>
            </Table>
          )}
        </Modal.Body>
        {item.user && (
          <Modal.Footer>
            <MemberDataActions user={item.user} onErased={onMemberErased} />
          </Modal.Footer>
        )}
      </Modal.Content>
    </Modal.Root>
  );
};
