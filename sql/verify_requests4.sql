-- DHCPREQUEST (RFC 2131 section 4.3.2) for the requests of one round of a
-- batch (see dhcpg.handle4), in their four flavours, told apart by the
-- front-end from the packet:
--   'selecting'   server identifier present: the client takes our offer;
--   'init-reboot' no server identifier, no ciaddr: a rebooted client verifies
--                 the address it remembers (option 50);
--   'renewing'    ciaddr set, unicast to us at T1;
--   'rebinding'   ciaddr set, broadcast at T2.
-- address is option 50 for the first two and ciaddr for the others.
--
-- The answer is an ACK (written as a binding by the caller), a NAK when the
-- address is wrong for the client's network or belongs to someone else, and
-- silence for an INIT-REBOOT of a client we have no record of (unless
-- authoritative). Whatever the flavour, a free address in the client's pools
-- is granted: a client whose offer lapsed, or whose lease the database lost,
-- keeps working. The caller holds the lock on every row read here.
create or replace function dhcpg.verify_requests4(
  round  dhcpg.work4[],
  now    timestamptz)
returns dhcpg.decision4[]
language plpgsql
as $$
begin
  return array(
    select row(
             w,
             case
               when v.reason in ('no-address', 'no-subnet', 'unknown-client') then 'drop'
               when v.reason = w.request_kind then 'ack'
               else 'nak'
             end,
             v.reason,
             w.address,
             case
               when v.reason in ('no-address', 'no-subnet') then null
               when v.reason = 'wrong-network' then w.subnets[1]
               else s.id
             end,
             coalesce(w.reserved_hostname, w.hostname,
                      case when l.client_key = w.client_key then l.hostname end),
             case when v.reason = w.request_kind then 'bound' end::dhcpg.lease_state,
             verify_requests4.now + make_interval(secs => s.valid_lifetime))::dhcpg.decision4
      from unnest(verify_requests4.round) w
      -- The subnet the address lies on, among the client's network's.
      left join lateral (
        select s.*
          from dhcpg.subnet4 s
          where s.id = any (w.subnets)
            and s.prefix >>= w.address
          order by array_position(w.subnets, s.id)
          limit 1) s on true
      left join dhcpg.lease4 l on l.address = w.address
      cross join lateral (
        select case
          when w.address is null then 'no-address'
          when cardinality(w.subnets) = 0 then 'no-subnet'
          when s.id is null then 'wrong-network'
          -- A client with a reserved address is sent back to it.
          when w.reserved_address <> w.address then 'reserved-elsewhere'
          -- Outside every pool and not reserved: never configured, or its
          -- pool was removed.
          when l.address is null or (l.pool_id is null and l.reservation_id is null) then 'not-in-pool'
          when l.reservation_id is distinct from w.reservation_id and l.reservation_id is not null
            then 'reserved-for-another'
          -- Held by another client (or declined and in probation: no key).
          when l.expires_at > verify_requests4.now and l.client_key is distinct from w.client_key then 'in-use'
          -- A rebooted client verifying an address it is not bound to.
          when l.client_key is distinct from w.client_key and w.request_kind = 'init-reboot'
               and exists (select from dhcpg.lease4 o
                             where o.subnet_id = any (w.subnets)
                               and o.client_key = w.client_key
                               and o.expires_at > verify_requests4.now
                               and o.state = 'bound')
            then 'not-current-binding'
          when l.client_key is distinct from w.client_key and w.request_kind = 'init-reboot'
               and not s.authoritative
            then 'unknown-client'
          else w.request_kind
        end as reason) v
      where w.type = 'request');
end
$$;
