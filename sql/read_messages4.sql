-- A batch of messages (a JSON array of dhcpg.message4 objects, bytea fields
-- as '\x...' hex) with what can be known before any lock: the client's
-- identity, its candidate subnets and its reservation. Malformed input is an
-- error for the whole batch (the front-end never sends it).
create or replace function dhcpg.read_messages4(messages jsonb)
returns dhcpg.work4[]
language plpgsql
stable
as $$
declare
  v_work   dhcpg.work4[];
  v_valid  boolean;
begin
  if jsonb_typeof(read_messages4.messages) is distinct from 'array' then
    raise exception 'dhcpg.handle4: messages must be a JSON array' using errcode = '22023';
  end if;

  with message as (
    select m.*, m.ordinality::integer as ordinal,
           dhcpg.client_key4(m.hw_type, m.hw_address, m.client_id) as client_key
      from jsonb_populate_recordset(null::dhcpg.message4, read_messages4.messages) with ordinality m
  ),
  -- Subnet selection once per distinct link: a batch mostly comes through
  -- one relay.
  link as (
    select k.selector, k.relay, k.interface,
           dhcpg.select_subnet4(k.selector, k.relay, k.interface) as subnets
      from (select distinct m.selector, m.relay, m.interface
              from message m
              where m.type in ('discover', 'request', 'inform')) k
  ),
  work as (
    select row(
             m.ordinal, m.type, m.request_kind, m.hw_type, m.hw_address, m.client_id, m.client_key,
             m.address, m.hostname, coalesce(m.rapid_commit, false),
             coalesce(k.subnets, '{}'), r.id, r.address, r.hostname, r.option_data)::dhcpg.work4 as w,
           coalesce(m.type in ('discover', 'request', 'release', 'decline', 'inform')
                    and (m.type <> 'request' or m.request_kind in ('selecting', 'init-reboot', 'renewing', 'rebinding'))
                    and m.hw_type is not null
                    and m.hw_address is not null, false) as valid
      from message m
      left join link k
        on m.type in ('discover', 'request', 'inform')
       and k.selector is not distinct from m.selector
       and k.relay is not distinct from m.relay
       and k.interface is not distinct from m.interface
      left join lateral dhcpg.find_reservation4(k.subnets, m.hw_address, m.client_id, m.circuit_id) r
        on m.type in ('discover', 'request', 'inform')
  )
  select array_agg(x.w order by (x.w).ordinal), bool_and(x.valid)
    into v_work, v_valid
    from work x;

  if not coalesce(v_valid, true) then
    raise exception 'dhcpg.handle4: a message has no valid type, request_kind or hardware address'
      using errcode = '22023';
  end if;
  return coalesce(v_work, '{}');
end
$$;
