// dhcpg leases [--subnet CIDR] [--state S] [--mac M] [--json]: reads the leases4
// and leases6 views.
import type { Db } from '../db/pool.ts';
import { formatTable } from './table.ts';

export interface LeaseFilter {
  subnet?: string;
  state?: string;
  mac?: string;
}

/** A row of dhcpg.leases4 or dhcpg.leases6 as the CLI shows it. */
export interface LeaseRow {
  /** An address, or a delegated prefix (with its length). */
  address: string;
  /** 'v4', 'ia_na' or 'ia_pd'. */
  type: string;
  hwaddr: string | null;
  client_id: string | null;
  duid: string | null;
  iaid: number | null;
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
    `select address, type, hwaddr, client_id, duid, iaid, subnet, state, expires_at, hostname, reserved from (
       select host(address) as address, 'v4' as type, hwaddr, client_id, null as duid, null::bigint as iaid,
              subnet, state, expires_at, hostname, reserved, address as sort
         from dhcpg.leases4
       union all
       select case when type = 'ia_pd' then address::text else host(address) end, type, hwaddr, null, duid, iaid,
              subnet, state, expires_at, hostname, reserved, address
         from dhcpg.leases6) l
      where ($1::cidr is null or sort <<= $1::cidr)
        and ($2::text is null or state = $2::text)
        and ($3::text is null or hwaddr = lower(replace($3::text, '-', ':')))
      order by family(sort), sort`,
    [filter.subnet ?? null, filter.state ?? null, filter.mac ?? null],
  );
};

export const formatLeases = (rows: LeaseRow[]): string =>
  formatTable(
    ['address', 'hwaddr', 'client-id', 'subnet', 'state', 'expires', 'hostname', 'type', 'duid', 'iaid'],
    rows.map((row) => [row.address, row.hwaddr, row.client_id, row.subnet, row.state,
      Number.isFinite(row.expires_at.getTime()) ? row.expires_at.toISOString() : '', row.hostname, row.type, row.duid, row.iaid]),
  );
