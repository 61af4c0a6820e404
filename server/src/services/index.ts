import clock from './clock';
import settings from './settings';
import roles from './roles';
import subscriptions from './subscriptions';
import tracking from './tracking';
import logs from './logs';
import offerAdmin from './offer-admin';

const services = { clock, settings, roles, subscriptions, tracking, logs, offerAdmin };

export type ServiceMap = typeof services;
export default services;
