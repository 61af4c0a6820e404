import { Flex } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { useOverview } from '../../api/tracking';
import { useSchedulerHealth } from '../../api/health';
import { useT } from '../../utils/translate';
import { SubscriptionsTable } from '../../components/SubscriptionsTable';
import { Figures } from './Figures';
import { ActivityChart } from './ActivityChart';
import { SafeModeBanner } from '../../components/SafeModeBanner';
import { SchedulerStatus } from './SchedulerStatus';

/** Figures at a glance, the activity chart, the lists of subscriptions, and the scheduler's last run and backlog. */
export const TrackingPage = () => {
  const t = useT();
  const { data } = useOverview();
  const health = useSchedulerHealth();
  return (
    <Page.Main>
      <Page.Title>{t('tracking.title')}</Page.Title>
      <Layouts.Header title={t('tracking.title')} subtitle={t('tracking.subtitle')} />
      <SafeModeBanner />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={6}>
          {data ? <Figures figures={data.data.figures} /> : <Page.Loading />}
          {data && <ActivityChart chart={data.data.chart} />}
          <SubscriptionsTable />
          {health && <SchedulerStatus report={health} />}
        </Flex>
      </Layouts.Content>
    </Page.Main>
  );
};
