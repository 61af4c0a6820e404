import clock from './clock';
import settings from './settings';
import roles from './roles';
import subscriptions from './subscriptions';
import members from './members';
import click2sell from './click2sell';

const services = { clock, settings, roles, subscriptions, members, click2sell };

export type ServiceMap = typeof services;
export default services;
