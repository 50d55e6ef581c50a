-- DHCPDISCOVER (RFC 2131 section 4.3.1) for the discovers of one round of a
-- batch (see dhcpg.handle4): each gets, in this order, its reserved address,
-- its current binding, its previous address, the address it asks for
-- (option 50), or a new one; the answer is an offer that holds the address for
-- the subnet's offer-lifetime, or with rapid_commit (RFC 4039) an ACK.
--
-- Free addresses are claimed with FOR UPDATE SKIP LOCKED, as many per
-- statement as the round needs: front-ends never wait for each other's
-- candidates and never pick the same one, so there is nothing to retry. Rows
-- carrying the round's own identities were locked by the caller (known: the
-- identities found on them), and taken lists the addresses other messages of
-- the round work on, so no two messages get one address (a client's running
-- lease stays its own: the others' messages are refused it). Steps no client of
-- the round needs are skipped: each statement costs even when it finds
-- nothing.
create or replace function dhcpg.offer4(
  round  dhcpg.work4[],
  taken  inet[],
  known  bytea[],
  now    timestamptz)
returns dhcpg.decision4[]
language plpgsql
as $$
declare
  -- Steps 1 to 4: the address and reason each discover was given so far.
  v_chosen    dhcpg.decision4[];
  v_taken     inet[];
  v_subnets   integer[];
  v_ordinals  integer[];
  v_subnet_id integer;
  v_free      inet[];
  -- Complete decisions, returned at the end.
  v_decided   dhcpg.decision4[] := '{}';
  v_reserved  boolean;
  v_returning boolean;
  v_asking    boolean;
begin
  select coalesce(bool_or(w.reserved_address is not null), false),
         coalesce(bool_or(w.client_key = any (offer4.known)), false),
         coalesce(bool_or(w.address is not null), false)
    into v_reserved, v_returning, v_asking
    from unnest(offer4.round) w
    where w.type = 'discover';

  -- 1. The reserved address, unless another client's lease on it still runs.
  v_chosen := '{}';
  if v_reserved then
    v_chosen := array(
      select row(w, null, 'reserved', l.address, null, null, null, null)::dhcpg.decision4
        from unnest(offer4.round) w
        join dhcpg.lease4 l on l.address = w.reserved_address
        where w.type = 'discover'
          and l.subnet_id = any (w.subnets)
          and (l.client_key = w.client_key and l.expires_at > offer4.now
               or l.expires_at <= offer4.now and l.address <> all (offer4.taken)));
  end if;

  -- 2 and 3. The current binding, else the previous address; not one reserved
  -- for someone else, or left without a pool by a configuration change.
  if v_returning then
    v_taken := offer4.taken || array(select c.address from unnest(v_chosen) c);
    v_chosen := v_chosen || array(
      select row(w, null, c.reason, c.address, null, null, null, null)::dhcpg.decision4
        from unnest(offer4.round) w
        cross join lateral (
          select l.address,
                 case when l.expires_at > offer4.now then 'current' else 'previous' end as reason
            from dhcpg.lease4 l
            where l.subnet_id = any (w.subnets)
              and l.client_key = w.client_key
              and (l.reservation_id is null or l.reservation_id = w.reservation_id)
              and (l.pool_id is not null or l.reservation_id is not null)
              and (l.expires_at > offer4.now or l.address <> all (v_taken))
            order by l.expires_at > offer4.now desc, array_position(w.subnets, l.subnet_id)
            limit 1) c
        where w.type = 'discover'
          and w.client_key = any (offer4.known)
          and w.ordinal <> all (array(select (c.message).ordinal from unnest(v_chosen) c)));
  end if;

  -- 4. The address the client asks for, when it is free.
  if v_asking then
    v_taken := offer4.taken || array(select c.address from unnest(v_chosen) c);
    v_chosen := v_chosen || array(
      select row(w, null, 'requested', l.address, null, null, null, null)::dhcpg.decision4
        from unnest(offer4.round) w
        join dhcpg.lease4 l on l.address = w.address
        where w.type = 'discover'
          and w.ordinal <> all (array(select (c.message).ordinal from unnest(v_chosen) c))
          and l.subnet_id = any (w.subnets)
          and l.reservation_id is null
          and l.pool_id is not null
          and l.expires_at <= offer4.now
          and l.address <> all (v_taken)
        for update of l skip locked);
  end if;

  -- 5. New addresses: never used first, then the longest expired; one index
  -- range scan per subnet for all the round's clients of that network.
  v_taken := offer4.taken;
  if cardinality(v_chosen) > 0 then
    v_taken := v_taken || array(select c.address from unnest(v_chosen) c);
  end if;
  for v_subnets, v_ordinals in
    select w.subnets, array_agg(w.ordinal order by w.ordinal)
      from unnest(offer4.round) w
      where w.type = 'discover'
        and w.ordinal <> all (array(select (c.message).ordinal from unnest(v_chosen) c))
      group by w.subnets
  loop
    foreach v_subnet_id in array v_subnets loop
      exit when cardinality(v_ordinals) = 0;
      v_free := array(
        select l.address
          from dhcpg.lease4 l
          where l.subnet_id = v_subnet_id
            and l.reservation_id is null
            and l.pool_id is not null
            and l.expires_at <= offer4.now
            and l.address <> all (v_taken)
          order by l.expires_at, l.address
          limit cardinality(v_ordinals)
          for update skip locked);
      -- Decided here: a free row carries nothing of the client (its own rows
      -- were chosen in step 2), nor a lease to keep.
      v_decided := v_decided || array(
        select row(w,
                   case when w.rapid_commit then 'ack' else 'offer' end,
                   'new',
                   f.address,
                   s.id,
                   coalesce(w.reserved_hostname, w.hostname),
                   case when w.rapid_commit then 'bound' else 'offered' end::dhcpg.lease_state,
                   offer4.now + make_interval(secs => case when w.rapid_commit then s.valid_lifetime
                                                           else s.offer_lifetime end))::dhcpg.decision4
          from unnest(v_ordinals) with ordinality o(ordinal, k)
          join unnest(v_free) with ordinality f(address, k) using (k)
          join unnest(offer4.round) w on w.ordinal = o.ordinal
          join dhcpg.subnet4 s on s.id = v_subnet_id);
      v_ordinals := v_ordinals[cardinality(v_free) + 1:];
    end loop;
    -- Those left: no subnet matched, or every pool of their network is in use.
    v_decided := v_decided || array(
      select row(w, 'drop',
                 case when cardinality(v_subnets) = 0 then 'no-subnet' else 'pool-exhausted' end,
                 null, v_subnets[1], null, null, null)::dhcpg.decision4
        from unnest(offer4.round) w
        where w.ordinal = any (v_ordinals));
  end loop;

  -- The answers for steps 1 to 4: a client still bound (it lost its state) is
  -- offered its lease unchanged; anything else is written as an offer or,
  -- with rapid commit, a binding.
  if cardinality(v_chosen) > 0 then
    v_decided := v_decided || array(
      select row(
               c.message,
               case when (c.message).rapid_commit then 'ack' else 'offer' end,
               c.reason,
               l.address,
               l.subnet_id,
               coalesce((c.message).reserved_hostname, (c.message).hostname,
                        case when l.client_key = (c.message).client_key then l.hostname end),
               case
                 when (c.message).rapid_commit then 'bound'
                 when l.state = 'bound' and c.reason = 'current' then null
                 else 'offered'
               end::dhcpg.lease_state,
               offer4.now + make_interval(secs => case when (c.message).rapid_commit then s.valid_lifetime
                                                       else s.offer_lifetime end))::dhcpg.decision4
        from unnest(v_chosen) c
        join dhcpg.lease4 l on l.address = c.address
        join dhcpg.subnet4 s on s.id = l.subnet_id);
  end if;
  return v_decided;
end
$$;
