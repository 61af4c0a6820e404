import settings from './settings';
import subscriptions from './subscriptions';

export default { settings, subscriptions };
