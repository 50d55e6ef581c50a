// The DHCPv6 lease engine's tables, completing what 001 sketched.
//
// Pools of any size: a lease6 row exists only for an address or prefix that
// was handed out (or is reserved). A pool's never-used space is handed out in
// order by a sequence of its own (dhcpg.pool6_<id>_offsets, made by
// dhcpg.sync_pool6_sequences when the configuration is applied): nextval never
// gives two callers the same offset and never waits, so front-ends never race
// for a new address. Used space comes back through expired rows, claimed with
// FOR UPDATE SKIP LOCKED as in DHCPv4.
export const up = (pgm) => {
  pgm.sql(`
    alter table dhcpg.subnet6
      add column interface_id       bytea,
      add column rapid_commit       boolean not null default false,
      add column offer_lifetime     integer not null default 60 check (offer_lifetime > 0),
      add column decline_probation  integer not null default 86400 check (decline_probation >= 0);
    alter table dhcpg.subnet6 alter column preferred_lifetime set not null;
    create index subnet6_prefix on dhcpg.subnet6 using gist (prefix inet_ops);

    -- A pool is a range of leases of delegated_length bits (128: addresses):
    -- lease k is first_address + k * 2^(128 - delegated_length).
    alter table dhcpg.pool6
      add column first_address  inet,
      add column last_address   inet,
      -- first_address as a number, for prefix arithmetic beyond bigint.
      add column first_number   numeric,
      -- Leases it holds: up to 2^64 addresses, or 2^(delegated - prefix) prefixes.
      add column size           numeric;
    update dhcpg.pool6 set first_address = host(prefix)::inet, last_address = host(broadcast(prefix))::inet,
                           delegated_length = coalesce(delegated_length, 128), first_number = 0, size = 1;
    alter table dhcpg.pool6
      -- Address pools may be ranges ("a - b"): the prefix is a pd-pool's.
      alter column prefix drop not null,
      alter column first_address set not null,
      alter column last_address set not null,
      alter column first_number set not null,
      alter column size set not null,
      alter column delegated_length set not null,
      add check (family(first_address) = 6 and family(last_address) = 6 and first_address <= last_address),
      add check (size > 0),
      add check (kind = 'pd' or delegated_length = 128);
    create unique index pool6_range on dhcpg.pool6 (subnet_id, kind, first_address, last_address, delegated_length);

    create unique index reservation6_duid on dhcpg.reservation6 (duid, coalesce(subnet_id, 0)) where duid is not null;
    create unique index reservation6_hw on dhcpg.reservation6 (hw_address, coalesce(subnet_id, 0)) where hw_address is not null;

    alter table dhcpg.lease6
      add column reservation_id  integer references dhcpg.reservation6 on delete set null,
      add column preferred_until timestamptz;
    -- Used space to hand out again: the longest expired first, so a previous
    -- holder keeps its lease as long as possible. Reserved rows never.
    create index lease6_free on dhcpg.lease6 (pool_id, expires_at)
      where reservation_id is null and pool_id is not null;
    create index lease6_pool on dhcpg.lease6 (pool_id);
  `);
};

export const down = (pgm) => {
  pgm.sql(`
    drop index dhcpg.lease6_free, dhcpg.lease6_pool, dhcpg.reservation6_duid, dhcpg.reservation6_hw,
               dhcpg.pool6_range, dhcpg.subnet6_prefix;
    alter table dhcpg.lease6 drop column reservation_id, drop column preferred_until;
    update dhcpg.pool6 set prefix = first_address where prefix is null;
    alter table dhcpg.pool6 alter column prefix set not null;
    alter table dhcpg.pool6 drop column first_address, drop column last_address, drop column first_number, drop column size;
    alter table dhcpg.pool6 alter column delegated_length drop not null;
    alter table dhcpg.subnet6 alter column preferred_lifetime drop not null;
    alter table dhcpg.subnet6 drop column interface_id, drop column rapid_commit, drop column offer_lifetime,
                              drop column decline_probation;
  `);
};
