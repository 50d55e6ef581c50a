-- The types a batch of DHCPv6 messages passes through in dhcpg.handle6.

do $$
begin
  -- One IA of a message (or a message without IAs: ia_ordinal null), with
  -- what can be known of it before any lease is claimed.
  create type dhcpg.ia6 as (
    -- Position of the message in the batch, and of the IA in the message.
    ordinal     integer,
    ia_ordinal  integer,
    -- solicit | request | renew | rebind | release | decline
    type        text,
    duid        bytea,
    hw_address  bytea,
    hostname    text,
    -- dhcpg.select_subnet6's answer: the selected subnet first.
    subnets     integer[],
    -- What a claim makes of the lease: 'offered' (ADVERTISE) or 'bound'.
    state       dhcpg.lease_state,
    kind        text,
    iaid        bigint,
    hints       inet[],
    -- Claimed by the batch's set-based steps rather than one by one: a claim
    -- whose client sent nothing else in the batch, alone of its kind and
    -- IAID in its message, from a served link.
    batched     boolean
  );
exception when duplicate_object then
  null;
end
$$;

do $$
begin
  -- What became of one IA: its lease (null when none), or its status.
  create type dhcpg.ia6_outcome as (
    ordinal     integer,
    ia_ordinal  integer,
    prefix      cidr,
    subnet_id   integer,
    -- null, or an RFC 8415 status name (NoAddrsAvail, NoPrefixAvail, NoBinding).
    status      text
  );
exception when duplicate_object then
  null;
end
$$;
