-- The lease engine's one entry point for DHCPv6: a batch of client messages
-- as the front-end decoded them, handled in one call and one transaction, one
-- answer (jsonb) per message in the batch's order.
--
-- A message: { type: solicit | request | renew | rebind | release | decline,
--   duid, hw_address, interface_id (hex), link (the closest relay's
--   link-address), interface, rapid_commit, hostname,
--   ias: [{ kind: na | pd, iaid, hints: [address or prefix] }] }.
-- An answer: { action: advertise | reply | drop, reason, subnet_id, hostname,
--   ias: [{ kind, iaid, t1, t2, status, leases: [{ prefix,
--   preferred, valid }] }] }, status being null or an RFC 8415 status name.
--
-- Client locks are taken first, for the whole batch in lock-id order, so
-- batches from any number of front-ends never deadlock; every other claim
-- skips what another transaction holds.
--
-- The usual IA (one message per client in the batch, asking for its lease or
-- a new one) is claimed set-based, each step once per batch: the clients'
-- current leases are renewed by one UPDATE, new leases are numbered from
-- their pools' sequences and written by one INSERT, and once a pool's
-- sequence is spent its longest-expired rows are taken again (dhcpg.reuse6).
-- What that does not settle (reservations, hints of a client without a
-- lease, a client with several messages in the batch, RELEASE and DECLINE)
-- goes one IA at a time in the batch's order, through dhcpg.claim6.
--
-- A batch that only advertises commits without waiting for the WAL flush, as
-- DHCPv4 offers do.
create or replace function dhcpg.handle6(
  messages  jsonb,
  now       timestamptz default now())
returns setof jsonb
language plpgsql
security definer
set search_path = dhcpg, pg_catalog, pg_temp
-- As dhcpg.handle4: generic plans, not a re-plan of the array conditions at
-- every call. Those plans are made once per connection, with the table
-- statistics of that moment, and a batch touches a few rows of lease6 by
-- their index: a plan made while lease6 was near empty (a fresh database, or
-- one just emptied and vacuumed) scanned all of it instead, by sequential
-- scan or by hashing it, at a cost that then grew with the table (3.3 ms a
-- call at 12,000 leases; one front-end lost 85% of its exchanges at 1,000
-- a second) until an analyze. Hence index lookups, joined by nested loops,
-- whatever the statistics say. The batch's own sets (up to a thousand IAs)
-- are never joined to each other, since a nested loop over them costs the
-- square of the batch: they are matched by grouping or a window instead.
set plan_cache_mode = force_generic_plan
set enable_seqscan = off
set enable_hashjoin = off
set enable_mergejoin = off
as $$
declare
  v_ias       dhcpg.ia6[];
  v_outcomes  dhcpg.ia6_outcome[];
  v_ia        dhcpg.ia6;
  v_lease     dhcpg.lease6;
  v_status    text;
  -- IAs for the set-based steps; each call runs only the steps it needs
  -- (every statement costs an executor start, whatever it is given).
  v_batched   integer;
  -- The IAs step 2 leaves to step 2b: every pool of theirs spent.
  v_spent_ias dhcpg.ia6[] := '{}';
