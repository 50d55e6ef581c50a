// Writes a checked configuration, Dhcp4 and Dhcp6 (config/apply6.ts), into
// the database in one transaction: all of it or nothing. A family the file
// does not have is left as it is. Leases survive a re-apply: subnets are
// matched by id, pools by range, and only new DHCPv4 pools are materialised
// (one lease4 row per address, in chunks, so a CLI can show progress on a
// 1M-address pool).
import type { Db, Tx } from '../db/pool.ts';
import { numberToIpv4 } from '../net/ipv4.ts';
import type { Config4 } from './dhcp4.ts';
import type { Config6 } from './dhcp6.ts';
import { writeDhcp6, type Apply6Summary } from './apply6.ts';
import { hex, writeNetworks } from './topology.ts';

export interface ApplySummary {
  serial: number;
  subnets: number;
  pools: number;
  reservations: number;
  /** Addresses given a lease row by this apply (new pools). */
  addedAddresses: number;
  /** Lease rows removed because their address is in no pool any more. */
  removedAddresses: number;
  /** Leases still running on addresses the new configuration no longer has. */
  strandedLeases: number;
  /** When the configuration had Dhcp6. */
  dhcp6?: Apply6Summary;
  dryRun: boolean;
}

export interface ApplyOptions {
  dryRun?: boolean;
  /** Called after each chunk of addresses is written. */
  onProgress?: (done: number, total: number) => void;
}

/** The channel front-ends LISTEN on; the payload is the new config serial. */
export const CONFIG_CHANNEL = 'dhcpg_config';

const CHUNK = 65_536;

class DryRunDone extends Error {
  constructor(readonly summary: ApplySummary) {
    super('dry run');
  }
}

const writeTopology = async (tx: Tx, config: Config4): Promise<void> => {
  await writeNetworks(tx, 4, config.sharedNetworks, config.subnets.map((s) => s.id));
  await tx.query(
    `insert into dhcpg.subnet4 as s (id, prefix, shared_network_id, interface, relay_addresses,
       valid_lifetime, renew_timer, rebind_timer, offer_lifetime, decline_probation,
       authoritative, option_data)
     select n.id, n.prefix::cidr, sn.id, n.interface, n.relay::inet[],
            n.valid_lifetime, n.renew_timer, n.rebind_timer, n.offer_lifetime, n.decline_probation,
            n.authoritative, n.option_data
       from jsonb_to_recordset($1::jsonb) as n(id int, prefix text, shared_network text,
              interface text, relay text[], valid_lifetime int, renew_timer int, rebind_timer int,
              offer_lifetime int, decline_probation int, authoritative boolean, option_data jsonb)
       left join dhcpg.shared_network4 sn on sn.name = n.shared_network
     on conflict (id) do update set
       prefix = excluded.prefix, shared_network_id = excluded.shared_network_id,
       interface = excluded.interface, relay_addresses = excluded.relay_addresses,
       valid_lifetime = excluded.valid_lifetime, renew_timer = excluded.renew_timer,
       rebind_timer = excluded.rebind_timer, offer_lifetime = excluded.offer_lifetime,
       decline_probation = excluded.decline_probation, authoritative = excluded.authoritative,
       option_data = excluded.option_data`,
    [JSON.stringify(config.subnets.map((s) => ({
      id: s.id,
      prefix: s.prefix,
      shared_network: s.sharedNetwork ?? null,
      interface: s.interface ?? null,
      relay: s.relayAddresses,
      valid_lifetime: s.validLifetime,
      renew_timer: s.renewTimer ?? null,
      rebind_timer: s.rebindTimer ?? null,
      offer_lifetime: s.offerLifetime,
      decline_probation: s.declineProbation,
      authoritative: s.authoritative,
      option_data: s.optionData,
    })))],
  );
};

interface NewPool {
  id: number;
  subnet_id: number;
  first: number;
  last: number;
}

/** Replaces the pools; returns the ones that did not exist before. */
const writePools = async (tx: Tx, config: Config4): Promise<NewPool[]> => {
  const pools = JSON.stringify(config.subnets.flatMap((subnet) => subnet.pools.map((pool) => ({
    subnet_id: subnet.id,
    first: numberToIpv4(pool.first),
    last: numberToIpv4(pool.last),
    option_data: pool.optionData,
  }))));
  // Rows of a removed pool lose their pool_id (on delete set null): see below.
  await tx.query(
    `delete from dhcpg.pool4 p
      where not exists (
        select from jsonb_to_recordset($1::jsonb) as n(subnet_id int, first text, last text)
         where n.subnet_id = p.subnet_id and n.first::inet = p.first_address and n.last::inet = p.last_address)`,
    [pools],
  );
  return tx.query<NewPool>(
    `insert into dhcpg.pool4 as p (subnet_id, first_address, last_address, option_data)
     select n.subnet_id, n.first::inet, n.last::inet, n.option_data
       from jsonb_to_recordset($1::jsonb) as n(subnet_id int, first text, last text, option_data jsonb)
     on conflict (subnet_id, first_address, last_address) do update set option_data = excluded.option_data
     returning id, subnet_id, first_address - '0.0.0.0'::inet as first, last_address - '0.0.0.0'::inet as last,
               (xmax = 0) as inserted`,
    [pools],
  ).then((rows) => rows.filter((row) => (row as NewPool & { inserted: boolean }).inserted));
};

