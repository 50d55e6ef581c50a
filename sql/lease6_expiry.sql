-- When a DHCPv6 lease claimed now for `state` ends: an ADVERTISE holds it for
-- the subnet's offer lifetime, a REPLY binds it for its valid lifetime. A SQL
-- expression, inlined into the statements that write leases.
create or replace function dhcpg.lease6_expiry(subnet dhcpg.subnet6, state dhcpg.lease_state, now timestamptz)
returns timestamptz
language sql
stable
as $$
  select now + make_interval(secs => case when state = 'offered' then subnet.offer_lifetime else subnet.valid_lifetime end)
$$;
