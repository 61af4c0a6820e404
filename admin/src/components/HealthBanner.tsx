import * as React from 'react';
import { Alert, Box, Flex } from '@strapi/design-system';
import { useSchedulerHealth } from '../api/health';
import type { HealthProblemCode, HealthReport } from '../api/contract';
import { useFormatDate } from '../utils/dates';
import { msg, useT } from '../utils/translate';

/** What each problem is, and how to fix it (the server's `code`s, all of them). */
export const PROBLEM_LABELS: Record<string, { title: string; fix: string }> = {
  'strapi-cron-disabled': { title: msg('health.problem.strapiCron.title'), fix: msg('health.problem.strapiCron.fix') },
  'plugin-cron-disabled': { title: msg('health.problem.pluginCron.title'), fix: msg('health.problem.pluginCron.fix') },
  'invalid-cron-rule': { title: msg('health.problem.invalidRule.title'), fix: msg('health.problem.invalidRule.fix') },
  'no-run': { title: msg('health.problem.noRun.title'), fix: msg('health.problem.noRun.fix') },
  stale: { title: msg('health.problem.stale.title'), fix: msg('health.problem.stale.fix') },
} satisfies Record<HealthProblemCode, { title: string; fix: string }>;

/** The problems of a report, one alert each (nothing when healthy). */
export const HealthProblems = ({ report }: { report: HealthReport }) => {
  const t = useT();
  const formatDate = useFormatDate();
  // Closed alerts stay closed until the page is loaded again.
  const [closed, setClosed] = React.useState<string[]>([]);
  const shown = report.problems.filter((problem) => !closed.includes(problem.code));
  if (shown.length === 0) return null;
  return (
    <Flex direction="column" alignItems="stretch" gap={2} data-testid="health-banner">
      {shown.map((problem) => {
        const label = PROBLEM_LABELS[problem.code];
        const values = {
          lastRunAt: formatDate(problem.lastRunAt, true),
          rules: report.cron.rules.join(', '),
          minutes: Math.round((report.cron.staleAfterSeconds ?? 0) / 60),
        };
        return (
          <Alert
            key={problem.code}
            variant="danger"
            title={label ? t(label.title, values) : problem.code}
            closeLabel={t('health.close')}
            onClose={() => setClosed([...closed, problem.code])}
          >
            {label ? t(label.fix, values) : problem.message}
          </Alert>
        );
      })}
    </Flex>
  );
};

/** On top of every Subscriptions page: what is wrong with the scheduled work, and how to fix it. */
export const HealthBanner = () => {
  const report = useSchedulerHealth();
  if (!report || report.ok) return null;
  return (
    <Box paddingLeft={10} paddingRight={10} paddingTop={4}>
      <HealthProblems report={report} />
    </Box>
  );
};
