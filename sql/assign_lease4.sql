-- Gives the (locked) row at address to the client, in the given state until
-- expires_at, and takes the client's identity off any other row in the
-- candidate subnets first, so the unique index lease4_client (one lease per
-- client per subnet) always holds. The caller must hold dhcpg.lock_client.
create or replace function dhcpg.assign_lease4(
  subnets     integer[],
  address     inet,
  state       dhcpg.lease_state,
  client_key  bytea,
  hw_type     smallint,
  hw_address  bytea,
  client_id   bytea,
  hostname    text,
  expires_at  timestamptz,
  now         timestamptz)
returns void
language plpgsql
as $$
-- PL/pgSQL for its per-session plan cache (see find_reservation4.sql).
begin
  update dhcpg.lease4 l
    set client_key = null
    where l.subnet_id = any (assign_lease4.subnets)
      and l.client_key = assign_lease4.client_key
      and l.address <> assign_lease4.address;

  update dhcpg.lease4 l
    set state = assign_lease4.state,
        client_key = assign_lease4.client_key,
        hw_type = assign_lease4.hw_type,
        hw_address = assign_lease4.hw_address,
        client_id = assign_lease4.client_id,
        -- A client that sends no name keeps the one it had on this address.
        hostname = coalesce(assign_lease4.hostname,
                            case when l.client_key = assign_lease4.client_key then l.hostname end),
        expires_at = assign_lease4.expires_at,
        updated_at = assign_lease4.now
    where l.address = assign_lease4.address;
end
$$;
