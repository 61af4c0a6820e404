import { Badge, Box, Table, Tbody, Td, Th, Thead, Tr, Typography, Link } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { NavLink } from 'react-router-dom';
import { useGet } from '../utils/api';
import { PERIOD_LABELS, useT } from '../utils/translate';

interface OfferSummary {
  documentId: string;
  title: string;
  duration: number;
  period: string;
  price: number | null;
  currency: string | null;
  available: boolean;
  activeSubscriptions: number;
}

/** The offers, each linking to its subscribers and notification rules. */
export const OffersPage = () => {
  const t = useT();
  const { data, loading } = useGet<{ data: OfferSummary[] }>('/subscriptions/offers');
  const offers = data?.data ?? [];
  return (
    <Page.Main>
      <Page.Title>{t('offers.title')}</Page.Title>
      <Layouts.Header
        title={t('offers.title')}
        subtitle={t('offers.subtitle')}
        primaryAction={
          <Link href="/admin/content-manager/collection-types/plugin::subscriptions.offer/create">
            {t('offers.create')}
          </Link>
        }
      />
      <Layouts.Content>
        {loading && !data ? (
          <Page.Loading />
        ) : (
          <Box background="neutral0" hasRadius shadow="filterShadow" padding={6}>
            <Table colCount={5} rowCount={offers.length + 1}>
              <Thead>
                <Tr>
                  <Th>
                    <Typography variant="sigma">{t('offers.column.title')}</Typography>
                  </Th>
                  <Th>
                    <Typography variant="sigma">{t('offers.column.duration')}</Typography>
                  </Th>
                  <Th>
                    <Typography variant="sigma">{t('offers.column.price')}</Typography>
                  </Th>
                  <Th>
                    <Typography variant="sigma">{t('offers.column.active')}</Typography>
                  </Th>
                  <Th>
                    <Typography variant="sigma">{t('offers.column.available')}</Typography>
                  </Th>
                </Tr>
              </Thead>
              <Tbody>
                {offers.map((o) => (
                  <Tr key={o.documentId}>
                    <Td>
                      <NavLink to={o.documentId} style={{ textDecoration: 'none' }}>
                        <Typography fontWeight="semiBold" textColor="primary600">
                          {o.title}
                        </Typography>
                      </NavLink>
                    </Td>
                    <Td>
                      <Typography>
                        {o.duration === 0 ? t('unlimited') : `${o.duration} ${t(PERIOD_LABELS[o.period])}`}
                      </Typography>
                    </Td>
                    <Td>
                      <Typography>{o.price === null ? '—' : `${o.price} ${o.currency ?? ''}`}</Typography>
                    </Td>
                    <Td>
                      <Typography>{o.activeSubscriptions}</Typography>
                    </Td>
                    <Td>
                      <Badge active={o.available}>
                        {o.available ? t('offers.available') : t('offers.unavailable')}
                      </Badge>
                    </Td>
                  </Tr>
                ))}
              </Tbody>
            </Table>
            {offers.length === 0 && (
              <Box padding={6}>
                <Typography textColor="neutral600">{t('offers.empty')}</Typography>
              </Box>
            )}
          </Box>
        )}
      </Layouts.Content>
    </Page.Main>
  );
};
