// The baseline dhcpg replaces: an iterative allocator as Kea's shared-database
// mode works (pick the next candidate address, check it, try to insert the
// lease, and on losing the race to another server move on and retry), written
// here against a lease table of its own in the same database.
import { connect } from '../db/pool.ts';
import { numberToIpv4 } from '../net/ipv4.ts';

export interface IterativeResult {
  connections: number;
  leases: number;
  /** Insert attempts lost to another allocator, per 1000 leases. */
  retriesPer1000: number;
  leasesPerSecond: number;
}

export const measureIterative = async (url: string, connections: number, leasesWanted: number, firstAddress: number): Promise<IterativeResult> => {
  const db = connect(url, { max: connections, applicationName: 'dhcpg-bench-iterative' });
  await db.query('iter-table', `create table if not exists bench_iterative_lease (address inet primary key, hw bytea not null)`);
  await db.query('iter-truncate', `truncate bench_iterative_lease`);
  let leases = 0;
  let retries = 0;
  let client = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, async () => {
    // Each allocator walks the pool from its start, as each Kea server does.
    let cursor = firstAddress;
    while (leases < leasesWanted) {
      const hw = Buffer.alloc(6);
      hw.writeUInt32BE(++client, 2);
      for (;;) {
        const address = numberToIpv4(cursor++);
        const [taken] = await db.query<{ taken: boolean }>('iter-check',
          `select exists (select from bench_iterative_lease where address = $1::inet) as taken`, [address]);
        if (taken!.taken) continue;
        const inserted = await db.query('iter-insert',
          `insert into bench_iterative_lease (address, hw) values ($1::inet, $2::bytea) on conflict do nothing returning 1`, [address, hw]);
        if (inserted.length === 1) break;
        retries++;
      }
      leases++;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  await db.query('iter-drop', `drop table bench_iterative_lease`);
  await db.end();
  return { connections, leases, retriesPer1000: (retries * 1000) / leases, leasesPerSecond: leases / seconds };
};