begin
  perform pg_advisory_xact_lock(k.id)
    from (select distinct dhcpg.client_lock_id(decode(m->>'duid', 'hex')) as id
            from jsonb_array_elements(handle6.messages) m order by 1) k;

  -- Every IA of the batch (a message without IAs: one row, ia_ordinal null),
  -- with its message's subnets. SOLICIT advertises, unless the client asked
  -- for Rapid Commit where the subnet allows it (RFC 8415 18.3.1).
  -- Subnets once per link of the batch (a relay's clients share one), each
  -- message given its link's by a window over both rather than by a join
  -- (see step 2): messages times links, the nested loop the planner chose.
  with messages as materialized (
    select x.ordinal::integer as ordinal, x.message,
           jsonb_build_object('link', x.message->'link', 'interface', x.message->'interface',
                              'interface_id', x.message->'interface_id') as link
      from jsonb_array_elements(handle6.messages) with ordinality x(message, ordinal)),
  links as (
    select d.link, dhcpg.select_subnet6((d.link->>'link')::inet, d.link->>'interface',
                                        decode(d.link->>'interface_id', 'hex')) as subnets
      from (select distinct m.link from messages m) d),
  linked as (
    select u.ordinal, u.message, min(u.subnets) over (partition by u.link) as subnets
      from (select m.ordinal, m.message, m.link, null::integer[] as subnets from messages m
            union all
            select null, null, l.link, l.subnets from links l) u)
  select coalesce(array_agg(x.w order by (x.w).ordinal, (x.w).ia_ordinal), '{}'), count(*) filter (where (x.w).batched)
    into v_ias, v_batched
    from (
      select row(
               m.ordinal, i.ordinal, m.type, m.duid, decode(m.message->>'hw_address', 'hex'), m.message->>'hostname',
               m.subnets,
               case when m.type = 'solicit'
                         and not (s.rapid_commit and coalesce((m.message->>'rapid_commit')::boolean, false))
                    then 'offered' else 'bound' end,
               i.ia->>'kind', (i.ia->>'iaid')::bigint,
               array(select jsonb_array_elements_text(coalesce(i.ia->'hints', '[]'))::inet),
               m.type in ('solicit', 'request', 'renew', 'rebind') and s.id is not null
                 and m.client_messages = 1
                 and count(*) over (partition by m.ordinal, i.ia->>'kind', i.ia->>'iaid') = 1
             )::dhcpg.ia6 as w
        from (select x.ordinal, x.message, x.message->>'type' as type, decode(x.message->>'duid', 'hex') as duid,
                     x.subnets, count(*) over (partition by x.message->>'duid') as client_messages
                from linked x
                where x.ordinal is not null) m
        left join dhcpg.subnet6 s on s.id = m.subnets[1]
        left join lateral jsonb_array_elements(coalesce(m.message->'ias', '[]')) with ordinality i(ia, ordinal) on true) x;

  v_outcomes := '{}';

  -- 1. Batched IAs whose client holds, or held, a lease of their kind and
  --    IAID in these subnets (declined ones excepted): it stays theirs until
  --    another client takes the row. Another row of the same client and IA
  --    (in another subnet of a shared network) gives up its identity: one
  --    lease per client per IA.
  if v_batched > 0 then
    -- Rows are found by index, one lookup per IA, and then written by their
    -- row id (ctid: stable, since held locks them): a join on prefix let the
    -- planner scan all of lease6 instead wherever it believed the table near
    -- empty (see the top of this function). A locking subquery is never
    -- flattened into a join, and an update by row ids has no other path.
    -- Each row carries what is written on it, so that no later step joins
    -- the batch's IAs again (a nested loop over them, IA by IA).
    with held as (
      select w.ordinal, w.ia_ordinal, w.hw_address, w.hostname, w.state, l.row_id, l.prefix, l.expires_at
        from unnest(v_ias) w
        cross join lateral (
          select l.ctid as row_id, l.prefix, l.expires_at
            from dhcpg.lease6 l
            where l.subnet_id = any (w.subnets) and l.duid = w.duid and l.iaid = w.iaid
              and l.kind = w.kind and l.state <> 'declined'
            for update) l
        where w.batched),
    chosen as (
      select distinct on (h.ordinal, h.ia_ordinal) h.*
        from held h
        order by h.ordinal, h.ia_ordinal, h.expires_at desc),
    given_up as (
      update dhcpg.lease6 l set duid = null, iaid = null
        where l.ctid = any (array(select h.row_id from held h
                                    where h.row_id <> all (array(select c.row_id from chosen c))))),
    renewed as (
      update dhcpg.lease6 l set
          hw_address = c.hw_address,
          hostname = c.hostname,
          state = c.state,
          preferred_until = handle6.now + make_interval(secs => s.preferred_lifetime),
          expires_at = dhcpg.lease6_expiry(s, c.state, handle6.now),
          updated_at = handle6.now
        from chosen c, dhcpg.subnet6 s
        where l.ctid = any (array(select c.row_id from chosen c)) and l.ctid = c.row_id and s.id = l.subnet_id
        returning c.ordinal, c.ia_ordinal, l.prefix, l.subnet_id)
    select coalesce(array_agg(row(r.ordinal, r.ia_ordinal, r.prefix, r.subnet_id, null)::dhcpg.ia6_outcome), '{}')
      into v_outcomes
      from renewed r;
  end if;

  -- 2. Batched IAs with no lease, no hint and no reservation: a never-used
  --    lease from the first pool of their kind, its next offset (nextval
  --    never repeats and never waits), written under a try-lock of its
  --    address so that a hint claimed elsewhere never makes this wait.
  if v_batched > cardinality(v_outcomes) then
    with wanted as materialized (
      select w.ordinal, w.ia_ordinal, w.duid, w.iaid, w.kind, w.hw_address, w.hostname, w.state, first.pool, w as ia
        from unnest(v_ias) w
        cross join lateral (
          select p from dhcpg.pool6 p
            where p.subnet_id = any (w.subnets) and p.kind = w.kind
            order by array_position(w.subnets, p.subnet_id), p.id
            limit 1) first(pool)
        where w.batched and cardinality(w.hints) = 0
          and (w.ordinal, w.ia_ordinal) not in (select o.ordinal, o.ia_ordinal from unnest(v_outcomes) o)
          and not exists (
            select from dhcpg.reservation6 r
              where (r.duid = w.duid or (w.hw_address is not null and r.hw_address = w.hw_address))
                and (r.subnet_id = any (w.subnets) or r.subnet_id is null))),
    numbered as materialized (
      select w.*, nextval(dhcpg.pool6_sequence((w.pool).id)) as k
        from wanted w
        -- In the batch's order (a volatile target is computed after the sort).
        order by w.ordinal, w.ia_ordinal),
    placed as materialized (
      select n.*, dhcpg.pool6_lease(n.pool, n.k) as prefix
        from numbered n
        where n.k < (n.pool).size),
    written as (
      insert into dhcpg.lease6 (prefix, kind, subnet_id, pool_id, state, duid, iaid, hw_address, hostname,
                                preferred_until, expires_at, updated_at)
        select p.prefix, p.kind, s.id, (p.pool).id, p.state, p.duid, p.iaid, p.hw_address, p.hostname,
               handle6.now + make_interval(secs => s.preferred_lifetime),
               dhcpg.lease6_expiry(s, p.state, handle6.now),
               handle6.now
          from placed p
          join dhcpg.subnet6 s on s.id = (p.pool).subnet_id
          where pg_try_advisory_xact_lock(dhcpg.client_lock_id(decode(md5(p.prefix::text), 'hex')))
        on conflict do nothing
        returning prefix, subnet_id)
    -- Each written row to its IA by grouping, not by a join: believing
    -- both sides one row, the planner nested-looped them, IA by IA (63 ms
    -- of a call of 512 SOLICITs).
    -- And the IAs left for step 2b: offsets past their first pool's end,
    -- every pool of theirs spent.
    select v_outcomes || coalesce(array_agg(row(o.ordinal, o.ia_ordinal, o.prefix, o.subnet_id, null)::dhcpg.ia6_outcome), '{}'),
           array(select n.ia from numbered n
                   where n.k >= (n.pool).size
                     and not exists (
                       select from dhcpg.pool6 p
                         where p.subnet_id = any ((n.ia).subnets) and p.kind = n.kind and not dhcpg.pool6_spent(p))
                   order by n.ordinal, n.ia_ordinal)
      into v_outcomes, v_spent_ias
      from (
        select min(u.ordinal) as ordinal, min(u.ia_ordinal) as ia_ordinal, u.prefix, min(u.subnet_id) as subnet_id
          from (select p.ordinal, p.ia_ordinal, p.prefix, null::integer as subnet_id from placed p
                union all
                select null, null, w.prefix, w.subnet_id from written w) u
          group by u.prefix
          having count(u.subnet_id) > 0) o;
  end if;

  -- 2b. Batched IAs whose pools' never-used space is all spent (found by
  --     step 2): their pools' longest-expired rows, set-based. Where another
  --     pool of theirs still has some, claim6 takes it. Passed on by step 2,
  --     not found by a statement of their own: a lone SOLICIT into a spent
  --     pool paid one statement more than one into a fresh pool.
  if cardinality(v_spent_ias) > 0 then
    v_outcomes := v_outcomes || dhcpg.reuse6(v_spent_ias, handle6.now);
  end if;

  -- 3. The rest, one IA at a time in the batch's order.
  for v_ia in
    select w.* from unnest(v_ias) w
      where w.ia_ordinal is not null and cardinality(w.subnets) > 0
        and (w.ordinal, w.ia_ordinal) not in (select o.ordinal, o.ia_ordinal from unnest(v_outcomes) o)
      order by w.ordinal, w.ia_ordinal
  loop
    if v_ia.type in ('solicit', 'request', 'renew', 'rebind') then
      v_lease := dhcpg.claim6(v_ia.subnets, v_ia.kind, v_ia.duid, v_ia.iaid, v_ia.hw_address, v_ia.hints,
                              v_ia.state, v_ia.hostname, handle6.now);
      v_outcomes := v_outcomes || row(v_ia.ordinal, v_ia.ia_ordinal, v_lease.prefix, v_lease.subnet_id,
        case when v_lease.prefix is not null then null
             when v_ia.kind = 'pd' then 'NoPrefixAvail' else 'NoAddrsAvail' end)::dhcpg.ia6_outcome;
    else
      -- RELEASE and DECLINE: the client's leases of this IA (every one it
      -- names, or all when it names none) end, or go into probation.
      with ended as (
        update dhcpg.lease6 l set
            state = case when v_ia.type = 'decline' then 'declined'::dhcpg.lease_state else 'released' end,
            expires_at = case when v_ia.type = 'decline'
                              then handle6.now + make_interval(secs => s.decline_probation) else handle6.now end,
            duid = case when v_ia.type = 'decline' then null else l.duid end,
            iaid = case when v_ia.type = 'decline' then null else l.iaid end,
            updated_at = handle6.now
          from dhcpg.subnet6 s
          where s.id = l.subnet_id and l.subnet_id = any (v_ia.subnets) and l.duid = v_ia.duid
            and l.iaid = v_ia.iaid and l.kind = v_ia.kind
            and l.state in ('offered', 'bound')
            and (cardinality(v_ia.hints) = 0 or l.prefix = any (v_ia.hints::cidr[]))
          returning l.prefix)
      select case when count(*) = 0 then 'NoBinding' end into v_status from ended;
      v_outcomes := v_outcomes || row(v_ia.ordinal, v_ia.ia_ordinal, null, null, v_status)::dhcpg.ia6_outcome;
    end if;
  end loop;

  -- Only a batch that binds, releases or declines must outlast a crash.
  if not exists (select from unnest(v_ias) w
                   where w.type in ('release', 'decline')
                      or (w.state = 'bound' and (w.ordinal, w.ia_ordinal) in (
                            select o.ordinal, o.ia_ordinal from unnest(v_outcomes) o where o.prefix is not null))) then
    perform set_config('synchronous_commit', 'off', true);
  end if;

  -- The answers. Each IA's lifetimes and timers are its lease's subnet's (the
  -- selected subnet's when it has none), the message's subnet its first
  -- lease's. RFC 8415 21.4: T1 and T2 at 0.5 and 0.8 of the preferred
  -- lifetime unless configured, as Kea's calculate-tee-times. Built as json
  -- text and made jsonb once: jsonb_build_object, value by value, cost more.
  return query
    select case
             when cardinality(m.subnets) = 0 then json_build_object('action', 'drop', 'reason', 'no-subnet')
             else json_build_object(
               'action', case when m.state = 'offered' and m.type = 'solicit' then 'advertise' else 'reply' end,
               'reason', m.type,
               'subnet_id', m.subnet_id,
               'hostname', m.hostname,
               'ias', m.ias)
           end::jsonb
      from (
        select i.ordinal, min(i.type) as type, min(i.state) as state, min(i.hostname) as hostname,
               min(i.subnets) as subnets,
               (array_agg(ls.id order by i.prefix is null, i.ia_ordinal))[1] as subnet_id,
               coalesce(json_agg(json_build_object(
                 'kind', i.kind,
                 'iaid', i.iaid,
                 't1', coalesce(ls.renew_timer, (ls.preferred_lifetime * 0.5)::integer),
                 't2', coalesce(ls.rebind_timer, (ls.preferred_lifetime * 0.8)::integer),
                 'status', i.status,
                 'leases', case when i.prefix is null then '[]'::json else json_build_array(json_build_object(
                   'prefix', i.prefix,
                   'preferred', ls.preferred_lifetime,
                   'valid', ls.valid_lifetime)) end)
                 order by i.ia_ordinal) filter (where i.ia_ordinal is not null), '[]'::json) as ias
          from (
            -- Each IA with its outcome, by grouping (see step 2).
            select u.ordinal, u.ia_ordinal, min(u.type) as type, min(u.state) as state, min(u.hostname) as hostname,
                   min(u.subnets) as subnets, min(u.kind) as kind, min(u.iaid) as iaid,
                   min(u.prefix)::cidr as prefix, min(u.subnet_id) as subnet_id, min(u.status) as status
              from (select w.ordinal, w.ia_ordinal, w.type, w.state, w.hostname, w.subnets, w.kind, w.iaid,
                           null::cidr as prefix, null::integer as subnet_id, null::text as status
                      from unnest(v_ias) w
                    union all
                    select o.ordinal, o.ia_ordinal, null, null, null, null, null, null, o.prefix, o.subnet_id, o.status
                      from unnest(v_outcomes) o) u
              group by u.ordinal, u.ia_ordinal) i
          left join dhcpg.subnet6 ls on ls.id = coalesce(i.subnet_id, i.subnets[1])
          group by i.ordinal) m
      order by m.ordinal;
end
$$;
