-- The subnets a DHCPv6 message may be served from, the selected one first and
-- then the other members of its shared network.
--
-- interface_id: the Interface-Id option of the relay closest to the client,
--               matched against "interface-id".
-- link:         that relay's link-address, matched against the subnets' relay
--               ip-addresses, then against their prefixes (the most specific
--               containing it).
-- interface:    for a client on a directly attached LAN, the receiving
--               interface's name, matched against "interface".
create or replace function dhcpg.select_subnet6(link inet, interface text, interface_id bytea)
returns integer[]
language plpgsql
stable
as $$
declare
  v_subnet dhcpg.subnet6;
begin
  if select_subnet6.interface_id is not null then
    select s.* into v_subnet from dhcpg.subnet6 s
      where s.interface_id = select_subnet6.interface_id order by s.id limit 1;
  end if;

  if v_subnet.id is null and select_subnet6.link is not null then
    select s.* into v_subnet from dhcpg.subnet6 s
      where select_subnet6.link = any (s.relay_addresses) order by s.id limit 1;
    if v_subnet.id is null then
      select s.* into v_subnet from dhcpg.subnet6 s
        where s.prefix >>= select_subnet6.link order by masklen(s.prefix) desc limit 1;
    end if;
  end if;

  if v_subnet.id is null and select_subnet6.link is null and select_subnet6.interface is not null then
    select s.* into v_subnet from dhcpg.subnet6 s
      where s.interface = select_subnet6.interface order by s.id limit 1;
  end if;

  if v_subnet.id is null then
    return '{}';
  end if;
  if v_subnet.shared_network_id is null then
    return array[v_subnet.id];
  end if;
  return array[v_subnet.id] || array(
    select s.id from dhcpg.subnet6 s
      where s.shared_network_id = v_subnet.shared_network_id and s.id <> v_subnet.id
      order by s.id);
end
$$;
