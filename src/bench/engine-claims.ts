// Lease engine alone, no UDP: DISCOVER + REQUEST pairs per second for new
// clients at a given number of connections (each its own front-end, as far
// as PostgreSQL can tell), with CLIENTS_PER_CONNECTION clients in flight per
// connection, as on a busy front-end: their messages go in batches, and
// answers that bind wait for a WAL flush on one more connection, as in a
// front-end (engine/wal-flush.ts).
import { connect } from '../db/pool.ts';
import { leaseEngine4, type Client4 } from '../engine/lease-engine.ts';
import { walFlusher } from '../engine/wal-flush.ts';

export interface ClaimResult {
  connections: number;
  /** Clients with a DISCOVER or REQUEST in flight at any time. */
  clients: number;
  /** Complete DISCOVER + REQUEST pairs per second. */
  leasesPerSecond: number;
  leases: number;
  /** Calls that returned no address because the pool was exhausted. */
  exhausted: number;
  seconds: number;
}

const clientNumber = (n: number): Client4 => {
  const hw = Buffer.alloc(6);
  hw.writeUInt16BE(0x0200, 0);
  hw.writeUInt32BE(n, 2);
  return { hwType: 1, hwAddress: hw };
};

export const RELAYED_LINK = { selector: '127.0.0.1', relay: '127.0.0.1' };

export const CLIENTS_PER_CONNECTION = 32;

/** Runs until `seconds` pass or `maxLeases` are granted, whichever first. */
export const measureClaims = async (url: string, connections: number, seconds: number, firstClient: number, maxLeases = 1_000_000): Promise<ClaimResult> => {
  const db = connect(url, { max: connections, applicationName: 'dhcpg-bench' });
  const flushDb = connect(url, { max: 1, applicationName: 'dhcpg-bench-flush' });
  const engine = leaseEngine4(db, { concurrency: connections, flusher: walFlusher(flushDb) });
  const clients = connections * CLIENTS_PER_CONNECTION;
  let next = firstClient;
  let leases = 0;
  let exhausted = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < deadline && leases < maxLeases) {
      const client = clientNumber(next++);
      const offer = await engine.discover(client, RELAYED_LINK);
      if (offer.action !== 'offer') {
        exhausted++;
        continue;
      }
      const ack = await engine.request(client, RELAYED_LINK, 'selecting', offer.address!);
      if (ack.action === 'ack') leases++;
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  await db.end();
  await flushDb.end();
  return { connections, clients, leasesPerSecond: leases / elapsed, leases, exhausted, seconds: elapsed };
};
