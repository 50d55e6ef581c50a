-- DHCPINFORM (RFC 2131 section 4.3.5): a client with an address configured
-- by other means asks for its options. Nothing is written; the answer names
-- the subnet whose options apply and the client's reservation, if any.
create or replace function dhcpg.inform4(
  hw_type     smallint,
  hw_address  bytea,
  client_id   bytea,
  selector    inet,
  relay       inet,
  interface   text,
  circuit_id  bytea)
returns dhcpg.reply4
language plpgsql
stable
security definer
set search_path = dhcpg, pg_catalog, pg_temp
-- Generic plans: see discover4.sql.
set plan_cache_mode = force_generic_plan
as $$
declare
  v_subnets      integer[];
  v_reservation  dhcpg.reservation4;
begin
  v_subnets := dhcpg.select_subnet4(inform4.selector, inform4.relay, inform4.interface);
  if cardinality(v_subnets) = 0 then
    return row('drop', 'no-subnet', null, null, null, null, null, null, null)::dhcpg.reply4;
  end if;
  v_reservation := dhcpg.find_reservation4(v_subnets, inform4.hw_address,
                                            inform4.client_id, inform4.circuit_id);
  return row('ack', 'inform', null, v_subnets[1], null, null, null,
             v_reservation.hostname, v_reservation.option_data)::dhcpg.reply4;
end
$$;
