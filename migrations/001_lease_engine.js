// The lease engine's tables and the front-end role. Its functions, types and
// views are sql/'s, installed after the migrations by every "migrate up"
// (src/db/schema.ts).
//
// Tables hold the truth; functions are the only writers a front-end may use.
// IPv4 pools are materialised (one lease4 row per address) so that claiming a
// free address is an index range scan with FOR UPDATE SKIP LOCKED. IPv6 pools
// can hold 2^64 addresses, so lease6 holds only addresses that were handed out.
export const up = (pgm) => {
  pgm.sql(`
    create schema dhcpg;

    -- Lifecycle of the address in a lease row. "free" rows were never leased.
    create type dhcpg.lease_state as enum ('free', 'offered', 'bound', 'released', 'declined');

    -- Server-wide identity and the configuration as last applied: one row.
    create table dhcpg.server (
      singleton    boolean primary key default true check (singleton),
      -- DHCPv6 server DUID shared by every front-end (DUID-UUID, RFC 6355).
      duid         bytea not null default '\\x0004'::bytea || decode(replace(gen_random_uuid()::text, '-', ''), 'hex'),
      -- The Dhcp4 / Dhcp6 objects exactly as applied, for "dhcpg config show".
      config4      jsonb,
      config6      jsonb,
      -- Bumped by every apply; front-ends compare it to know their cache is current.
      config_serial bigint not null default 0,
      applied_at   timestamptz
    );
    insert into dhcpg.server default values;

    create table dhcpg.shared_network4 (
      id    serial primary key,
      name  text not null unique
    );

    -- One row per Kea subnet4; lifetimes and options hold the effective values
    -- after inheritance (global, then shared network, then subnet).
    create table dhcpg.subnet4 (
      id                 integer primary key check (id > 0),
      prefix             cidr not null unique check (family(prefix) = 4),
      shared_network_id  integer references dhcpg.shared_network4 on delete set null,
      interface          text,
      relay_addresses    inet[] not null default '{}',
      valid_lifetime     integer not null check (valid_lifetime > 0),
      renew_timer        integer check (renew_timer > 0),
      rebind_timer       integer check (rebind_timer > 0),
      offer_lifetime     integer not null check (offer_lifetime > 0),
      decline_probation  integer not null check (decline_probation >= 0),
      authoritative      boolean not null default false,
      -- Effective option-data list (Kea format) the front-ends encode and cache.
      option_data        jsonb not null default '[]'
    );
    create index subnet4_prefix on dhcpg.subnet4 using gist (prefix inet_ops);

    create table dhcpg.pool4 (
      id             serial primary key,
      subnet_id      integer not null references dhcpg.subnet4 on delete cascade,
      first_address  inet not null check (family(first_address) = 4),
      last_address   inet not null check (family(last_address) = 4),
      option_data    jsonb not null default '[]',
      check (first_address <= last_address),
      unique (subnet_id, first_address, last_address)
    );

    -- Host reservations; subnet_id null is a global reservation. Like Kea,
    -- each reservation is keyed by exactly one identifier.
    create table dhcpg.reservation4 (
      id           serial primary key,
      subnet_id    integer references dhcpg.subnet4 on delete cascade,
      hw_address   bytea,
      client_id    bytea,
      circuit_id   bytea,
      address      inet check (family(address) = 4),
      hostname     text,
      option_data  jsonb not null default '[]',
      check (num_nonnulls(hw_address, client_id, circuit_id) = 1)
    );
    -- Identifier first: these also serve the lookup of every DISCOVER and REQUEST.
    create unique index reservation4_hw on dhcpg.reservation4 (hw_address, coalesce(subnet_id, 0)) where hw_address is not null;
    create unique index reservation4_client_id on dhcpg.reservation4 (client_id, coalesce(subnet_id, 0)) where client_id is not null;
    create unique index reservation4_circuit_id on dhcpg.reservation4 (circuit_id, coalesce(subnet_id, 0)) where circuit_id is not null;
    create unique index reservation4_address on dhcpg.reservation4 (address) where address is not null;

    -- One row per address of every pool, plus reserved addresses outside pools.
    -- The primary key is invariant 1: an address has one holder at most.
    create table dhcpg.lease4 (
      address         inet primary key check (family(address) = 4),
      subnet_id       integer not null references dhcpg.subnet4 on delete cascade,
      -- Null for a reserved address outside every pool, or for an active lease
      -- whose pool was removed (it lives until it expires, and is not renewed).
      pool_id         integer references dhcpg.pool4 on delete set null,
      reservation_id  integer references dhcpg.reservation4 on delete set null,
      state           dhcpg.lease_state not null default 'free',
      -- Identity of the current or last holder: the client identifier (option
      -- 61) when sent, else hardware type and address. Kept after release and
      -- expiry so a returning client gets its previous address back.
      client_key      bytea,
      hw_type         smallint,
      hw_address      bytea,
      client_id       bytea,
      hostname        text,
      -- The address is held until this moment: end of the lease, of the offer,
      -- or of decline probation; '-infinity' for a never-used address. A row is
      -- free for a new client once expires_at <= now, so expiry needs no sweeper.
      expires_at      timestamptz not null default '-infinity',
      updated_at      timestamptz
    );
    -- Invariant 2: one lease (current or previous) per client per subnet.
    create unique index lease4_client on dhcpg.lease4 (subnet_id, client_key) where client_key is not null;
    -- The free-address scan: never-used addresses first, then the longest
    -- expired, so previous holders keep their address as long as possible.
    -- Reserved addresses and orphans of a removed pool are never in it.
    create index lease4_free on dhcpg.lease4 (subnet_id, expires_at, address)
      where reservation_id is null and pool_id is not null;
    create index lease4_pool on dhcpg.lease4 (pool_id);

    -- IPv6 (front-end to come): only handed-out leases are stored.
    create table dhcpg.shared_network6 (
      id    serial primary key,
      name  text not null unique
    );
    create table dhcpg.subnet6 (
      id                 integer primary key check (id > 0),
      prefix             cidr not null unique check (family(prefix) = 6),
      shared_network_id  integer references dhcpg.shared_network6 on delete set null,
      interface          text,
      relay_addresses    inet[] not null default '{}',
      valid_lifetime     integer not null check (valid_lifetime > 0),
      preferred_lifetime integer,
      renew_timer        integer,
      rebind_timer       integer,
      option_data        jsonb not null default '[]'
    );
    create table dhcpg.pool6 (
      id               serial primary key,
      subnet_id        integer not null references dhcpg.subnet6 on delete cascade,
      -- 'na': addresses; 'pd': delegated prefixes of delegated_length bits.
      kind             text not null check (kind in ('na', 'pd')),
      prefix           cidr not null check (family(prefix) = 6),
      delegated_length smallint check (delegated_length between 1 and 128),
      option_data      jsonb not null default '[]'
    );
    create table dhcpg.reservation6 (
      id           serial primary key,
      subnet_id    integer references dhcpg.subnet6 on delete cascade,
      duid         bytea,
      hw_address   bytea,
      addresses    inet[] not null default '{}',
      prefixes     cidr[] not null default '{}',
      hostname     text,
      option_data  jsonb not null default '[]',
      check (num_nonnulls(duid, hw_address) = 1)
    );
    create table dhcpg.lease6 (
      -- An address (/128) or a delegated prefix; exclusion of overlapping
      -- prefixes is the allocation functions' job via the pool's grid.
      prefix       cidr primary key check (family(prefix) = 6),
      kind         text not null check (kind in ('na', 'pd')),
      subnet_id    integer not null references dhcpg.subnet6 on delete cascade,
      pool_id      integer references dhcpg.pool6 on delete set null,
      state        dhcpg.lease_state not null,
      duid         bytea,
      iaid         bigint,
      hw_address   bytea,
      hostname     text,
      expires_at   timestamptz not null,
      updated_at   timestamptz
    );
    -- Invariant 2 for DHCPv6: one lease per client per IA.
    create unique index lease6_client on dhcpg.lease6 (subnet_id, duid, iaid, kind) where duid is not null;

    -- The role a front-end connects as: it may call the functions, nothing else.
    do $$
    begin
      create role dhcpg_frontend nologin;
    exception when duplicate_object or unique_violation then
      null; -- created by another database on this cluster, or concurrently
    end
    $$;
    grant usage on schema dhcpg to dhcpg_frontend;
  `);
};

export const down = (pgm) => {
  pgm.sql('drop schema dhcpg cascade');
};
