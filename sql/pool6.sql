-- DHCPv6 pools: where lease k of a pool lies, and the sequences that hand out
-- each pool's never-used space (see migrations/006_dhcp6_engine.js).

-- An IPv6 address from its 128-bit number (inet + bigint stops at 2^63):
-- four 32-bit words, two hex groups each. div, not trunc(n / d): numeric
-- division rounds (2^64 - 1) / 2^32 up to 2^32. PL/pgSQL rather than SQL: a
-- SQL function this size is not inlined, and was planned again at every
-- statement that called it (190 µs of a 1.5 ms batch).
create or replace function dhcpg.inet6_from_number(n numeric)
returns inet
language plpgsql
immutable
parallel safe
as $$
declare
  v_words bigint[] := array[div(n, 79228162514264337593543950336),
                            mod(div(n, 18446744073709551616), 4294967296),
                            mod(div(n, 4294967296), 4294967296),
                            mod(n, 4294967296)];
begin
  return (to_hex(v_words[1] >> 16) || ':' || to_hex(v_words[1] & 65535) || ':' ||
          to_hex(v_words[2] >> 16) || ':' || to_hex(v_words[2] & 65535) || ':' ||
          to_hex(v_words[3] >> 16) || ':' || to_hex(v_words[3] & 65535) || ':' ||
          to_hex(v_words[4] >> 16) || ':' || to_hex(v_words[4] & 65535))::inet;
end
$$;

-- Lease k of a pool: an address, or a prefix of its delegated length.
create or replace function dhcpg.pool6_lease(pool dhcpg.pool6, k bigint)
returns inet
language sql
immutable
parallel safe
as $$
  select case
    when pool.delegated_length = 128 then pool.first_address + k
    else set_masklen(dhcpg.inet6_from_number(pool.first_number + k * (2::numeric ^ (128 - pool.delegated_length))),
                     pool.delegated_length)
  end
$$;

-- The sequence of a pool's never-used leases: offsets 0, 1, 2, ... (values
-- past its size mean that space is used up).
create or replace function dhcpg.pool6_sequence(pool_id integer)
returns regclass
language sql
stable
as $$
  select format('dhcpg.pool6_%s_offsets', pool_id)::regclass
$$;

-- Whether a pool's never-used space is spent: its sequence has handed out
-- offset size - 1 or beyond (a sequence not yet called has handed out none).
-- Volatile, as pg_sequence_last_value is: a SQL function declared stable
-- around a volatile one is not inlined, and was planned again at every
-- statement that called it (0.6 ms of a lone SOLICIT's 1.6 ms).
create or replace function dhcpg.pool6_spent(pool dhcpg.pool6)
returns boolean
language sql
volatile
as $$
  select coalesce(pg_sequence_last_value(dhcpg.pool6_sequence(pool.id)) + 1, 0) >= pool.size
$$;

-- One sequence per pool, made and dropped by the configuration's apply.
-- SECURITY DEFINER: the sequences belong to the owner of the functions that
-- call nextval, whoever applies the configuration.
create or replace function dhcpg.sync_pool6_sequences()
returns void
language plpgsql
security definer
set search_path = dhcpg, pg_catalog, pg_temp
as $$
declare
  v_name text;
begin
  for v_name in
    select format('pool6_%s_offsets', p.id) from dhcpg.pool6 p
    where to_regclass(format('dhcpg.pool6_%s_offsets', p.id)) is null
  loop
    execute format('create sequence dhcpg.%I as bigint minvalue 0 start 0', v_name);
  end loop;
  for v_name in
    select c.relname from pg_class c
    where c.relnamespace = 'dhcpg'::regnamespace and c.relkind = 'S' and c.relname ~ '^pool6_\d+_offsets$'
      and not exists (select from dhcpg.pool6 p where format('pool6_%s_offsets', p.id) = c.relname)
  loop
    execute format('drop sequence dhcpg.%I', v_name);
  end loop;
end
$$;
