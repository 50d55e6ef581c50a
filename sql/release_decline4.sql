-- DHCPRELEASE (RFC 2131 section 4.4.6) and DHCPDECLINE (section 4.3.3) for
-- one round of a batch. Only the holder can release or decline; anything else
-- is ignored.
--   release: the address is free again at once, but keeps the client's
--            identity, so the client gets it back if nobody took it meanwhile;
--   decline: the client found the address in use on the wire; it is
--            quarantined for the subnet's decline-probation-period and
--            attributed to nobody, so no client gets it before then.
create or replace function dhcpg.release_decline4(
  round  dhcpg.work4[],
  now    timestamptz)
returns dhcpg.decision4[]
language plpgsql
as $$
declare
  v_done  dhcpg.decision4[];
begin
  with changed as (
    update dhcpg.lease4 l
      set state = case w.type when 'release' then 'released' else 'declined' end::dhcpg.lease_state,
          client_key = case w.type when 'release' then l.client_key end,
          expires_at = case w.type
                         when 'release' then release_decline4.now
                         else release_decline4.now + make_interval(secs => s.decline_probation)
                       end,
          updated_at = release_decline4.now
      from unnest(release_decline4.round) w, dhcpg.subnet4 s
      where w.type in ('release', 'decline')
        and l.address = w.address
        and l.client_key = w.client_key
        and l.state in ('offered', 'bound')
        and l.expires_at > release_decline4.now
        and s.id = l.subnet_id
      returning w, l.address, l.subnet_id
  )
  select array_agg(row(c.w, 'done', case (c.w).type when 'release' then 'released' else 'declined' end,
                       c.address, c.subnet_id,
                       null, null, null)::dhcpg.decision4)
    into v_done
    from changed c;

  return coalesce(v_done, '{}') || array(
    select row(w, 'drop', 'not-held', w.address, null, null, null, null)::dhcpg.decision4
      from unnest(release_decline4.round) w
      where w.type in ('release', 'decline')
        and w.ordinal <> all (array(select (d.message).ordinal from unnest(v_done) d)));
end
$$;
