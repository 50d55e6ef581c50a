// dhcpg leases [--subnet CIDR] [--state S] [--mac M] [--json]: reads the leases4 view.
import type { Db } from '../db/pool.ts';
import { formatTable } from './table.ts';

export interface LeaseFilter {
  subnet?: string;
  state?: string;
  mac?: string;
}

/** A row of dhcpg.leases4 as the CLI shows it. */
export interface LeaseRow {
  address: string;
  hwaddr: string | null;
  client_id: string | null;
  subnet: string;
  state: string;
  expires_at: Date;
  hostname: string | null;
  reserved: boolean;
}

const STATES = ['offered', 'bound', 'released', 'declined', 'expired'];

export const listLeases = async (db: Db, filter: LeaseFilter): Promise<LeaseRow[]> => {
  if (filter.state && !STATES.includes(filter.state)) {
    throw new Error(`unknown state "${filter.state}" (one of ${STATES.join(', ')})`);
  }
  return db.query<LeaseRow>(
    'list-leases',
    `select address, hwaddr, client_id, subnet, state, expires_at, hostname, reserved
       from dhcpg.leases4
      where ($1::cidr is null or address <<= $1::cidr)
        and ($2::text is null or state = $2::text)
        and ($3::text is null or hwaddr = lower(replace($3::text, '-', ':')))
      order by address`,
    [filter.subnet ?? null, filter.state ?? null, filter.mac ?? null],
  );
};

export const formatLeases = (rows: LeaseRow[]): string =>
  formatTable(
    ['address', 'hwaddr', 'client-id', 'subnet', 'state', 'expires', 'hostname'],
    rows.map((row) => [row.address, row.hwaddr, row.client_id, row.subnet, row.state,
      Number.isFinite(row.expires_at.getTime()) ? row.expires_at.toISOString() : '', row.hostname]),
  );
