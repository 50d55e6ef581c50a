-- What a DHCPv4 function decided about one message; the front-end turns it
-- into a packet (or into nothing).
do $$
begin
  create type dhcpg.reply4 as (
    -- 'offer' | 'ack' | 'nak' | 'drop' (send nothing) | 'done' (no reply expected)
    action          text,
    -- Why, in a word or two: logged by the front-end and counted in metrics.
    reason          text,
    address         inet,
    subnet_id       integer,
    -- Seconds, from the subnet's effective configuration.
    valid_lifetime  integer,
    renew_timer     integer,
    rebind_timer    integer,
    hostname        text,
    -- The client's reservation option-data (Kea format), applied over the subnet's.
    option_data     jsonb
  );
exception when duplicate_object then
  null;
end
$$;
