-- The subnets a DHCPv4 message may be served from, the selected one first and
-- then the other members of its shared network.
--
-- relay:     giaddr when no link-selection or subnet-selection option overrides
--            it; matched against the subnets' (and their shared network's)
--            relay ip-addresses first, as Kea does.
-- selector:  the address that locates the client's link: link-selection
--            (RFC 3527), subnet-selection (RFC 3011), giaddr, ciaddr of a
--            directly connected client, or the receiving interface's address.
-- interface: the receiving interface's name, matched against "interface".
create or replace function dhcpg.select_subnet4(selector inet, relay inet, interface text)
returns integer[]
language plpgsql
stable
as $$
declare
  v_subnet dhcpg.subnet4;
begin
  if select_subnet4.relay is not null then
    select s.* into v_subnet
      from dhcpg.subnet4 s
      where select_subnet4.relay = any (s.relay_addresses)
      order by s.id
      limit 1;
  end if;

  if v_subnet.id is null and select_subnet4.selector is not null then
    -- The most specific subnet containing the selector.
    select s.* into v_subnet
      from dhcpg.subnet4 s
      where s.prefix >>= select_subnet4.selector
      order by masklen(s.prefix) desc
      limit 1;
  end if;

  if v_subnet.id is null and select_subnet4.interface is not null then
    select s.* into v_subnet
      from dhcpg.subnet4 s
      where s.interface = select_subnet4.interface
      order by s.id
      limit 1;
  end if;

  if v_subnet.id is null then
    return '{}';
  end if;
  if v_subnet.shared_network_id is null then
    return array[v_subnet.id];
  end if;
  return array[v_subnet.id] || array(
    select s.id
      from dhcpg.subnet4 s
      where s.shared_network_id = v_subnet.shared_network_id
        and s.id <> v_subnet.id
      order by s.id);
end
$$;
