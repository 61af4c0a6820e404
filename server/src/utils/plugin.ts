import type { Core } from '@strapi/strapi';
import type { ServiceMap } from '../services';

export const PLUGIN_ID = 'subscriptions';

/** Typed access to this plugin's services. */
export const getService = <K extends keyof ServiceMap>(strapi: Core.Strapi, name: K): ReturnType<ServiceMap[K]> =>
  strapi.plugin(PLUGIN_ID).service(name) as ReturnType<ServiceMap[K]>;
