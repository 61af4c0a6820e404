import * as React from 'react';
import { Box, Flex, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import { useTheme } from 'styled-components';
import type { Revenue } from '../../api/contract';
import { FilterSelect } from '../../components/FilterSelect';
import { msg, useT } from '../../utils/translate';

const W = 900;
const H = 260;
const PAD = { left: 64, right: 12, top: 12, bottom: 28 };

/**
 * Payments and refunds per month in one currency (bars; the ledger's amounts as Click2Sell sent
 * them), the MRR now, and a table of the months with new and churned members. Plain SVG, as the
 * activity chart: no chart library in the admin bundle.
 */
export const RevenueChart = ({ revenue }: { revenue: Revenue }) => {
  const t = useT();
  const { formatDate, formatNumber } = useIntl();
  const theme = useTheme() as unknown as { colors: Record<string, string> };
  const [picked, setPicked] = React.useState('');
  const currency = revenue.currencies.includes(picked) ? picked : (revenue.currencies[0] ?? '');
  const money = (amount: number, code = currency) =>
    code ? formatNumber(amount, { style: 'currency', currency: code }) : formatNumber(amount);
  const amountOf = (list: { currency: string; amount: number }[]) => list.find((m) => m.currency === currency)?.amount ?? 0;
  const months = revenue.months.map((m) => ({ ...m, paid: amountOf(m.revenue), back: amountOf(m.refunds) }));

  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const max = Math.max(1, ...months.map((m) => Math.max(m.paid, m.back)));
  const step = Math.max(1, Math.ceil(max / 4));
  const top = step * 4;
  const y = (v: number) => PAD.top + innerH - (v / top) * innerH;
  const slot = innerW / Math.max(1, months.length);
  const bar = Math.min(18, slot / 3);
  const monthLabel = (month: string, options: Intl.DateTimeFormatOptions) => formatDate(`${month}-01T00:00:00Z`, { ...options, timeZone: 'UTC' });
  const bars = [
    { value: 'paid', label: t('revenue.payments'), color: theme.colors.success500, left: true },
    { value: 'back', label: t('revenue.refunds'), color: theme.colors.danger500, left: false },
  ] as const;

  return (
    <Box background="neutral0" hasRadius shadow="filterShadow" padding={6} height="100%" data-testid="revenue-chart">
      <Flex justifyContent="space-between" paddingBottom={4} wrap="wrap" gap={2}>
        <Typography variant="delta" tag="h2">
          {t('revenue.title')}
        </Typography>
        <Flex gap={4}>
          <Legend color={theme.colors.success500} label={t('revenue.payments')} />
          <Legend color={theme.colors.danger500} label={t('revenue.refunds')} />
          {revenue.currencies.length > 1 && (
            <FilterSelect
              label={t('revenue.currency')}
              value={currency}
              onChange={setPicked}
              clearable={false}
              options={revenue.currencies.map((c) => ({ value: c, label: c }))}
            />
          )}
        </Flex>
      </Flex>
      {revenue.currencies.length === 0 ? (
        <Typography textColor="neutral600">{t('revenue.empty')}</Typography>
      ) : (
        <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={t('revenue.title')}>
          {[0, 1, 2, 3, 4].map((i) => (
            <g key={i}>
              <line x1={PAD.left} x2={W - PAD.right} y1={y(i * step)} y2={y(i * step)} stroke={theme.colors.neutral150} />
              <text x={PAD.left - 6} y={y(i * step) + 4} textAnchor="end" fontSize="11" fill={theme.colors.neutral600}>
                {formatNumber(i * step)}
              </text>
            </g>
          ))}
          {months.map((m, i) => (
            <g key={m.month}>
              {bars.map(({ value, label, color, left }) => (
                <rect
                  key={value}
                  x={PAD.left + i * slot + slot / 2 + (left ? -bar - 1 : 1)}
                  y={y(m[value])}
                  width={bar}
                  height={y(0) - y(m[value])}
                  fill={color}
                  opacity={0.7}
                >
                  <title>{`${m.month}: ${label} ${money(m[value])}`}</title>
                </rect>
              ))}
              <text x={PAD.left + i * slot + slot / 2} y={H - 8} textAnchor="middle" fontSize="11" fill={theme.colors.neutral600}>
                {monthLabel(m.month, { month: 'short' })}
              </text>
            </g>
          ))}
        </svg>
      )}
      <Box paddingTop={2} paddingBottom={4}>
        <Typography variant="pi" textColor="neutral600" data-testid="revenue-mrr">
          {t('revenue.mrr', {
            amount: revenue.mrr.length ? revenue.mrr.map((m) => money(m.amount, m.currency)).join(' + ') : money(0),
            count: revenue.mrr.reduce((sum, m) => sum + m.count, 0),
          })}
        </Typography>
      </Box>
      <Table colCount={5} rowCount={months.length + 1}>
        <Thead>
          <Tr>
            {[msg('revenue.month'), msg('revenue.payments'), msg('revenue.refunds'), msg('revenue.newMembers'), msg('revenue.churnedMembers')].map((key) => (
              <Th key={key}>
                <Typography variant="sigma">{t(key)}</Typography>
              </Th>
            ))}
          </Tr>
        </Thead>
        <Tbody>
          {[...months].reverse().map((m) => (
            <Tr key={m.month} data-testid="revenue-row">
              <Td>
                <Typography>{monthLabel(m.month, { month: 'long', year: 'numeric' })}</Typography>
              </Td>
              <Td>
                <Typography>{m.revenue.filter((x) => x.count > 0).map((x) => money(x.amount, x.currency)).join(', ') || '–'}</Typography>
              </Td>
              <Td>
                <Typography>{m.refunds.filter((x) => x.count > 0).map((x) => money(x.amount, x.currency)).join(', ') || '–'}</Typography>
              </Td>
              <Td>
                <Typography>{m.newMembers}</Typography>
              </Td>
              <Td>
                <Typography>{m.churnedMembers}</Typography>
              </Td>
            </Tr>
          ))}
        </Tbody>
      </Table>
    </Box>
  );
};

const Legend = ({ color, label }: { color: string; label: string }) => (
  <Flex gap={2}>
    <span style={{ display: 'inline-block', width: 12, height: 12, borderRadius: 2, background: color }} />
    <Typography variant="pi">{label}</Typography>
  </Flex>
);