/** One lease4 row per address of each new pool, in chunks. */
const materialisePools = async (tx: Tx, pools: NewPool[], onProgress?: ApplyOptions['onProgress']): Promise<number> => {
  const total = pools.reduce((sum, pool) => sum + pool.last - pool.first + 1, 0);
  let done = 0;
  for (const pool of pools) {
    for (let start = pool.first; start <= pool.last; start += CHUNK) {
      const end = Math.min(start + CHUNK - 1, pool.last);
      // An address that was in another pool (or subnet) before moves here;
      // the client key is dropped when the subnet changes, keeping one lease
      // per client per subnet.
      await tx.query(
        `insert into dhcpg.lease4 as l (address, subnet_id, pool_id)
         select '0.0.0.0'::inet + g, $1, $2 from generate_series($3::bigint, $4::bigint) g
         on conflict (address) do update set
           pool_id = excluded.pool_id,
           subnet_id = excluded.subnet_id,
           client_key = case when l.subnet_id = excluded.subnet_id then l.client_key end`,
        [pool.subnet_id, pool.id, start, end],
      );
      done += end - start + 1;
      onProgress?.(done, total);
    }
  }
  return total;
};

const writeReservations = async (tx: Tx, config: Config4): Promise<void> => {
  // Reservations have no identity of their own in Kea's format: replace them all.
  await tx.query(`delete from dhcpg.reservation4`);
  await tx.query(
    `insert into dhcpg.reservation4 (subnet_id, hw_address, client_id, circuit_id, address, hostname, option_data)
     select n.subnet_id, decode(n.hw_address, 'hex'), decode(n.client_id, 'hex'), decode(n.circuit_id, 'hex'),
            n.address::inet, n.hostname, n.option_data
       from jsonb_to_recordset($1::jsonb) as n(subnet_id int, hw_address text, client_id text,
              circuit_id text, address text, hostname text, option_data jsonb)`,
    [JSON.stringify(config.reservations.map((r) => ({
      subnet_id: r.subnetId,
      hw_address: hex(r.hwAddress),
      client_id: hex(r.clientId),
      circuit_id: hex(r.circuitId),
      address: r.address ?? null,
      hostname: r.hostname ?? null,
      option_data: r.optionData,
    })))],
  );
  // Reserved addresses get (or keep) a lease row, inside a pool or not.
  await tx.query(
    `insert into dhcpg.lease4 as l (address, subnet_id, reservation_id)
     select r.address,
            coalesce(r.subnet_id, (select s.id from dhcpg.subnet4 s where s.prefix >>= r.address)),
            r.id
       from dhcpg.reservation4 r
      where r.address is not null
     on conflict (address) do update set reservation_id = excluded.reservation_id`,
  );
};

export interface Configs {
  dhcp4?: Config4;
  dhcp6?: Config6;
}

export const applyConfig = async (db: Db, configs: Configs, options: ApplyOptions = {}): Promise<ApplySummary> => {
  try {
    return await db.transaction(async (tx) => {
      await tx.query(`set local statement_timeout = 0`);
      // One apply at a time; front-ends are not blocked by it.
      await tx.query(`select pg_advisory_xact_lock(hashtext('dhcpg.config'))`);
      const dhcp4 = configs.dhcp4 ? await writeDhcp4(tx, configs.dhcp4, options) : undefined;
      const dhcp6 = configs.dhcp6 ? await writeDhcp6(tx, configs.dhcp6) : undefined;
      const [server] = await tx.query<{ serial: number }>(
        `update dhcpg.server set config_serial = config_serial + 1, applied_at = now() returning config_serial as serial`,
      );
      // Delivered at commit: running front-ends reload within a second.
      await tx.query(`select pg_notify($1, $2)`, [CONFIG_CHANNEL, String(server!.serial)]);
      const summary: ApplySummary = {
        serial: server!.serial,
        subnets: configs.dhcp4?.subnets.length ?? 0,
        pools: configs.dhcp4?.subnets.reduce((sum, subnet) => sum + subnet.pools.length, 0) ?? 0,
        reservations: configs.dhcp4?.reservations.length ?? 0,
        addedAddresses: dhcp4?.addedAddresses ?? 0,
        removedAddresses: dhcp4?.removedAddresses ?? 0,
        strandedLeases: dhcp4?.strandedLeases ?? 0,
        dhcp6,
        dryRun: options.dryRun ?? false,
      };
      if (options.dryRun) throw new DryRunDone(summary);
      return summary;
    });
  } catch (error) {
    if (error instanceof DryRunDone) return error.summary;
    throw error;
  }
};

export const applyConfig4 = (db: Db, config: Config4, options: ApplyOptions = {}): Promise<ApplySummary> =>
  applyConfig(db, { dhcp4: config }, options);

const writeDhcp4 = async (tx: Tx, config: Config4, options: ApplyOptions) => {
  await writeTopology(tx, config);
  const newPools = await writePools(tx, config);
  const addedAddresses = await materialisePools(tx, newPools, options.onProgress);
  await writeReservations(tx, config);
  const [removed] = await tx.query<{ count: number }>(
    `with gone as (
       delete from dhcpg.lease4
        where pool_id is null and reservation_id is null
          and (state = 'free' or expires_at <= now())
       returning 1)
     select count(*) as count from gone`,
  );
  const [stranded] = await tx.query<{ count: number }>(
    `select count(*) as count from dhcpg.lease4 where pool_id is null and reservation_id is null`,
  );
  await tx.query(`update dhcpg.server set config4 = $1::jsonb`, [JSON.stringify(config.source)]);
  return { addedAddresses, removedAddresses: removed!.count, strandedLeases: stranded!.count };
};

/** The Dhcp4 and Dhcp6 objects as last applied ({} when none was). */
export const appliedConfig = async (db: Db): Promise<{ Dhcp4?: unknown; Dhcp6?: unknown }> => {
  const [row] = await db.query<{ config4: unknown; config6: unknown }>('applied-config', 'select config4, config6 from dhcpg.server');
  return { ...(row?.config4 ? { Dhcp4: row.config4 } : {}), ...(row?.config6 ? { Dhcp6: row.config6 } : {}) };
};
