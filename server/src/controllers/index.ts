import settings from './settings';
import subscriptions from './subscriptions';
import offers from './offers';
import me from './me';
import click2sell from './click2sell';
import tracking from './tracking';
import logs from './logs';
import offerAdmin from './offer-admin';
import emails from './emails';
import safeMode from './safe-mode';
import preview from './preview';
import health from './health';
import members from './members';
import importer from './import';

export default { settings, subscriptions, offers, me, click2sell, tracking, logs, offerAdmin, emails, safeMode, preview, health, members, import: importer };
