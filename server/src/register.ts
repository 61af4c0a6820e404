import type { Core } from '@strapi/strapi';
import { registerDocumentMiddleware } from './document-middleware';
import { registerContentManagerGuard } from './content-manager-guard';

const register = ({ strapi }: { strapi: Core.Strapi }) => {
  registerDocumentMiddleware(strapi);
  registerContentManagerGuard(strapi);
};

export default register;
