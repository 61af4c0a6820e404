import settings from './settings';
import subscriptions from './subscriptions';
import offers from './offers';
import me from './me';
import tracking from './tracking';
import logs from './logs';
import offerAdmin from './offer-admin';
import emails from './emails';

export default { settings, subscriptions, offers, me, tracking, logs, offerAdmin, emails };
