import { Box, Flex, Typography } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import { useTheme } from 'styled-components';
import type { Chart } from '../../api/contract';
import { useT } from '../../utils/translate';

const W = 900;
const H = 260;
const PAD = { left: 44, right: 12, top: 12, bottom: 28 };

/**
 * Active subscriptions per day over the last 12 months (a line) with starts and expiries per
 * month (bars). Plain SVG: no chart library in the admin bundle for one picture.
 */
export const ActivityChart = ({ chart }: { chart: Chart }) => {
  const t = useT();
  const { formatDate } = useIntl();
  const theme = useTheme() as unknown as { colors: Record<string, string> };
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const maxActive = Math.max(1, ...chart.days.map((d) => d.active));
  const maxBar = Math.max(1, ...chart.months.map((m) => Math.max(m.starts, m.expiries)));
  // Whole-number gridlines: four equal steps up to a rounded top.
  const step = Math.max(1, Math.ceil(Math.max(maxActive, maxBar) / 4));
  const top = step * 4;
  const y = (v: number) => PAD.top + innerH - (v / top) * innerH;
  const x = (i: number) => PAD.left + (i / Math.max(1, chart.days.length - 1)) * innerW;
  const slot = innerW / Math.max(1, chart.months.length);
  const bar = Math.min(18, slot / 3);
  const line = chart.days.map((d, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(d.active).toFixed(1)}`).join(' ');
  const ticks = [0, 1, 2, 3, 4].map((i) => i * step);
  const last = chart.days[chart.days.length - 1];
  // Each month's two bars, starts left of its middle and expiries right of it.
  const bars = [
    { value: 'starts', label: t('chart.starts'), color: theme.colors.success500, left: true },
    { value: 'expiries', label: t('chart.expiries'), color: theme.colors.danger500, left: false },
  ] as const;

  return (
    <Box background="neutral0" hasRadius shadow="filterShadow" padding={6}>
      <Flex justifyContent="space-between" paddingBottom={4} wrap="wrap" gap={2}>
        <Typography variant="delta" tag="h2">
          {t('chart.title')}
        </Typography>
        <Flex gap={4}>
          <Legend color={theme.colors.primary600} label={t('chart.active')} />
          <Legend color={theme.colors.success500} label={t('chart.starts')} />
          <Legend color={theme.colors.danger500} label={t('chart.expiries')} />
        </Flex>
      </Flex>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={t('chart.title')}>
        {ticks.map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} stroke={theme.colors.neutral150} />
            <text x={PAD.left - 6} y={y(v) + 4} textAnchor="end" fontSize="11" fill={theme.colors.neutral600}>
              {v}
            </text>
          </g>
        ))}
        {chart.months.map((m, i) => (
          <g key={m.month}>
            {bars.map(({ value, label, color, left }) => (
              <rect
                key={label}
                x={PAD.left + i * slot + slot / 2 + (left ? -bar - 1 : 1)}
                y={y(m[value])}
                width={bar}
                height={y(0) - y(m[value])}
                fill={color}
                opacity={0.7}
              >
                <title>{`${m.month}: ${label} ${m[value]}`}</title>
              </rect>
            ))}
            <text
              x={PAD.left + i * slot + slot / 2}
              y={H - 8}
              textAnchor="middle"
              fontSize="11"
              fill={theme.colors.neutral600}
            >
              {formatDate(`${m.month}-01T00:00:00Z`, { month: 'short', timeZone: 'UTC' })}
            </text>
          </g>
        ))}
        <path d={line} fill="none" stroke={theme.colors.primary600} strokeWidth={2} />
      </svg>
      {last && (
        <Typography variant="pi" textColor="neutral600">
          {t('chart.today', { count: last.active })}
        </Typography>
      )}
    </Box>
  );
};

const Legend = ({ color, label }: { color: string; label: string }) => (
  <Flex gap={2}>
    <span style={{ display: 'inline-block', width: 12, height: 12, borderRadius: 2, background: color }} />
    <Typography variant="pi">{label}</Typography>
  </Flex>
);
