import settings from './settings';
import subscriptions from './subscriptions';
import offers from './offers';
import me from './me';
import click2sell from './click2sell';
import messages from './messages';

export default { settings, subscriptions, offers, me, click2sell, messages };
