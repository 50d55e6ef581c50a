// Writes a checked Dhcp6 configuration, inside the transaction of an apply
// (config/apply.ts). Leases survive a re-apply: subnets are matched by id and
// pools by range, so a pool keeps its id, its lease rows and its sequence of
// never-used offsets (sql/pool6.sql). Nothing is materialised: a pool of
// 2^64 addresses costs one row.
import type { Tx } from '../db/pool.ts';
import { ipv6FromValue, ipv6Value } from '../net/ipv6-range.ts';
import type { Config6 } from './dhcp6.ts';
import { hex, writeNetworks } from './topology.ts';

/** An IPv6 address's 128-bit number (the reader checked every address). */
const addressNumber = (address: string): bigint => ipv6Value(address)!;

export interface Apply6Summary {
  subnets: number;
  pools: number;
  pdPools: number;
  reservations: number;
}

export const writeDhcp6 = async (tx: Tx, config: Config6): Promise<Apply6Summary> => {
  // lease6 has no foreign keys (migrations/007): a removed subnet's leases go here.
  const removedSubnets = await writeNetworks(tx, 6, config.sharedNetworks, config.subnets.map((s) => s.id));
  if (removedSubnets.length > 0) {
    await tx.query(`delete from dhcpg.lease6 where subnet_id = any ($1::int[])`, [removedSubnets]);
  }
  await tx.query(
    `insert into dhcpg.subnet6 as s (id, prefix, shared_network_id, interface, interface_id, relay_addresses,
       preferred_lifetime, valid_lifetime, renew_timer, rebind_timer, rapid_commit, decline_probation, option_data)
     select n.id, n.prefix::cidr, sn.id, n.interface, decode(n.interface_id, 'hex'), n.relay::inet[],
            n.preferred_lifetime, n.valid_lifetime, n.renew_timer, n.rebind_timer, n.rapid_commit,
            n.decline_probation, n.option_data
       from jsonb_to_recordset($1::jsonb) as n(id int, prefix text, shared_network text, interface text,
              interface_id text, relay text[], preferred_lifetime int, valid_lifetime int, renew_timer int,
              rebind_timer int, rapid_commit boolean, decline_probation int, option_data jsonb)
       left join dhcpg.shared_network6 sn on sn.name = n.shared_network
     on conflict (id) do update set
       prefix = excluded.prefix, shared_network_id = excluded.shared_network_id, interface = excluded.interface,
       interface_id = excluded.interface_id, relay_addresses = excluded.relay_addresses,
       preferred_lifetime = excluded.preferred_lifetime, valid_lifetime = excluded.valid_lifetime,
       renew_timer = excluded.renew_timer, rebind_timer = excluded.rebind_timer,
       rapid_commit = excluded.rapid_commit, decline_probation = excluded.decline_probation,
       option_data = excluded.option_data`,
    [JSON.stringify(config.subnets.map((s) => ({
      id: s.id,
      prefix: s.prefix,
      shared_network: s.sharedNetwork ?? null,
      interface: s.interface ?? null,
      interface_id: hex(s.interfaceId),
      relay: s.relayAddresses,
      preferred_lifetime: s.preferredLifetime,
      valid_lifetime: s.validLifetime,
      renew_timer: s.renewTimer ?? null,
      rebind_timer: s.rebindTimer ?? null,
      rapid_commit: s.rapidCommit,
      decline_probation: s.declineProbation,
      option_data: s.optionData,
    })))],
  );

  const pools = config.subnets.flatMap((subnet) => [
    ...subnet.pools.map((pool) => ({
      subnet_id: subnet.id, kind: 'na', prefix: null, first: pool.first, last: pool.last, delegated_length: 128,
      first_number: addressNumber(pool.first).toString(), size: pool.size.toString(), option_data: pool.optionData,
    })),
    ...subnet.pdPools.map((pool) => {
      const [network] = pool.prefix.split('/') as [string];
      const first = addressNumber(network);
      return {
        subnet_id: subnet.id, kind: 'pd', prefix: pool.prefix, first: network,
        // The last delegated prefix's first address.
        last: ipv6FromValue(first + (pool.count - 1n) * 2n ** BigInt(128 - pool.delegatedLength)),
        delegated_length: pool.delegatedLength, first_number: first.toString(), size: pool.count.toString(),
        option_data: pool.optionData,
      };
    }),
  ]);
  // Rows of a removed pool lose their pool_id: they live until they expire,
  // and are not handed out again.
  const removedPools = await tx.query<{ id: number }>(
    `delete from dhcpg.pool6 p
      where not exists (
        select from jsonb_to_recordset($1::jsonb) as n(subnet_id int, kind text, first text, last text, delegated_length int)
         where n.subnet_id = p.subnet_id and n.kind = p.kind and n.first::inet = p.first_address
           and n.last::inet = p.last_address and n.delegated_length = p.delegated_length)
      returning p.id`,
    [JSON.stringify(pools)],
  );
  if (removedPools.length > 0) {
    await tx.query(`update dhcpg.lease6 set pool_id = null where pool_id = any ($1::int[])`, [removedPools.map((row) => row.id)]);
  }
  await tx.query(
    `insert into dhcpg.pool6 (subnet_id, kind, prefix, first_address, last_address, delegated_length, first_number, size, option_data)
     select n.subnet_id, n.kind, n.prefix::cidr, n.first::inet, n.last::inet, n.delegated_length, n.first_number::numeric,
            n.size::numeric, n.option_data
       from jsonb_to_recordset($1::jsonb) as n(subnet_id int, kind text, prefix text, first text, last text,
              delegated_length int, first_number text, size text, option_data jsonb)
     on conflict (subnet_id, kind, first_address, last_address, delegated_length) do update set option_data = excluded.option_data`,
    [JSON.stringify(pools)],
  );
  await tx.query(`select dhcpg.sync_pool6_sequences()`);

  // Reservations have no identity of their own in Kea's format: replace them all.
  await tx.query(`delete from dhcpg.reservation6`);
  await tx.query(
    `insert into dhcpg.reservation6 (subnet_id, duid, hw_address, addresses, prefixes, hostname, option_data)
     select n.subnet_id, decode(n.duid, 'hex'), decode(n.hw_address, 'hex'), n.addresses::inet[], n.prefixes::cidr[],
            n.hostname, n.option_data
       from jsonb_to_recordset($1::jsonb) as n(subnet_id int, duid text, hw_address text, addresses text[],
              prefixes text[], hostname text, option_data jsonb)`,
    [JSON.stringify(config.reservations.map((r) => ({
      subnet_id: r.subnetId,
      duid: hex(r.duid),
      hw_address: hex(r.hwAddress),
      addresses: r.addresses,
      prefixes: r.prefixes,
      hostname: r.hostname ?? null,
      option_data: r.optionData,
    })))],
  );
  // Reserved addresses and prefixes get (or keep) a lease row, so that no
  // pool hands them to anyone else.
  await tx.query(
    `insert into dhcpg.lease6 as l (prefix, kind, subnet_id, pool_id, reservation_id, state, expires_at)
     select x.prefix, x.kind, s.id,
            (select p.id from dhcpg.pool6 p where p.subnet_id = s.id and p.kind = x.kind
               and host(x.prefix)::inet between p.first_address and p.last_address limit 1),
            x.reservation_id, 'free', '-infinity'
       from (select r.id as reservation_id, r.subnet_id, unnest(r.addresses)::cidr as prefix, 'na' as kind from dhcpg.reservation6 r
             union all
             select r.id, r.subnet_id, unnest(r.prefixes), 'pd' from dhcpg.reservation6 r) x
       join dhcpg.subnet6 s on s.id = coalesce(x.subnet_id,
              (select s2.id from dhcpg.subnet6 s2 where s2.prefix >>= x.prefix order by masklen(s2.prefix) desc limit 1))
     on conflict (prefix) do update set reservation_id = excluded.reservation_id`,
  );
  await tx.query(`update dhcpg.server set config6 = $1::jsonb`, [JSON.stringify(config.source)]);
  return {
    subnets: config.subnets.length,
    pools: config.subnets.reduce((sum, s) => sum + s.pools.length, 0),
    pdPools: config.subnets.reduce((sum, s) => sum + s.pdPools.length, 0),
    reservations: config.reservations.length,
  };
};
