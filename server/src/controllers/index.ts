import settings from './settings';
import subscriptions from './subscriptions';
import offers from './offers';
import me from './me';
import messages from './messages';

export default { settings, subscriptions, offers, me, messages };
