-- DHCPDECLINE (RFC 2131 section 4.3.3): the client found the address in use
-- on the wire. The address is quarantined for the subnet's
-- decline-probation-period and attributed to nobody, so neither this client
-- nor any other gets it before then.
create or replace function dhcpg.decline4(
  hw_type     smallint,
  hw_address  bytea,
  client_id   bytea,
  address     inet,
  now         timestamptz default now())
returns dhcpg.reply4
language plpgsql
security definer
set search_path = dhcpg, pg_catalog, pg_temp
-- Generic plans: see discover4.sql.
set plan_cache_mode = force_generic_plan
as $$
declare
  v_key        bytea;
  v_subnet_id  integer;
begin
  v_key := dhcpg.client_key4(decline4.hw_type, decline4.hw_address, decline4.client_id);
  perform dhcpg.lock_client(v_key);
  update dhcpg.lease4 l
    set state = 'declined',
        client_key = null,
        expires_at = decline4.now + make_interval(secs => s.decline_probation),
        updated_at = decline4.now
    from dhcpg.subnet4 s
    where s.id = l.subnet_id
      and l.address = decline4.address
      and l.client_key = v_key
      and l.state in ('offered', 'bound')
      and l.expires_at > decline4.now
    returning l.subnet_id into v_subnet_id;
  if not found then
    return row('drop', 'not-held', decline4.address, null, null, null, null, null, null)::dhcpg.reply4;
  end if;
  return row('done', 'declined', decline4.address, v_subnet_id, null, null, null, null, null)::dhcpg.reply4;
end
$$;
