import * as React from 'react';
import { useParams, NavLink } from 'react-router-dom';
import { Button, Flex, Typography } from '@strapi/design-system';
import { ArrowLeft, Plus } from '@strapi/icons';
import { Layouts, Page } from '@strapi/strapi/admin';
import { useCan } from '../../utils/can';
import { PERMISSIONS } from '../../permissions';
import { useOffer } from '../../api/offers';
import type { SubscriptionListItem } from '../../api/contract';
import { PERIOD_LABELS, useT } from '../../utils/translate';
import { SubscriptionsTable } from '../../components/SubscriptionsTable';
import { RulesCard } from './RulesCard';
import { AddSubscriberModal } from './AddSubscriberModal';
import { EditDatesModal } from './EditDatesModal';

/** One offer: its notification rules and its subscribers, with "add a subscriber". */
export const OfferPage = () => {
  const { documentId } = useParams<{ documentId: string }>();
  const t = useT();
  const { data, reload } = useOffer(documentId as string);
  const canEdit = useCan(PERMISSIONS.subscribers);
  const [adding, setAdding] = React.useState(false);
  const [editing, setEditing] = React.useState<SubscriptionListItem | null>(null);
  const [tableKey, setTableKey] = React.useState(0);
  const offer = data?.data;
  if (!offer) return <Page.Loading />;

  /** A subscriber modal closes; the subscribers are read again when it saved something. */
  const closeModal = (close: () => void, saved: boolean) => {
    close();
    if (saved) setTableKey((k) => k + 1);
  };

  return (
    <Page.Main>
      <Page.Title>{offer.title}</Page.Title>
      <Layouts.Header
        title={offer.title}
        subtitle={
          offer.duration === 0 ? t('unlimited') : `${offer.duration} ${t(PERIOD_LABELS[offer.period] ?? 'period.days')}`
        }
        navigationAction={
          <NavLink to=".." relative="path" style={{ textDecoration: 'none' }}>
            <Flex gap={1}>
              <ArrowLeft />
              <Typography textColor="primary600">{t('offers.back')}</Typography>
            </Flex>
          </NavLink>
        }
        primaryAction={
          canEdit ? (
            <Button startIcon={<Plus />} onClick={() => setAdding(true)}>
              {t('subscriber.add')}
            </Button>
          ) : undefined
        }
      />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={6}>
          <RulesCard offer={offer} canEdit={canEdit} onChange={reload} />
          <Flex direction="column" alignItems="stretch" gap={2}>
            <Typography variant="delta" tag="h2">
              {t('subscriber.title')}
            </Typography>
            <SubscriptionsTable offer={offer.documentId} reloadKey={tableKey} onEditDates={setEditing} />
          </Flex>
        </Flex>
      </Layouts.Content>
      {adding && <AddSubscriberModal offer={offer} onClose={(added) => closeModal(() => setAdding(false), added)} />}
      {editing && <EditDatesModal item={editing} onClose={(saved) => closeModal(() => setEditing(null), saved)} />}
    </Page.Main>
  );
};
