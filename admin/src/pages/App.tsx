import { Routes, Route } from 'react-router-dom';
import { Layouts, Page } from '@strapi/strapi/admin';
import { PERMISSIONS } from '../permissions';
import { PluginNav } from '../components/PluginNav';
import { HealthBanner } from '../components/HealthBanner';
import { TrackingPage } from './Tracking';
import { OffersPage } from './Offers';
import { OfferPage } from './Offer';
import { LogsPage } from './Logs';
import { PreviewPage } from './Preview';
import { ImportPage } from './Import';

/**
 * Main menu → Subscriptions: tracking, offers and logs, for admins with the read permission; the
 * scheduler's health banner on top of every page.
 */
export const App = () => (
  <Page.Protect permissions={PERMISSIONS.read}>
    <Layouts.Root sideNav={<PluginNav />}>
      <HealthBanner />
      <Routes>
        <Route index element={<TrackingPage />} />
        <Route path="offers" element={<OffersPage />} />
        <Route path="offers/:documentId" element={<OfferPage />} />
        <Route path="logs" element={<LogsPage />} />
        <Route path="preview" element={<PreviewPage />} />
        <Route path="import" element={<ImportPage />} />
        <Route path="*" element={<Page.Error />} />
      </Routes>
    </Layouts.Root>
  </Page.Protect>
);
