import { Box, Flex, Grid, Typography } from '@strapi/design-system';
import type { HealthReport } from '../../api/contract';
import { useFormatDate } from '../../utils/dates';
import { msg, useT } from '../../utils/translate';

/** The figures of a run worth showing, in order. */
const RUN_FIGURES: { key: string; label: string }[] = [
  { key: 'activated', label: msg('health.figure.activated') },
  { key: 'expired', label: msg('health.figure.expired') },
  { key: 'cancelled', label: msg('health.figure.cancelled') },
  { key: 'graceEnded', label: msg('health.figure.graceEnded') },
  { key: 'remindersQueued', label: msg('health.figure.remindersQueued') },
  { key: 'sent', label: msg('health.figure.sent') },
  { key: 'failed', label: msg('health.figure.failed') },
  { key: 'errors', label: msg('health.figure.errors') },
];

/** An age in seconds, in the largest whole unit. */
const useAge = () => {
  const t = useT();
  return (seconds: number) => {
    if (seconds < 120) return t('health.age.seconds', { count: seconds });
    if (seconds < 2 * 3600) return t('health.age.minutes', { count: Math.floor(seconds / 60) });
    if (seconds < 2 * 86_400) return t('health.age.hours', { count: Math.floor(seconds / 3600) });
    return t('health.age.days', { count: Math.floor(seconds / 86_400) });
  };
};

const Line = ({ label, value, testId }: { label: string; value: string; testId?: string }) => (
  <Flex gap={2}>
    <Typography variant="omega" textColor="neutral600">
      {label}
    </Typography>
    <Typography variant="omega" fontWeight="bold" data-testid={testId}>
      {value}
    </Typography>
  </Flex>
);

/** The Tracking page's scheduler box: the last run (when, where, what it did) and the outbox backlog. */
export const SchedulerStatus = ({ report }: { report: HealthReport }) => {
  const t = useT();
  const formatDate = useFormatDate();
  const age = useAge();
  const run = report.lastRun;
  const { backlog } = report;
  return (
    <Box background="neutral0" hasRadius shadow="filterShadow" padding={5} data-testid="scheduler-status">
      <Flex direction="column" alignItems="stretch" gap={4}>
        <Typography variant="delta" tag="h2">
          {t('health.title')}
        </Typography>
        <Grid.Root gap={4}>
          <Grid.Item col={6} s={12} direction="column" alignItems="flex-start" gap={2}>
            <Typography variant="sigma" textColor="neutral600">
              {t('health.lastRun')}
            </Typography>
            {run ? (
              <>
                <Line label={t('health.when')} value={formatDate(run.finishedAt, true)} testId="last-run-at" />
                <Line label={t('health.where')} value={t('health.process', { host: run.host, pid: run.pid })} />
                <Line label={t('health.steps')} value={run.steps.join(', ')} />
                {run.failed && <Line label={t('health.failure')} value={run.failure ?? '—'} />}
                <Typography variant="pi" textColor="neutral600">
                  {RUN_FIGURES.map(({ key, label }) => `${t(label)}: ${run.figures[key] ?? 0}`).join(' · ')}
                </Typography>
              </>
            ) : (
              <Typography variant="omega">{t('health.noRunYet')}</Typography>
            )}
            <Typography variant="pi" textColor="neutral600">
              {report.cron.staleAfterSeconds === null
                ? t('health.cronUnreadable', { rules: report.cron.rules.join(', ') })
                : t('health.cron', { rules: report.cron.rules.join(', '), minutes: Math.round(report.cron.staleAfterSeconds / 60) })}
            </Typography>
          </Grid.Item>
          <Grid.Item col={6} s={12} direction="column" alignItems="flex-start" gap={2}>
            <Typography variant="sigma" textColor="neutral600">
              {t('health.backlog')}
            </Typography>
            <Line label={t('health.pending')} value={String(backlog.pending)} testId="backlog-pending" />
            <Line label={t('health.failedMessages')} value={t('health.failedCount', { count: backlog.failed, forGood: backlog.failedForGood })} testId="backlog-failed" />
            <Line
              label={t('health.oldestPending')}
              value={backlog.oldestPendingAgeSeconds === null ? '—' : age(backlog.oldestPendingAgeSeconds)}
              testId="backlog-oldest"
            />
          </Grid.Item>
        </Grid.Root>
      </Flex>
    </Box>
  );
};
