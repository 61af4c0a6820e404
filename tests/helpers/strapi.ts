import crypto from 'crypto';
import request from 'supertest';
import type { Core } from '@strapi/strapi';
import { freshDatabase } from './database';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { ephemeralEnv } = require('../../playground/scripts/ephemeral-env');

// eslint-disable-next-line @typescript-eslint/no-var-requires
const app = require('../../playground/scripts/app');
/** The playground (a TypeScript app): its folder, and dist/ where its compiled config and src are. */
export const PLAYGROUND: string = app.PLAYGROUND;
export const PLAYGROUND_DIST: string = app.PLAYGROUND_DIST;

/**
 * Boots the real playground app (with the built plugin) on a fresh database and mounts its HTTP
 * routes, without listening on a port: supertest talks to `strapi.server.httpServer`.
 * Demo data and cron are off unless asked for.
 */
export const bootStrapi = async (
  label: string,
  env: Record<string, string> = {}
): Promise<Core.Strapi> => {
  Object.assign(process.env, {
    NODE_ENV: 'test',
    ...ephemeralEnv(),
    USERS_PERMISSIONS_RATELIMIT: 'false',
    BROWSER: 'none',
    ...(await freshDatabase(label)),
    ...env,
  });
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { createStrapi } = require('@strapi/strapi');
  const instance = createStrapi({ appDir: PLAYGROUND, distDir: PLAYGROUND_DIST, autoReload: false, serveAdminPanel: false });
  instance.log.level = process.env.TEST_LOG_LEVEL || 'error';
  await instance.load();
  await instance.server.mount();
  return instance as Core.Strapi;
};

export const stopStrapi = async (strapi: Core.Strapi | undefined) => {
  if (!strapi) return;
  await strapi.destroy();
};

export const http = (strapi: Core.Strapi) => request(strapi.server.httpServer);

let adminCounter = 0;

/** Creates an admin user with the given role code (default super admin) and logs in over HTTP. */
export const adminJwt = async (
  strapi: Core.Strapi,
  roleCode = 'strapi-super-admin'
): Promise<{ jwt: string; id: number; email: string }> => {
  adminCounter += 1;
  const email = `admin${adminCounter}-${Date.now()}@test.local`;
  const password = 'Admin-password-1';
  const role = await strapi.db.query('admin::role').findOne({ where: { code: roleCode } });
  if (!role) throw new Error(`no admin role ${roleCode}`);
  const user = await strapi.service('admin::user').create({
    email,
    firstname: 'Test',
    lastname: 'Admin',
    password,
    isActive: true,
    roles: [role.id],
  });
  const res = await http(strapi).post('/admin/login').send({ email, password });
  if (res.status !== 200) throw new Error(`admin login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { jwt: res.body.data.token, id: user.id, email };
};

let userCounter = 0;

/** A users-permissions user with the default role, written through the plugin's own service. */
export const createMember = async (
  strapi: Core.Strapi,
  overrides: Record<string, unknown> = {}
): Promise<{ id: number; documentId: string; email: string }> => {
  userCounter += 1;
  const email = `member${userCounter}-${crypto.randomBytes(3).toString('hex')}@test.local`;
  const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'authenticated' } });
  return strapi.db.query('plugin::users-permissions.user').create({
    data: { username: email, email, provider: 'local', confirmed: true, blocked: false, role: role.id, ...overrides },
  });
};

export const roleOf = async (strapi: Core.Strapi, userId: number): Promise<string | null> => {
  const user = await strapi.db
    .query('plugin::users-permissions.user')
    .findOne({ where: { id: userId }, populate: { role: true } });
  return user?.role?.type ?? null;
};

export const createRole = async (strapi: Core.Strapi, type: string) =>
  strapi.db.query('plugin::users-permissions.role').create({ data: { type, name: type, description: type } });

export const subscriptionsService = (strapi: Core.Strapi) => strapi.plugin('subscriptions').service('subscriptions');
