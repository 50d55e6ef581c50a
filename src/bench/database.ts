// The PostgreSQL a benchmark runs on: DATABASE_URL's server (in a database of
// the bench's own, dropped afterwards), else a fresh embedded cluster with
// PostgreSQL's default durability settings, so commits cost what they cost.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbedded } from '../db/embedded.ts';
import { migrate } from '../db/schema.ts';
import { adminQuery, freePort, withDatabaseName } from '../db/admin.ts';

export interface BenchDatabase {
  /** Server-level URL (the "postgres" database). */
  adminUrl: string;
  /** Creates a migrated database and returns its URL. */
  create(name: string): Promise<string>;
  drop(name: string): Promise<void>;
  close(): Promise<void>;
}

export const openBenchDatabase = async (): Promise<BenchDatabase> => {
  let stop = async () => {};
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const scratch = mkdtempSync(join(tmpdir(), 'dhcpg-bench-'));
    const server = await startEmbedded({
      dataDir: join(scratch, 'pgdata'),
      port: await freePort(),
      settings: { max_connections: '300', shared_buffers: '512MB', listen_addresses: '127.0.0.1' },
    });
    adminUrl = server.url;
    stop = async () => {
      await server.stop();
      rmSync(scratch, { recursive: true, force: true });
    };
  }
  const created: string[] = [];
  const admin = adminUrl;
  return {
    adminUrl: admin,
    create: async (name) => {
      await adminQuery(admin, `drop database if exists ${name} with (force)`);
      await adminQuery(admin, `create database ${name}`);
      created.push(name);
      const url = withDatabaseName(admin, name);
      await migrate(url, 'up');
      return url;
    },
    drop: async (name) => {
      await adminQuery(admin, `drop database if exists ${name} with (force)`);
    },
    close: async () => {
      for (const name of created) await adminQuery(admin, `drop database if exists ${name} with (force)`).catch(() => {});
      await stop();
    },
  };
};

