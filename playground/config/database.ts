import path from 'path';
import type { Core } from '@strapi/strapi';

type Client = Core.Config.Database.ClientKind;

/**
 * SQLite by default (nothing to install). DATABASE_CLIENT=postgres or mysql (MariaDB too) with
 * the usual DATABASE_* variables selects a server; the test harness uses the same switches.
 * Strapi loads this file compiled, from dist/config: the playground's folder is two levels up.
 */
const config = ({ env }: Core.Config.Shared.ConfigParams): Core.Config.Database => {
  const requested = env('DATABASE_CLIENT', 'sqlite');
  const client = (requested === 'mariadb' ? 'mysql' : requested) as Client;

  const connections: Record<Client, Core.Config.Database['connection']> = {
    sqlite: {
      client: 'sqlite',
      connection: {
        filename: path.resolve(__dirname, '..', '..', env('DATABASE_FILENAME', '.tmp/data.db')),
      },
      useNullAsDefault: true,
    },
    postgres: {
      client: 'postgres',
      connection: {
        host: env('DATABASE_HOST', '127.0.0.1'),
        port: env.int('DATABASE_PORT', 5432),
        database: env('DATABASE_NAME', 'strapi'),
        user: env('DATABASE_USERNAME', 'postgres'),
        password: env('DATABASE_PASSWORD', ''),
        ssl: env.bool('DATABASE_SSL', false),
        schema: env('DATABASE_SCHEMA', 'public'),
      },
      pool: { min: env.int('DATABASE_POOL_MIN', 0), max: env.int('DATABASE_POOL_MAX', 10) },
    },
    mysql: {
      client: 'mysql',
      connection: {
        host: env('DATABASE_HOST', '127.0.0.1'),
        port: env.int('DATABASE_PORT', 3306),
        database: env('DATABASE_NAME', 'strapi'),
        user: env('DATABASE_USERNAME', 'root'),
        password: env('DATABASE_PASSWORD', ''),
        ssl: env.bool('DATABASE_SSL', false),
      },
      pool: { min: env.int('DATABASE_POOL_MIN', 0), max: env.int('DATABASE_POOL_MAX', 10) },
    },
  };

  if (!Object.prototype.hasOwnProperty.call(connections, client)) {
    throw new Error(`DATABASE_CLIENT must be sqlite, postgres, mysql or mariadb (got "${requested}")`);
  }

  return {
    connection: {
      ...connections[client],
      acquireConnectionTimeout: env.int('DATABASE_CONNECTION_TIMEOUT', 60000),
    },
  };
};

export default config;
