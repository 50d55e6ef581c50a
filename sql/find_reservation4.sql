-- The client's host reservation, if any: in the candidate subnets (in their
-- order), then global. Identifiers are tried in Kea's default order of
-- host-reservation-identifiers: hw-address, circuit-id, client-id.
--
-- A set-returning SQL function, so that PostgreSQL inlines it into the
-- statement that joins it (dhcpg.read_messages4): one plan for a whole batch.
create or replace function dhcpg.find_reservation4(
  subnets     integer[],
  hw_address  bytea,
  client_id   bytea,
  circuit_id  bytea)
returns setof dhcpg.reservation4
language sql
stable
as $$
  select r.*
    from dhcpg.reservation4 r
    where (r.subnet_id = any (find_reservation4.subnets) or r.subnet_id is null)
      and (r.hw_address = find_reservation4.hw_address
        or r.circuit_id = find_reservation4.circuit_id
        or r.client_id = find_reservation4.client_id)
    order by
      r.subnet_id is null,
      array_position(find_reservation4.subnets, r.subnet_id),
      case when r.hw_address is not null then 1 when r.circuit_id is not null then 2 else 3 end
    limit 1
$$;
