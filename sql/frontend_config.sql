-- What a front-end caches between configuration changes: the serial it
-- corresponds to, the server DUID, each subnet's effective options and
-- timers, and its pools' options. A front-end may read nothing else, so this is its only view of
-- the configuration tables.
create or replace function dhcpg.frontend_config()
returns jsonb
language sql
stable
security definer
set search_path = dhcpg, pg_catalog, pg_temp
-- Generic plans: see handle4.sql.
set plan_cache_mode = force_generic_plan
as $$
  select jsonb_build_object(
    'serial', sv.config_serial,
    'duid', encode(sv.duid, 'hex'),
    'subnets4', coalesce((
      select jsonb_agg(jsonb_build_object(
               'id', s.id,
               'prefix', s.prefix,
               'interface', s.interface,
               'validLifetime', s.valid_lifetime,
               'renewTimer', s.renew_timer,
               'rebindTimer', s.rebind_timer,
               'optionData', s.option_data,
               'pools', coalesce((
                 select jsonb_agg(jsonb_build_object(
                          'first', host(p.first_address),
                          'last', host(p.last_address),
                          'optionData', p.option_data) order by p.first_address)
                   from dhcpg.pool4 p
                   where p.subnet_id = s.id
                     and p.option_data <> '[]'), '[]'))
             order by s.id)
        from dhcpg.subnet4 s), '[]'),
    'subnets6', coalesce((
      select jsonb_agg(jsonb_build_object(
               'id', s.id,
               'prefix', s.prefix,
               'interface', s.interface,
               'optionData', s.option_data)
             order by s.id)
        from dhcpg.subnet6 s), '[]'))
  from dhcpg.server sv
$$;
