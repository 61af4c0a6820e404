export const PLUGIN_ID = 'subscriptions';
