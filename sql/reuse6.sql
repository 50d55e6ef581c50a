-- Used space handed out again, set-based, for the IAs of a dhcpg.handle6
-- batch whose pools' never-used space is spent (a small pool in use for a
-- while, say): each pool's longest-expired rows, reserved ones never, as many
-- as those IAs need, in one index range scan (lease6_free) per pool. Rows are
-- locked with SKIP LOCKED, so front-ends never wait for, nor take, each
-- other's. An IA that finds nothing here gets no outcome: the caller's claim
-- one IA at a time (dhcpg.claim6) answers it.
--
-- The IAs come in the batch's order, without a lease of their own, a hint or
-- a reservation (see handle6's step 1 and 2): a row taken here carries
-- another client's expired lease, which it gives up.
create or replace function dhcpg.reuse6(ias dhcpg.ia6[], now timestamptz)
returns dhcpg.ia6_outcome[]
language plpgsql
as $$
declare
  v_pools     integer[];
  v_pool_id   integer;
  v_wanting   dhcpg.ia6[];
  v_taken     dhcpg.ia6_outcome[];
  v_outcomes  dhcpg.ia6_outcome[] := '{}';
begin
  -- IAs whose subnets and kind have the same pools, in DESIGN's order.
  for v_pools, v_wanting in
    select p.ids, array_agg(w order by w.ordinal, w.ia_ordinal)
      from unnest(reuse6.ias) w
      cross join lateral (
        select array_agg(p.id order by array_position(w.subnets, p.subnet_id), p.id) as ids
          from dhcpg.pool6 p
          where p.subnet_id = any (w.subnets) and p.kind = w.kind) p
      where p.ids is not null
      group by p.ids
  loop
    foreach v_pool_id in array v_pools loop
      exit when cardinality(v_wanting) = 0;
      -- The k-th longest expired row to the k-th IA, written by row id (see
      -- handle6's step 1).
      with free as (
        select l.ctid as row_id, l.expires_at
          from dhcpg.lease6 l
          where l.pool_id = v_pool_id and l.reservation_id is null and l.expires_at <= reuse6.now
          order by l.expires_at
          limit cardinality(v_wanting)
          for update skip locked),
      numbered as (
        select f.row_id, row_number() over (order by f.expires_at) as k from free f),
      written as (
        update dhcpg.lease6 l set
            duid = w.duid,
            iaid = w.iaid,
            hw_address = w.hw_address,
            hostname = w.hostname,
            state = w.state,
            preferred_until = reuse6.now + make_interval(secs => s.preferred_lifetime),
            expires_at = dhcpg.lease6_expiry(s, w.state, reuse6.now),
            updated_at = reuse6.now
          from numbered n
          cross join lateral (select (v_wanting[n.k]).*) w
          join dhcpg.subnet6 s on true
          where l.ctid = any (array(select n.row_id from numbered n)) and l.ctid = n.row_id and s.id = l.subnet_id
          returning w.ordinal, w.ia_ordinal, l.prefix, l.subnet_id)
      select coalesce(array_agg(row(r.ordinal, r.ia_ordinal, r.prefix, r.subnet_id, null)::dhcpg.ia6_outcome), '{}')
        into v_taken
        from written r;
      v_outcomes := v_outcomes || v_taken;
      v_wanting := v_wanting[cardinality(v_taken) + 1:];
    end loop;
  end loop;
  return v_outcomes;
end
$$;
