-- The identity a DHCPv4 client is known by (RFC 2131 section 4.2): its client
-- identifier (option 61) when it sends one, else hardware type and address.
-- The one-byte prefix keeps the two spaces apart.
create or replace function dhcpg.client_key4(hw_type smallint, hw_address bytea, client_id bytea)
returns bytea
language sql
immutable
as $$
  select case
    when client_key4.client_id is not null and length(client_key4.client_id) > 0
      then '\x01'::bytea || client_key4.client_id
    else '\x02'::bytea || set_byte('\x00'::bytea, 0, client_key4.hw_type) || client_key4.hw_address
  end
$$;

-- Messages of one client are serialised by a transaction-scoped advisory lock
-- on this number, so the same DISCOVER arriving through several front-ends at
-- once gets one answer. Different clients never wait on each other here
-- except on a 64-bit hash collision.
create or replace function dhcpg.client_lock_id(client_key bytea)
returns bigint
language sql
immutable
as $$
  select hashtextextended(encode(client_lock_id.client_key, 'base64'), 4)
$$;
