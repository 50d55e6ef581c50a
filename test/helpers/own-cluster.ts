// A PostgreSQL cluster of a test's own, for tests that stop, crash, hang or
// fail it over on purpose (the suite's shared server must not be touched),
// and the lease schema with a configuration on one of its databases.
import type { Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbedded, type EmbeddedOptions, type EmbeddedServer } from '../../src/db/embedded.ts';
import { migrate } from '../../src/db/schema.ts';
import { connect } from '../../src/db/pool.ts';
import { applyConfig4 } from '../../src/config/apply.ts';
import { readDhcp4 } from '../../src/config/dhcp4.ts';

/** A scratch directory (mkdtemp's 0700) for a test's clusters, removed at teardown (after the clusters stop). */
export const scratchDir = (t: Test): string => {
  const dir = mkdtempSync(join(tmpdir(), 'dhcpg-cluster-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

export interface OwnCluster {
  /** The server as last started. */
  readonly server: EmbeddedServer;
  /** Starts it again on the same data directory and port. */
  restart(): Promise<EmbeddedServer>;
}

/** Starts a cluster and stops it at teardown, whatever the test did to it. */
export const ownCluster = async (t: Test, options: EmbeddedOptions): Promise<OwnCluster> => {
  let server = await startEmbedded(options);
  t.teardown(() => server.stop());
  return {
    get server() {
      return server;
    },
    restart: async () => {
      server = await startEmbedded(options);
      return server;
    },
  };
};

/** One LAN relayed from 127.0.0.1 (a relay on this host's loopback): 192.0.2.0/24, pool .10 - .250. */
export const RELAYED_LAN = {
  subnet4: [{ id: 1, subnet: '192.0.2.0/24', relay: { 'ip-addresses': ['127.0.0.1'] }, pools: [{ pool: '192.0.2.10 - 192.0.2.250' }] }],
};

/** Migrates the database at url and applies a Dhcp4 object to it. */
export const migrateAndApply = async (url: string, dhcp4: unknown): Promise<void> => {
  await migrate(url, 'up');
  const db = connect(url, { max: 1 });
  try {
    await applyConfig4(db, readDhcp4(dhcp4).config);
  } finally {
    await db.end();
  }
};
