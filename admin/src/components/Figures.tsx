import { Box, Flex, Grid, Typography } from '@strapi/design-system';
import { useT } from '../utils/translate';

export interface FiguresData {
  activeSubscribers: number;
  activeSubscriptions: number;
  endingIn7Days: number;
  endingIn30Days: number;
  expiredThisMonth: number;
}

const Figure = ({ label, value, testId }: { label: string; value: number; testId: string }) => (
  <Box background="neutral0" hasRadius shadow="filterShadow" padding={5} height="100%">
    <Flex direction="column" alignItems="flex-start" gap={1}>
      <Typography variant="sigma" textColor="neutral600">
        {label}
      </Typography>
      <Typography variant="alpha" tag="p" data-testid={testId}>
        {value.toLocaleString()}
      </Typography>
    </Flex>
  </Box>
);

/** The figures at a glance. */
export const Figures = ({ figures }: { figures: FiguresData }) => {
  const t = useT();
  return (
    <Grid.Root gap={4}>
      <Grid.Item col={3} s={6} xs={12} direction="column" alignItems="stretch">
        <Figure label={t('figures.active')} value={figures.activeSubscribers} testId="figure-active" />
      </Grid.Item>
      <Grid.Item col={3} s={6} xs={12} direction="column" alignItems="stretch">
        <Figure label={t('figures.ending7')} value={figures.endingIn7Days} testId="figure-ending7" />
      </Grid.Item>
      <Grid.Item col={3} s={6} xs={12} direction="column" alignItems="stretch">
        <Figure label={t('figures.ending30')} value={figures.endingIn30Days} testId="figure-ending30" />
      </Grid.Item>
      <Grid.Item col={3} s={6} xs={12} direction="column" alignItems="stretch">
        <Figure label={t('figures.expiredMonth')} value={figures.expiredThisMonth} testId="figure-expired" />
      </Grid.Item>
    </Grid.Root>
  );
};
