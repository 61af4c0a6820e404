import type { Core } from '@strapi/strapi';
import { unregisterCron } from './cron';
import { getService } from './utils/plugin';

const destroy = ({ strapi }: { strapi: Core.Strapi }) => {
  unregisterCron(strapi);
  getService(strapi, 'messages').cancelSoon();
};

export default destroy;
