import type { Core } from '@strapi/strapi';
import { CRON_JOB_NAME } from './cron';
import { getService } from './utils/plugin';

const destroy = ({ strapi }: { strapi: Core.Strapi }) => {
  strapi.cron?.remove?.(CRON_JOB_NAME);
  getService(strapi, 'messages').cancelSoon();
};

export default destroy;
