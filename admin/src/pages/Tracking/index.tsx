import { Flex, Grid } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { useOverview, useRevenue } from '../../api/tracking';
import { useSchedulerHealth } from '../../api/health';
import { useT } from '../../utils/translate';
import { SubscriptionsTable } from '../../components/SubscriptionsTable';
import { Figures } from './Figures';
import { ActivityChart } from './ActivityChart';
import { RevenueChart } from './RevenueChart';
import { SafeModeBanner } from '../../components/SafeModeBanner';
import { SchedulerStatus } from './SchedulerStatus';

/** Figures at a glance, the activity and revenue charts, the lists of subscriptions, and the scheduler's last run and backlog. */
export const TrackingPage = () => {
  const t = useT();
  const { data } = useOverview();
  const revenue = useRevenue();
  const health = useSchedulerHealth();
  return (
    <Page.Main>
      <Page.Title>{t('tracking.title')}</Page.Title>
      <Layouts.Header title={t('tracking.title')} subtitle={t('tracking.subtitle')} />
      <SafeModeBanner />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={6}>
          {data ? <Figures figures={data.data.figures} /> : <Page.Loading />}
          {/* The activity chart and, beside it, the revenue figures (one above the other when narrow). */}
          <Grid.Root gap={4}>
            <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
              {data && <ActivityChart chart={data.data.chart} />}
            </Grid.Item>
            <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
              {revenue.data && <RevenueChart revenue={revenue.data.data} />}
            </Grid.Item>
          </Grid.Root>
          <SubscriptionsTable />
          {health && <SchedulerStatus report={health} />}
        </Flex>
      </Layouts.Content>
    </Page.Main>
  );
};
