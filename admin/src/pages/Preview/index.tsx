import * as React from 'react';
import { Alert, Badge, Button, Flex, Typography } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { usePreview } from '../../api/preview';
import type { PreviewItem, PreviewItemKind } from '../../api/contract';
import { FilterSelect } from '../../components/FilterSelect';
import { PagedTable } from '../../components/PagedTable';
import { useFormatDate } from '../../utils/dates';
import { PERIOD_LABELS, STATUS_LABELS, msg, optionsOf, useT } from '../../utils/translate';

const KIND_LABELS: Record<string, string> = {
  activation: msg('preview.kind.activation'),
  expiry: msg('preview.kind.expiry'),
  cancellation: msg('preview.kind.cancellation'),
  'grace-end': msg('preview.kind.graceEnd'),
  reminder: msg('preview.kind.reminder'),
} satisfies Record<PreviewItemKind, string>;

/** The windows offered, in hours (the server accepts up to 92 days). */
const WINDOW_LABELS: Record<string, string> = {
  '24': msg('preview.window.day'),
  '168': msg('preview.window.week'),
  '720': msg('preview.window.month'),
  '2208': msg('preview.window.max'),
};

const HOUR = 3_600_000;

/**
 * What happens next: every activation, end, grace end and reminder the scheduler will make in
 * the chosen window from now, if nothing else changes, in time order (computed by the server
 * with the scheduler's own rules).
 */
export const PreviewPage = () => {
  const t = useT();
  const formatDate = useFormatDate();
  const [hours, setHours] = React.useState('168');
  const [version, setVersion] = React.useState(0);
  // The window starts when it is chosen (or refreshed), not at each render.
  const query = React.useMemo(() => {
    const from = new Date();
    return { from: from.toISOString(), to: new Date(from.getTime() + Number(hours) * HOUR).toISOString() };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [hours, version]);
  const { data, loading } = usePreview(query);
  const preview = data?.data;

  const what = (item: PreviewItem) => {
    if (item.reminder) {
      const r = item.reminder;
      return (
        <Flex direction="column" alignItems="flex-start" gap={1}>
          <Typography>
            {t('preview.reminder.rule', {
              amount: r.amount,
              period: t(PERIOD_LABELS[r.period] ?? 'period.days'),
              when: t(r.when === 'before' ? 'preview.when.before' : 'preview.when.after'),
              end: formatDate(r.endsAt, true),
            })}
          </Typography>
          {r.action === 'skip' && (
            <Typography variant="pi" textColor="neutral600">
              {t('preview.reminder.skipped')}
            </Typography>
          )}
        </Flex>
      );
    }
    if (item.transition) {
      return (
        <Typography>
          {t(STATUS_LABELS[item.transition.from] ?? 'status.active')} → {t(STATUS_LABELS[item.transition.to] ?? 'status.expired')}
        </Typography>
      );
    }
    return null;
  };

  return (
    <Page.Main>
      <Page.Title>{t('preview.title')}</Page.Title>
      <Layouts.Header title={t('preview.title')} subtitle={t('preview.subtitle')} />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={4}>
          <Flex gap={2} alignItems="center">
            <FilterSelect
              label={t('preview.window')}
              value={hours}
              onChange={setHours}
              options={optionsOf(t, WINDOW_LABELS)}
              clearable={false}
              minWidth={220}
            />
            <Button variant="tertiary" onClick={() => setVersion((v) => v + 1)} loading={loading}>
              {t('preview.refresh')}
            </Button>
          </Flex>
          {preview?.truncated && (
            <Alert variant="warning" closeLabel={t('action.clear')} title={t('preview.truncatedTitle')}>
              {t('preview.truncated', { limit: preview.limit, until: formatDate(preview.completeUntil, true) })}
            </Alert>
          )}
          {!preview && loading ? (
            <Page.Loading />
          ) : (
            <PagedTable<PreviewItem>
              rows={preview?.items ?? []}
              rowKey={(item) => `${item.kind}:${item.subscription.id}:${item.reminder?.dedupeKey ?? item.at}`}
              rowTestId="preview-row"
              ready={!!preview}
              empty={t('preview.empty')}
              columns={[
                {
                  label: t('preview.column.at'),
                  cell: (item) => (
                    <Flex gap={2}>
                      <Typography>{formatDate(item.at, true)}</Typography>
                      {item.overdue && <Badge backgroundColor="warning100">{t('preview.overdue')}</Badge>}
                    </Flex>
                  ),
                },
                {
                  label: t('preview.column.kind'),
                  cell: (item) => (
                    <Badge backgroundColor={item.kind === 'reminder' ? 'primary100' : 'neutral150'}>
                      {t(KIND_LABELS[item.kind] ?? 'preview.kind.reminder')}
                    </Badge>
                  ),
                },
                { label: t('preview.column.what'), cell: what },
                {
                  label: t('preview.column.member'),
                  cell: (item) => <Typography>{item.reminder?.to ?? item.member?.email ?? '—'}</Typography>,
                },
                { label: t('preview.column.offer'), cell: (item) => <Typography>{item.offer?.title ?? '—'}</Typography> },
              ]}
            />
          )}
        </Flex>
      </Layouts.Content>
    </Page.Main>
  );
};
