// The PostgreSQL a benchmark runs on: DATABASE_URL's server (in a database of
// the bench's own, dropped afterwards), else a fresh embedded cluster with
// PostgreSQL's default durability settings, so commits cost what they cost.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbedded } from '../db/embedded.ts';
import { migrate } from '../db/schema.ts';
import { adminQuery, freePort, withDatabaseName } from '../db/admin.ts';

export interface BenchDatabase {
  /** Server-level URL (the "postgres" database). */
  adminUrl: string;
  /**
   * The embedded server's Unix socket directory, which processes in other
   * network namespaces reach (see netns.ts); none for DATABASE_URL's server.
   */
  socketDir?: string;
  /** Creates a migrated database and returns its URL. */
  create(name: string): Promise<string>;
  drop(name: string): Promise<void>;
  close(): Promise<void>;
}

export const openBenchDatabase = async (): Promise<BenchDatabase> => {
  let stop = async () => {};
  let adminUrl = process.env.DATABASE_URL;
  let socketDir: string | undefined;
  if (!adminUrl) {
    const scratch = mkdtempSync(join(tmpdir(), 'dhcpg-bench-'));
    // Its own directory, open to the server's user (postgres, when run as root).
    const sockets = mkdtempSync(join(tmpdir(), 'dhcpg-bench-socket-'));
    chmodSync(sockets, 0o777);
    const server = await startEmbedded({
      dataDir: join(scratch, 'pgdata'),
      port: await freePort(),
      settings: { max_connections: '300', shared_buffers: '512MB', listen_addresses: '127.0.0.1', unix_socket_directories: sockets },
    });
    adminUrl = server.url;
    socketDir = sockets;
    stop = async () => {
      await server.stop();
      rmSync(scratch, { recursive: true, force: true });
      rmSync(sockets, { recursive: true, force: true });
    };
  }
  const created: string[] = [];
  const admin = adminUrl;
  return {
    adminUrl: admin,
    socketDir,
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

