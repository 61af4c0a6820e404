import { Flex } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { useGet } from '../utils/api';
import { useT } from '../utils/translate';
import { Figures, type FiguresData } from '../components/Figures';
import { ActivityChart, type ChartData } from '../components/ActivityChart';
import { SubscriptionsTable } from '../components/SubscriptionsTable';

/** Figures at a glance, the activity chart, and the lists of subscriptions. */
export const TrackingPage = () => {
  const t = useT();
  const { data } = useGet<{ data: { figures: FiguresData; chart: ChartData } }>('/subscriptions/overview');
  return (
    <Page.Main>
      <Page.Title>{t('tracking.title')}</Page.Title>
      <Layouts.Header title={t('tracking.title')} subtitle={t('tracking.subtitle')} />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={6}>
          {data ? <Figures figures={data.data.figures} /> : <Page.Loading />}
          {data && <ActivityChart chart={data.data.chart} />}
          <SubscriptionsTable />
        </Flex>
      </Layouts.Content>
    </Page.Main>
  );
};
