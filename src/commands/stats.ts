// dhcpg stats [--json]: the pool_stats view, DHCPv4 and DHCPv6 pools.
import type { Db } from '../db/pool.ts';
import { formatTable } from './table.ts';

/** A row of dhcpg.pool_stats. A DHCPv6 pool may hold 2^64 leases: counts beyond 2^53 stay text. */
export interface PoolStats {
  family: 4 | 6;
  kind: string;
  subnet_id: number;
  subnet: string;
  pool: string;
  total: number | string;
  assigned: number;
  offered: number;
  declined: number;
  reserved: number;
  free: number | string;
}

/** numeric arrives as text: a number where it is exact. */
const count = (value: string | number): number | string => (Number.isSafeInteger(Number(value)) ? Number(value) : String(value));

export const poolStats = async (db: Db): Promise<PoolStats[]> =>
  (await db.query<PoolStats>(
    'pool-stats',
    `select family, kind, subnet_id, subnet, pool, total, assigned, offered, declined, reserved, free
       from dhcpg.pool_stats order by family, subnet_id, pool_id`,
  )).map((row) => ({ ...row, total: count(row.total), free: count(row.free) }));

export const formatStats = (rows: PoolStats[]): string =>
  formatTable(
    ['subnet-id', 'subnet', 'pool', 'kind', 'total', 'assigned', 'offered', 'declined', 'reserved', 'free'],
    rows.map((r) => [r.subnet_id, r.subnet, r.pool, r.kind, r.total, r.assigned, r.offered, r.declined, r.reserved, r.free]),
  );
