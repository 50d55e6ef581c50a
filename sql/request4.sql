-- DHCPREQUEST (RFC 2131 section 4.3.2) in its four flavours, told apart by the
-- front-end from the packet:
--   'selecting'   server identifier present: the client takes our offer;
--   'init-reboot' no server identifier, no ciaddr: a rebooted client verifies
--                 the address it remembers (option 50);
--   'renewing'    ciaddr set, unicast to us at T1;
--   'rebinding'   ciaddr set, broadcast at T2.
-- address is option 50 for the first two and ciaddr for the others.
--
-- The answer is an ACK once the lease is committed, a NAK when the address is
-- wrong for the client's network or belongs to someone else, and silence for
-- an INIT-REBOOT of a client we have no record of (unless authoritative).
-- Whatever the flavour, a free address in the client's pools is granted: a
-- client whose offer lapsed, or whose lease the database lost, keeps working.
create or replace function dhcpg.request4(
  hw_type     smallint,
  hw_address  bytea,
  client_id   bytea,
  selector    inet,
  relay       inet,
  interface   text,
  kind        text,
  address     inet,
  circuit_id  bytea,
  hostname    text,
  now         timestamptz default now())
returns dhcpg.reply4
language plpgsql
security definer
set search_path = dhcpg, pg_catalog, pg_temp
-- Generic plans: see discover4.sql.
set plan_cache_mode = force_generic_plan
as $$
declare
  v_subnets      integer[];
  v_key          bytea;
  v_reservation  dhcpg.reservation4;
  v_lease        dhcpg.lease4;
  v_subnet       dhcpg.subnet4;
  v_hostname     text;
begin
  if request4.kind not in ('selecting', 'init-reboot', 'renewing', 'rebinding') then
    raise exception 'dhcpg.request4: unknown kind %', request4.kind using errcode = '22023';
  end if;
  if request4.address is null then
    return row('drop', 'no-address', null, null, null, null, null, null, null)::dhcpg.reply4;
  end if;

  v_subnets := dhcpg.select_subnet4(request4.selector, request4.relay, request4.interface);
  if cardinality(v_subnets) = 0 then
    return row('drop', 'no-subnet', request4.address, null, null, null, null, null, null)::dhcpg.reply4;
  end if;

  -- The address must lie on the client's network (its shared network).
  select s.* into v_subnet
    from dhcpg.subnet4 s
    where s.id = any (v_subnets)
      and s.prefix >>= request4.address;
  if not found then
    return row('nak', 'wrong-network', request4.address, v_subnets[1], null, null, null, null, null)::dhcpg.reply4;
  end if;

  v_key := dhcpg.client_key4(request4.hw_type, request4.hw_address, request4.client_id);
  perform dhcpg.lock_client(v_key);
  v_reservation := dhcpg.find_reservation4(v_subnets, request4.hw_address,
                                            request4.client_id, request4.circuit_id);

  -- A client with a reserved address is sent back to it.
  if v_reservation.address is not null and v_reservation.address <> request4.address then
    return row('nak', 'reserved-elsewhere', request4.address, v_subnet.id, null, null, null, null, null)::dhcpg.reply4;
  end if;

  select l.* into v_lease
    from dhcpg.lease4 l
    where l.address = request4.address
    for update;
  -- Outside every pool and not reserved: never configured, or its pool was removed.
  if not found or (v_lease.pool_id is null and v_lease.reservation_id is null) then
    return row('nak', 'not-in-pool', request4.address, v_subnet.id, null, null, null, null, null)::dhcpg.reply4;
  end if;
  if v_lease.reservation_id is not null and v_lease.reservation_id is distinct from v_reservation.id then
    return row('nak', 'reserved-for-another', request4.address, v_subnet.id, null, null, null, null, null)::dhcpg.reply4;
  end if;
  -- Held by another client (or declined and in probation: its key is null).
  if v_lease.expires_at > request4.now and v_lease.client_key is distinct from v_key then
    return row('nak', 'in-use', request4.address, v_subnet.id, null, null, null, null, null)::dhcpg.reply4;
  end if;

  if v_lease.client_key is distinct from v_key and request4.kind = 'init-reboot' then
    -- RFC 2131 4.3.2: a client verifying an address it is not bound to.
    if exists (select from dhcpg.lease4 l
                 where l.subnet_id = any (v_subnets)
                   and l.client_key = v_key
                   and l.expires_at > request4.now
                   and l.state = 'bound') then
      return row('nak', 'not-current-binding', request4.address, v_subnet.id, null, null, null, null, null)::dhcpg.reply4;
    end if;
    if not v_subnet.authoritative then
      return row('drop', 'unknown-client', request4.address, v_subnet.id, null, null, null, null, null)::dhcpg.reply4;
    end if;
  end if;

  v_hostname := coalesce(v_reservation.hostname, request4.hostname);
  perform dhcpg.assign_lease4(v_subnets, request4.address, 'bound', v_key,
    request4.hw_type, request4.hw_address, request4.client_id, v_hostname,
    request4.now + make_interval(secs => v_subnet.valid_lifetime), request4.now);

  return row(
    'ack',
    request4.kind,
    request4.address,
    v_subnet.id,
    v_subnet.valid_lifetime,
    v_subnet.renew_timer,
    v_subnet.rebind_timer,
    coalesce(v_hostname, case when v_lease.client_key = v_key then v_lease.hostname end),
    v_reservation.option_data)::dhcpg.reply4;
end
$$;
