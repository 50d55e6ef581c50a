-- The types a batch of DHCPv4 messages passes through in dhcpg.handle4.

do $$
begin
  -- One client message, as the front-end decoded it (JSON field names alike).
  create type dhcpg.message4 as (
    -- 'discover' | 'request' | 'release' | 'decline' | 'inform'
    type          text,
    -- Requests only: 'selecting' | 'init-reboot' | 'renewing' | 'rebinding'
    -- (see dhcpg.verify_requests4).
    request_kind  text,
    hw_type       smallint,
    hw_address    bytea,
    -- Option 61, when sent.
    client_id     bytea,
    -- Subnet selection inputs (see dhcpg.select_subnet4).
    selector      inet,
    relay         inet,
    interface     text,
    -- discover: option 50; request: option 50 or ciaddr; release: ciaddr;
    -- decline: option 50.
    address       inet,
    -- Relay agent circuit-id (option 82 sub-option 1), for reservations.
    circuit_id    bytea,
    hostname      text,
    -- discover: the client asked for rapid commit (RFC 4039).
    rapid_commit  boolean
  );
exception when duplicate_object then
  null;
end
$$;

do $$
begin
  -- A message with what can be known of it before any lock is taken.
  create type dhcpg.work4 as (
    -- Position in the batch; replies come back in this order.
    ordinal             integer,
    type                text,
    request_kind        text,
    hw_type             smallint,
    hw_address          bytea,
    client_id           bytea,
    client_key          bytea,
    address             inet,
    -- The name the client sent.
    hostname            text,
    rapid_commit        boolean,
    -- Candidate subnets, the selected one first (empty: none matched).
    subnets             integer[],
    reservation_id      integer,
    reserved_address    inet,
    reserved_hostname   text,
    reserved_options    jsonb
  );
exception when duplicate_object then
  null;
end
$$;

do $$
begin
  -- What was decided about one message, and what is written for it. The
  -- message travels with its decision, so that nothing downstream joins the
  -- two arrays back together: PostgreSQL estimates any unnest() of a
  -- parameter at 10 rows, and with statistics of a lease table full of
  -- bindings it joined round and decisions by a nested loop, rescanning one
  -- array for each element of the other (quadratic in the batch: a 400-message
  -- call took tens of milliseconds).
  create type dhcpg.decision4 as (
    message         dhcpg.work4,
    -- As in dhcpg.reply4.
    action          text,
    reason          text,
    address         inet,
    subnet_id       integer,
    hostname        text,
    -- The state the lease row at address takes, and until when; null when
    -- nothing is written for this message.
    write_state     dhcpg.lease_state,
    write_expires   timestamptz
  );
exception when duplicate_object then
  null;
end
$$;
