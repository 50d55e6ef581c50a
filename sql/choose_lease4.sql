-- The lease row a DHCPDISCOVER is answered with, locked, following RFC 2131
-- section 4.3.1: the client's reserved address, its current binding, its
-- previous address, the address it asks for, then a new one. Null when every
-- pool of the candidate subnets is in use (or locked by concurrent claims).
--
-- Candidate free addresses are claimed with FOR UPDATE SKIP LOCKED: two
-- front-ends never wait for each other's candidate and never pick the same
-- one, so there is nothing to retry. The only waits are on rows that carry
-- this client's own identity (serialised by dhcpg.lock_client) or its reserved
-- address, held for the few microseconds of another claim's transaction.
--
-- The caller must hold dhcpg.lock_client(client_key).
create or replace function dhcpg.choose_lease4(
  subnets      integer[],
  client_key   bytea,
  reservation  dhcpg.reservation4,
  requested    inet,
  now          timestamptz,
  out lease    dhcpg.lease4,
  out reason   text)
language plpgsql
as $$
declare
  v_row        dhcpg.lease4;
  v_subnet_id  integer;
begin
  -- 1. The reserved address, unless another client's lease on it is still running.
  if (choose_lease4.reservation).address is not null then
    select l.* into v_row
      from dhcpg.lease4 l
      where l.address = (choose_lease4.reservation).address
        and l.subnet_id = any (choose_lease4.subnets)
      for update;
    if found and (v_row.client_key is not distinct from choose_lease4.client_key
                  or v_row.expires_at <= choose_lease4.now) then
      lease := v_row;
      reason := 'reserved';
    end if;
  end if;

  -- 2 and 3. The current binding, else the previous address. Every row with the
  -- client's identity is locked: the caller rewrites them.
  if lease.address is null then
    for v_row in
      select l.*
        from dhcpg.lease4 l
        where l.subnet_id = any (choose_lease4.subnets)
          and l.client_key = choose_lease4.client_key
        order by l.expires_at > choose_lease4.now desc,
                 array_position(choose_lease4.subnets, l.subnet_id)
        for update
    loop
      continue when lease.address is not null;
      -- An address reserved for someone else, or left without a pool by a
      -- configuration change, is not given out again.
      continue when v_row.reservation_id is not null
                and v_row.reservation_id is distinct from (choose_lease4.reservation).id;
      continue when v_row.pool_id is null and v_row.reservation_id is null;
      lease := v_row;
      reason := case when v_row.expires_at > choose_lease4.now then 'current' else 'previous' end;
    end loop;
  end if;

  -- 4. The address the client asks for (option 50), when it is free.
  if lease.address is null and choose_lease4.requested is not null then
    select l.* into v_row
      from dhcpg.lease4 l
      where l.address = choose_lease4.requested
        and l.subnet_id = any (choose_lease4.subnets)
        and l.reservation_id is null
        and l.pool_id is not null
        and l.expires_at <= choose_lease4.now
      for update skip locked;
    if found then
      lease := v_row;
      reason := 'requested';
    end if;
  end if;

  -- 5. A free address: never used first, then the longest expired. One index
  -- range scan per subnet; rows locked by concurrent claims are skipped.
  if lease.address is null then
    foreach v_subnet_id in array choose_lease4.subnets loop
      select l.* into v_row
        from dhcpg.lease4 l
        where l.subnet_id = v_subnet_id
          and l.reservation_id is null
          and l.pool_id is not null
          and l.expires_at <= choose_lease4.now
        order by l.expires_at, l.address
        limit 1
        for update skip locked;
      if found then
        lease := v_row;
        reason := 'new';
        exit;
      end if;
    end loop;
  end if;
end
$$;
