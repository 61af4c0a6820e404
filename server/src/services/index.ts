import clock from './clock';
import settings from './settings';
import roles from './roles';
import subscriptions from './subscriptions';

const services = { clock, settings, roles, subscriptions };

export type ServiceMap = typeof services;
export default services;
