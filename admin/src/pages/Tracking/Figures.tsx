import { Box, Flex, Grid, Typography } from '@strapi/design-system';
import type { Figures as FigureValues } from '../../api/contract';
import { msg, useT } from '../../utils/translate';

/** The four figures, in order: which value, its label, and what the browser tests look for. */
const FIGURES: { key: keyof FigureValues; label: string; testId: string }[] = [
  { key: 'activeSubscribers', label: msg('figures.active'), testId: 'figure-active' },
  { key: 'endingIn7Days', label: msg('figures.ending7'), testId: 'figure-ending7' },
  { key: 'endingIn30Days', label: msg('figures.ending30'), testId: 'figure-ending30' },
  { key: 'expiredThisMonth', label: msg('figures.expiredMonth'), testId: 'figure-expired' },
];

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
export const Figures = ({ figures }: { figures: FigureValues }) => {
  const t = useT();
  return (
    <Grid.Root gap={4}>
      {FIGURES.map(({ key, label, testId }) => (
        <Grid.Item key={key} col={3} s={6} xs={12} direction="column" alignItems="stretch">
          <Figure label={t(label)} value={figures[key]} testId={testId} />
        </Grid.Item>
      ))}
    </Grid.Root>
  );
};
