-- The lease engine's one entry point for DHCPv4: a batch of client messages
-- (see dhcpg.message4 and dhcpg.read_messages4), handled in one call and one
-- transaction, one dhcpg.reply4 per message in the batch's order. A front-end
-- sends whatever arrived while its previous calls were running, so a busy
-- front-end pays one round trip, one transaction and one commit for many
-- messages, and PostgreSQL runs each step once per batch rather than once per
-- message.
--
-- Locks are taken in one global order, so batches from any number of
-- front-ends never deadlock and never wait for each other's candidates:
--   1. each client's advisory lock (dhcpg.client_lock_id), in lock-id order;
--   2. every lease row a message of the batch might have to wait for (rows
--      with the batch's client identities, the addresses its messages name,
--      its clients' reserved addresses), in address order;
--   3. free addresses, claimed with FOR UPDATE SKIP LOCKED (dhcpg.offer4),
--      which never waits.
-- Messages are then handled in rounds in which no two share a client, an
-- address or a reservation (a client's second message sees the first one's
-- outcome, as if they had come one after the other).
--
-- A batch of DISCOVERs and INFORMs commits without waiting for the WAL flush
-- (an offer grants nothing: if the database crashes first, the client sends
-- another DISCOVER); one that may bind, release or decline commits as
-- configured.
create or replace function dhcpg.handle4(
  messages  jsonb,
  now       timestamptz default now())
returns setof dhcpg.reply4
language plpgsql
security definer
set search_path = dhcpg, pg_catalog, pg_temp
-- Generic plans for every statement inside: with the default, PostgreSQL kept
-- re-planning the array conditions at every call.
set plan_cache_mode = force_generic_plan
as $$
declare
  v_pending    dhcpg.work4[];
  v_round      dhcpg.work4[];
  -- Client identities found on the rows locked in step 2.
  v_known      bytea[];
  v_decided    dhcpg.decision4[] := '{}';
  v_decisions  dhcpg.decision4[];
  v_requests   boolean;
  v_leaves     boolean;
  v_informs    boolean;
  v_discovers  boolean;
  v_rapid      boolean;
  -- Whether the batch binds, releases or declines: then its commit must last.
  v_durable    boolean := false;
begin
  v_pending := dhcpg.read_messages4(handle4.messages);

  -- 1. Client locks, in one global order.
  perform pg_advisory_xact_lock(k.id)
    from (select distinct dhcpg.client_lock_id(w.client_key) as id
            from unnest(v_pending) w
            where w.type <> 'inform'
            order by 1) k;

  -- 2. Row locks, in address order (the sort runs below the locking step).
  select coalesce(array_agg(distinct l.client_key) filter (where l.client_key is not null), '{}')
    into v_known
    from (select l.address, l.client_key
            from dhcpg.lease4 l
            where l.address in (
                select o.address
                  from unnest(v_pending) w
                  join dhcpg.lease4 o on o.subnet_id = any (w.subnets) and o.client_key = w.client_key
                  where w.type in ('discover', 'request')
                union
                select w.address
                  from unnest(v_pending) w
                  where w.type in ('request', 'release', 'decline')
                    and w.address is not null
                union
                select w.reserved_address
                  from unnest(v_pending) w
                  where w.reserved_address is not null)
            order by l.address
            for update) l;

  -- 3. Rounds.
  while cardinality(v_pending) > 0 loop
    -- One round when no two messages share a client, an address or a
    -- reservation (the usual batch: a front-end sends one message per client
    -- at a time): one aggregate instead of the three window sorts below.
    if cardinality(v_pending) = 1
       or (select count(distinct w.client_key) = count(*)
                  and count(distinct host(w.address)) = count(w.address)
                  and count(distinct w.reservation_id) = count(w.reservation_id)
             from unnest(v_pending) w) then
      v_round := v_pending;
      v_pending := '{}';
    else
      select coalesce(array_agg(x.w order by (x.w).ordinal) filter (where x.first), '{}'),
             coalesce(array_agg(x.w order by (x.w).ordinal) filter (where not x.first), '{}')
        into v_round, v_pending
        from (
          select w,
                 row_number() over (partition by w.client_key order by w.ordinal) = 1
                 and row_number() over (partition by coalesce(host(w.address), '#' || w.ordinal)
                                        order by w.ordinal) = 1
                 and row_number() over (partition by coalesce(w.reservation_id, -w.ordinal)
                                        order by w.ordinal) = 1 as first
            from unnest(v_pending) w) x;
    end if;

    select coalesce(bool_or(w.type = 'request'), false),
           coalesce(bool_or(w.type in ('release', 'decline')), false),
           coalesce(bool_or(w.type = 'inform'), false),
           coalesce(bool_or(w.type = 'discover'), false),
           coalesce(bool_or(w.type = 'discover' and w.rapid_commit), false)
      into v_requests, v_leaves, v_informs, v_discovers, v_rapid
      from unnest(v_round) w;
    v_durable := v_durable or v_requests or v_leaves or v_rapid;

    v_decisions := '{}';
    if v_requests then
      v_decisions := v_decisions || dhcpg.verify_requests4(v_round, handle4.now);
    end if;
    if v_leaves then
      v_decisions := v_decisions || dhcpg.release_decline4(v_round, handle4.now);
    end if;
    if v_informs then
      -- DHCPINFORM (RFC 2131 section 4.3.5): nothing is written; the answer
      -- names the subnet whose options apply and the client's reservation.
      v_decisions := v_decisions || array(
        select row(w,
                   case when cardinality(w.subnets) = 0 then 'drop' else 'ack' end,
                   case when cardinality(w.subnets) = 0 then 'no-subnet' else 'inform' end,
                   null, w.subnets[1], w.reserved_hostname, null, null)::dhcpg.decision4
          from unnest(v_round) w
          where w.type = 'inform');
    end if;
    if v_discovers then
      -- Offers last: addresses named by the round's other messages are not
      -- handed out to its discovers.
      v_decisions := v_decisions || dhcpg.offer4(
        v_round,
        case when v_requests or v_leaves then
          array(select w.address from unnest(v_round) w
                  where w.type in ('request', 'release', 'decline') and w.address is not null)
        else '{}' end,
        v_known,
        handle4.now);
    end if;
    if v_requests or v_discovers then
      perform dhcpg.write_grants4(v_decisions, v_known, handle4.now);
    end if;
    v_decided := v_decided || v_decisions;
    if cardinality(v_pending) > 0 then
      -- The next round's messages may come from clients this one gave rows.
      v_known := v_known || array(select w.client_key from unnest(v_round) w);
    end if;
  end loop;

  if not v_durable then
    perform set_config('synchronous_commit', 'off', true);
  end if;
  return query
    select d.action,
           d.reason,
           d.address,
           d.subnet_id,
           case when d.action in ('offer', 'ack') and (d.message).type <> 'inform' then s.valid_lifetime end,
           case when d.action in ('offer', 'ack') and (d.message).type <> 'inform' then s.renew_timer end,
           case when d.action in ('offer', 'ack') and (d.message).type <> 'inform' then s.rebind_timer end,
           case when d.action in ('offer', 'ack') then d.hostname end,
           case when d.action in ('offer', 'ack') then (d.message).reserved_options end
      from unnest(v_decided) d
      left join dhcpg.subnet4 s on s.id = d.subnet_id
      order by (d.message).ordinal;
end
$$;
