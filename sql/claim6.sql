-- One IA's lease (an IA_NA address or an IA_PD prefix) for a client, claimed
-- for `state` ('offered' by an ADVERTISE, 'bound' by a REPLY), in DESIGN's
-- order: the client's current or previous lease, its reservation, its hint,
-- then a new one. NULL when the subnets have nothing left.
--
-- The caller holds the client's advisory lock (dhcpg.client_lock_id of its
-- DUID), so its own rows change under no one else. Every other claim never
-- waits: rows are locked with SKIP LOCKED, and a lease without a row yet is
-- inserted only under a try-lock of its address (dhcpg.client_lock_id of the
-- address), so two front-ends never wait for, nor fail on, each other.
create or replace function dhcpg.claim6(
  subnets   integer[],
  kind      text,
  duid      bytea,
  iaid      bigint,
  hw        bytea,
  hints     inet[],
  state     dhcpg.lease_state,
  hostname  text,
  now       timestamptz)
returns dhcpg.lease6
language plpgsql
as $$
declare
  v_lease    dhcpg.lease6;
  v_pool     dhcpg.pool6;
  v_prefix   inet;
  v_offset   bigint;
  v_reserved dhcpg.reservation6;
  v_tries    integer;
begin
  -- 1. Its current or previous lease in these subnets: still its own until
  --    another client takes the row (declined ones excepted).
  select l.* into v_lease from dhcpg.lease6 l
    where l.subnet_id = any (claim6.subnets) and l.duid = claim6.duid and l.iaid = claim6.iaid
      and l.kind = claim6.kind and l.state <> 'declined'
    order by l.expires_at desc limit 1
    for update;

  -- 2. Its reservation (by DUID, then by hardware address; subnet first).
  if v_lease.prefix is null then
    select r.* into v_reserved from dhcpg.reservation6 r
      where (r.duid = claim6.duid or (claim6.hw is not null and r.hw_address = claim6.hw))
        and (r.subnet_id = any (claim6.subnets) or r.subnet_id is null)
        and cardinality(case when claim6.kind = 'na' then r.addresses else r.prefixes::inet[] end) > 0
      order by r.subnet_id is null, r.duid is null limit 1;
    if v_reserved.id is not null then
      v_prefix := case when claim6.kind = 'na' then v_reserved.addresses[1] else v_reserved.prefixes[1]::inet end;
      select l.* into v_lease from dhcpg.lease6 l where l.prefix = v_prefix for update skip locked;
    end if;
  end if;

  -- 3. Its hint, when it lies in a pool of these subnets, aligned, and free.
  if v_lease.prefix is null then
    for v_prefix, v_pool.id, v_pool.subnet_id in
      select h, p.id, p.subnet_id from unnest(claim6.hints) h
        join dhcpg.pool6 p on p.subnet_id = any (claim6.subnets) and p.kind = claim6.kind
          and masklen(h) = case when claim6.kind = 'na' then 128 else p.delegated_length end
          and network(h) = h and host(h)::inet between p.first_address and p.last_address
    loop
      select l.* into v_lease from dhcpg.lease6 l where l.prefix = v_prefix
        for update skip locked;
      if v_lease.prefix is not null then
        exit when v_lease.expires_at <= claim6.now and v_lease.reservation_id is null;
        v_lease := null;
      elsif not exists (select from dhcpg.lease6 l where l.prefix = v_prefix)
            and pg_try_advisory_xact_lock(dhcpg.client_lock_id(decode(md5(v_prefix::text), 'hex'))) then
        insert into dhcpg.lease6 (prefix, kind, subnet_id, pool_id, state, expires_at)
          values (v_prefix, claim6.kind, v_pool.subnet_id, v_pool.id, 'free', '-infinity')
          on conflict do nothing
          returning * into v_lease;
        exit when v_lease.prefix is not null;
      end if;
    end loop;
  end if;

  -- 4. A never-used lease: the pool's next offset (nextval never repeats and
  --    never waits). A row already there (a hint, a reservation, a pool
  --    applied again) costs one more offset.
  if v_lease.prefix is null then
    <<pools>>
    for v_pool in
      select p.* from dhcpg.pool6 p where p.subnet_id = any (claim6.subnets) and p.kind = claim6.kind
        order by array_position(claim6.subnets, p.subnet_id), p.id
    loop
      for v_tries in 1 .. 8 loop
        v_offset := nextval(dhcpg.pool6_sequence(v_pool.id));
        exit when v_offset >= v_pool.size;
        v_prefix := dhcpg.pool6_lease(v_pool, v_offset);
        continue when not pg_try_advisory_xact_lock(dhcpg.client_lock_id(decode(md5(v_prefix::text), 'hex')));
        insert into dhcpg.lease6 (prefix, kind, subnet_id, pool_id, state, expires_at)
          values (v_prefix, claim6.kind, v_pool.subnet_id, v_pool.id, 'free', '-infinity')
          on conflict do nothing
          returning * into v_lease;
        exit pools when v_lease.prefix is not null;
      end loop;
    end loop;
  end if;

  -- 5. A used one whose time is up, the longest expired first.
  if v_lease.prefix is null then
    select l.* into v_lease from dhcpg.lease6 l
      where l.pool_id in (select p.id from dhcpg.pool6 p where p.subnet_id = any (claim6.subnets) and p.kind = claim6.kind)
        and l.reservation_id is null and l.expires_at <= claim6.now
      order by l.expires_at limit 1
      for update skip locked;
  end if;

  if v_lease.prefix is null then
    return null;
  end if;

  -- Another row of this client in these subnets (an offer it did not take
  -- up, a lease left by a reservation) gives up its identity: one lease per
  -- client per IA.
  update dhcpg.lease6 l set duid = null, iaid = null
    where l.subnet_id = any (claim6.subnets) and l.duid = claim6.duid and l.iaid = claim6.iaid
      and l.kind = claim6.kind and l.prefix <> v_lease.prefix;

  update dhcpg.lease6 l set
      duid = claim6.duid,
      iaid = claim6.iaid,
      hw_address = claim6.hw,
      hostname = claim6.hostname,
      reservation_id = coalesce(l.reservation_id, v_reserved.id),
      state = claim6.state,
      preferred_until = claim6.now + make_interval(secs => s.preferred_lifetime),
      expires_at = dhcpg.lease6_expiry(s, claim6.state, claim6.now),
      updated_at = claim6.now
    from dhcpg.subnet6 s
    where l.prefix = v_lease.prefix and s.id = l.subnet_id
    returning l.* into v_lease;
  return v_lease;
end
$$;
