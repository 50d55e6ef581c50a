-- Views for operators, with readable columns. Front-ends never read them.
-- The lease views leave out rows of never-used addresses.

-- What a lease is doing now: an offer, binding or probation whose time is up
-- reads as 'expired' (the row itself changes only when the address is reused).
create or replace function dhcpg.state_text(state dhcpg.lease_state, expires_at timestamptz)
returns text
language sql
stable
as $$
  select case
    when state_text.state in ('offered', 'bound', 'declined') and state_text.expires_at > now() then state_text.state::text
    when state_text.state = 'released' then 'released'
    else 'expired'
  end
$$;

create or replace view dhcpg.leases4 as
select
  l.address,
  dhcpg.hw_text(l.hw_address) as hwaddr,
  encode(l.client_id, 'hex') as client_id,
  s.prefix as subnet,
  l.subnet_id,
  dhcpg.state_text(l.state, l.expires_at) as state,
  l.expires_at,
  l.hostname,
  l.reservation_id is not null as reserved,
  l.updated_at
from dhcpg.lease4 l
join dhcpg.subnet4 s on s.id = l.subnet_id
where l.state <> 'free';

create or replace view dhcpg.leases6 as
select
  l.prefix as address,
  masklen(l.prefix) as prefix_length,
  case l.kind when 'na' then 'ia_na' else 'ia_pd' end as type,
  encode(l.duid, 'hex') as duid,
  l.iaid,
  dhcpg.hw_text(l.hw_address) as hwaddr,
  s.prefix as subnet,
  l.subnet_id,
  dhcpg.state_text(l.state, l.expires_at) as state,
  l.preferred_until,
  l.expires_at,
  l.hostname,
  l.reservation_id is not null as reserved,
  l.updated_at
from dhcpg.lease6 l
join dhcpg.subnet6 s on s.id = l.subnet_id
where l.state <> 'free';

-- Per pool: how many addresses, and what they are doing now.
create or replace view dhcpg.pool_stats as
select
  4 as family,
  'addresses' as kind,
  s.id as subnet_id,
  s.prefix as subnet,
  p.id as pool_id,
  host(p.first_address) || ' - ' || host(p.last_address) as pool,
  count(l.address)::numeric as total,
  count(l.address) filter (where l.state = 'bound' and l.expires_at > now()) as assigned,
  count(l.address) filter (where l.state = 'offered' and l.expires_at > now()) as offered,
  count(l.address) filter (where l.state = 'declined' and l.expires_at > now()) as declined,
  count(l.address) filter (where l.reservation_id is not null) as reserved,
  count(l.address) filter (where l.expires_at <= now() and l.reservation_id is null) as free
from dhcpg.pool4 p
join dhcpg.subnet4 s on s.id = p.subnet_id
left join dhcpg.lease4 l on l.pool_id = p.id
group by s.id, s.prefix, p.id, p.first_address, p.last_address
union all
-- DHCPv6 pools hold up to 2^64 leases (numeric), of which only those handed
-- out or reserved have rows: free is the rest.
select
  6,
  case p.kind when 'na' then 'addresses' else 'prefixes /' || p.delegated_length end,
  s.id,
  s.prefix,
  p.id,
  coalesce(p.prefix::text, host(p.first_address) || ' - ' || host(p.last_address)),
  p.size,
  count(l.prefix) filter (where l.state = 'bound' and l.expires_at > now()),
  count(l.prefix) filter (where l.state = 'offered' and l.expires_at > now()),
  count(l.prefix) filter (where l.state = 'declined' and l.expires_at > now()),
  count(l.prefix) filter (where l.reservation_id is not null),
  p.size - count(l.prefix) filter (where l.expires_at > now() or l.reservation_id is not null)
from dhcpg.pool6 p
join dhcpg.subnet6 s on s.id = p.subnet_id
left join dhcpg.lease6 l on l.pool_id = p.id
group by s.id, s.prefix, p.id;

-- The front-ends registered (sql/contract.sql). One that has not been seen
-- for 15 s, three of its 5 s refreshes, is taken for gone (killed, or cut
-- off from the database); "dhcpg migrate up" weighs only those alive.
create or replace view dhcpg.frontends as
select
  f.host,
  f.pid,
  f.release,
  f.contract,
  f.contract <@ s.frontend_contracts as served,
  f.last_seen > now() - interval '15 s' as alive,
  f.started_at,
  f.last_seen,
  f.id
from dhcpg.frontend f
cross join dhcpg.server s;
