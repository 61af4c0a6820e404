import clock from './clock';
import settings from './settings';
import roles from './roles';
import subscriptions from './subscriptions';
import members from './members';
import click2sell from './click2sell';
import messages from './messages';
import scheduler from './scheduler';

const services = { clock, settings, roles, subscriptions, members, click2sell, messages, scheduler };

export type ServiceMap = typeof services;
export default services;
