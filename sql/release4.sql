-- DHCPRELEASE (RFC 2131 section 4.4.6): the address is free again at once,
-- but keeps the client's identity, so the client gets it back if nobody has
-- taken it meanwhile. Only the holder can release; anything else is ignored.
create or replace function dhcpg.release4(
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
  v_key := dhcpg.client_key4(release4.hw_type, release4.hw_address, release4.client_id);
  perform dhcpg.lock_client(v_key);
  update dhcpg.lease4 l
    set state = 'released',
        expires_at = release4.now,
        updated_at = release4.now
    where l.address = release4.address
      and l.client_key = v_key
      and l.state in ('offered', 'bound')
      and l.expires_at > release4.now
    returning l.subnet_id into v_subnet_id;
  if not found then
    return row('drop', 'not-held', release4.address, null, null, null, null, null, null)::dhcpg.reply4;
  end if;
  return row('done', 'released', release4.address, v_subnet_id, null, null, null, null, null)::dhcpg.reply4;
end
$$;
