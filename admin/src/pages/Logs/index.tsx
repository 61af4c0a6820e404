import * as React from 'react';
import { Tabs } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { useT } from '../../utils/translate';
import { PaymentEventsTab } from './PaymentEventsTab';
import { MessagesTab } from './MessagesTab';
import { SafeModeBanner } from '../../components/SafeModeBanner';

/** Logs: every Click2Sell call, and every e-mail the scheduler sent or failed to send. */
export const LogsPage = () => {
  const t = useT();
  const [tab, setTab] = React.useState('payments');
  return (
    <Page.Main>
      <Page.Title>{t('logs.title')}</Page.Title>
      <Layouts.Header title={t('logs.title')} subtitle={t('logs.subtitle')} />
      <SafeModeBanner />
      <Layouts.Content>
        <Tabs.Root value={tab} onValueChange={setTab}>
          <Tabs.List aria-label={t('logs.title')}>
            <Tabs.Trigger value="payments">{t('logs.payments')}</Tabs.Trigger>
            <Tabs.Trigger value="messages">{t('logs.messages')}</Tabs.Trigger>
          </Tabs.List>
          <Tabs.Content value="payments">
            <PaymentEventsTab />
          </Tabs.Content>
          <Tabs.Content value="messages">
            <MessagesTab />
          </Tabs.Content>
        </Tabs.Root>
      </Layouts.Content>
    </Page.Main>
  );
};
