import clock from './clock';
import settings from './settings';
import roles from './roles';
import subscriptions from './subscriptions';
import messages from './messages';
import scheduler from './scheduler';

const services = { clock, settings, roles, subscriptions, messages, scheduler };

export type ServiceMap = typeof services;
export default services;
