-- The lease engine's one entry point for DHCPv6: a batch of client messages
-- as the front-end decoded them, handled in one call and one transaction, one
-- answer (jsonb) per message in the batch's order.
--
-- A message: { type: solicit | request | renew | rebind | release | decline,
--   duid, hw_address, interface_id (hex), link (the closest relay's
--   link-address), interface, rapid_commit, hostname,
--   ias: [{ kind: na | pd, iaid, hints: [address or prefix] }] }.
-- An answer: { action: advertise | reply | drop, reason, subnet_id, hostname,
--   option_data, ias: [{ kind, iaid, t1, t2, status, leases: [{ prefix,
--   preferred, valid }] }] }, status being null or an RFC 8415 status name.
--
-- Client locks are taken first, for the whole batch in lock-id order, so
-- batches from any number of front-ends never deadlock; every other claim
-- skips what another transaction holds (dhcpg.claim6). A batch that only
-- advertises commits without waiting for the WAL flush, as DHCPv4 offers do.
create or replace function dhcpg.handle6(
  messages  jsonb,
  now       timestamptz default now())
returns setof jsonb
language plpgsql
security definer
set search_path = dhcpg, pg_catalog, pg_temp
as $$
declare
  v_message  jsonb;
  v_ia       jsonb;
  v_type     text;
  v_duid     bytea;
  v_subnets  integer[];
  v_subnet   dhcpg.subnet6;
  v_lease    dhcpg.lease6;
  v_state    dhcpg.lease_state;
  v_ias      jsonb;
  v_leases   jsonb;
  v_status   text;
  v_action   text;
  v_durable  boolean := false;
begin
  perform pg_advisory_xact_lock(k.id)
    from (select distinct dhcpg.client_lock_id(decode(m->>'duid', 'hex')) as id
            from jsonb_array_elements(handle6.messages) m order by 1) k;

  for v_message in select m from jsonb_array_elements(handle6.messages) m loop
    v_type := v_message->>'type';
    v_duid := decode(v_message->>'duid', 'hex');
    v_subnets := dhcpg.select_subnet6((v_message->>'link')::inet, v_message->>'interface',
                                      decode(v_message->>'interface_id', 'hex'));
    if cardinality(v_subnets) = 0 then
      return next jsonb_build_object('action', 'drop', 'reason', 'no-subnet');
      continue;
    end if;
    select s.* into v_subnet from dhcpg.subnet6 s where s.id = v_subnets[1];

    -- SOLICIT advertises, unless the client asked for Rapid Commit where the
    -- subnet allows it (RFC 8415 18.3.1); REQUEST, RENEW and REBIND bind.
    v_state := case when v_type = 'solicit' and not (v_subnet.rapid_commit and coalesce((v_message->>'rapid_commit')::boolean, false))
                    then 'offered' else 'bound' end;
    v_action := case when v_state = 'offered' then 'advertise' else 'reply' end;
    v_ias := '[]';

    for v_ia in select i from jsonb_array_elements(coalesce(v_message->'ias', '[]')) i loop
      v_leases := '[]';
      v_status := null;
      if v_type in ('solicit', 'request', 'renew', 'rebind') then
        v_lease := dhcpg.claim6(v_subnets, v_ia->>'kind', v_duid, (v_ia->>'iaid')::bigint,
                                decode(v_message->>'hw_address', 'hex'),
                                array(select jsonb_array_elements_text(coalesce(v_ia->'hints', '[]'))::inet),
                                v_state, v_message->>'hostname', handle6.now);
        if v_lease.prefix is null then
          v_status := case when v_ia->>'kind' = 'pd' then 'NoPrefixAvail' else 'NoAddrsAvail' end;
        else
          select s.* into v_subnet from dhcpg.subnet6 s where s.id = v_lease.subnet_id;
          v_leases := jsonb_build_array(jsonb_build_object(
            'prefix', v_lease.prefix,
            'preferred', v_subnet.preferred_lifetime,
            'valid', v_subnet.valid_lifetime));
          v_durable := v_durable or v_state = 'bound';
        end if;
      else
        -- RELEASE and DECLINE: the client's leases of this IA (every one it
        -- names, or all when it names none) end, or go into probation.
        with ended as (
          update dhcpg.lease6 l set
              state = case when v_type = 'decline' then 'declined'::dhcpg.lease_state else 'released' end,
              expires_at = case when v_type = 'decline'
                                then handle6.now + make_interval(secs => s.decline_probation) else handle6.now end,
              duid = case when v_type = 'decline' then null else l.duid end,
              iaid = case when v_type = 'decline' then null else l.iaid end,
              updated_at = handle6.now
            from dhcpg.subnet6 s
            where s.id = l.subnet_id and l.subnet_id = any (v_subnets) and l.duid = v_duid
              and l.iaid = (v_ia->>'iaid')::bigint and l.kind = v_ia->>'kind'
              and l.state in ('offered', 'bound')
              and (jsonb_array_length(coalesce(v_ia->'hints', '[]')) = 0
                   or l.prefix in (select jsonb_array_elements_text(v_ia->'hints')::inet))
            returning l.prefix)
        select case when count(*) = 0 then 'NoBinding' end into v_status from ended;
        v_durable := true;
        v_action := 'reply';
      end if;
      v_ias := v_ias || jsonb_build_object(
        'kind', v_ia->>'kind',
        'iaid', (v_ia->>'iaid')::bigint,
        -- RFC 8415 21.4: T1 and T2 at 0.5 and 0.8 of the preferred lifetime
        -- unless configured, as Kea's calculate-tee-times.
        't1', coalesce(v_subnet.renew_timer, (v_subnet.preferred_lifetime * 0.5)::integer),
        't2', coalesce(v_subnet.rebind_timer, (v_subnet.preferred_lifetime * 0.8)::integer),
        'status', v_status,
        'leases', v_leases);
    end loop;

    return next jsonb_build_object(
      'action', v_action,
      'reason', v_type,
      'subnet_id', v_subnet.id,
      'hostname', v_message->>'hostname',
      'option_data', v_subnet.option_data,
      'ias', v_ias);
  end loop;

  if not v_durable then
    perform set_config('synchronous_commit', 'off', true);
  end if;
end
$$;
