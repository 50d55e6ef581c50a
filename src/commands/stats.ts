// dhcpg stats [--json]: the pool_stats view.
import type { Db } from '../db/pool.ts';
import { formatTable } from './table.ts';

/** A row of dhcpg.pool_stats. */
export interface PoolStats {
  subnet_id: number;
  subnet: string;
  pool: string;
  total: number;
  assigned: number;
  offered: number;
  declined: number;
  reserved: number;
  free: number;
}

export const poolStats = (db: Db): Promise<PoolStats[]> =>
  db.query<PoolStats>(
    'pool-stats',
    `select subnet_id, subnet, pool, total, assigned, offered, declined, reserved, free
       from dhcpg.pool_stats order by subnet_id, pool_id`,
  );

export const formatStats = (rows: PoolStats[]): string =>
  formatTable(
    ['subnet-id', 'subnet', 'pool', 'total', 'assigned', 'offered', 'declined', 'reserved', 'free'],
    rows.map((r) => [r.subnet_id, r.subnet, r.pool, r.total, r.assigned, r.offered, r.declined, r.reserved, r.free]),
  );
