import { Badge, Box, Typography, Link } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { NavLink } from 'react-router-dom';
import { useOffers } from '../../api/offers';
import type { OfferSummary } from '../../api/contract';
import { CONTENT_MANAGER } from '../../links';
import { PERIOD_LABELS, useT } from '../../utils/translate';
import { PagedTable, type Column } from '../../components/PagedTable';

/** The offers, each linking to its subscribers and notification rules. */
export const OffersPage = () => {
  const t = useT();
  const { data, loading } = useOffers();
  const columns: Column<OfferSummary>[] = [
    {
      label: t('offers.column.title'),
      cell: (o) => (
        <NavLink to={o.documentId} style={{ textDecoration: 'none' }}>
          <Typography fontWeight="semiBold" textColor="primary600">
            {o.title}
          </Typography>
        </NavLink>
      ),
    },
    {
      label: t('offers.column.duration'),
      cell: (o) => (
        <Typography>{o.duration === 0 ? t('unlimited') : `${o.duration} ${t(PERIOD_LABELS[o.period])}`}</Typography>
      ),
    },
    {
      label: t('offers.column.price'),
      cell: (o) => <Typography>{o.price === null ? '—' : `${o.price} ${o.currency ?? ''}`}</Typography>,
    },
    { label: t('offers.column.active'), cell: (o) => <Typography>{o.activeSubscriptions}</Typography> },
    {
      label: t('offers.column.available'),
      cell: (o) => (
        <Badge active={Boolean(o.available)}>{o.available ? t('offers.available') : t('offers.unavailable')}</Badge>
      ),
    },
  ];
  return (
    <Page.Main>
      <Page.Title>{t('offers.title')}</Page.Title>
      <Layouts.Header
        title={t('offers.title')}
        subtitle={t('offers.subtitle')}
        primaryAction={<Link href={CONTENT_MANAGER.newOffer}>{t('offers.create')}</Link>}
      />
      <Layouts.Content>
        {loading && !data ? (
          <Page.Loading />
        ) : (
          <Box background="neutral0" hasRadius shadow="filterShadow" padding={6}>
            <PagedTable
              columns={columns}
              rows={data?.data ?? []}
              rowKey={(o) => o.documentId}
              empty={t('offers.empty')}
            />
          </Box>
        )}
      </Layouts.Content>
    </Page.Main>
  );
};
