-- Hardware address as operators write it: 'aa:bb:cc:dd:ee:ff'.
create or replace function dhcpg.hw_text(hw bytea)
returns text
language sql
immutable
strict
as $$ select regexp_replace(encode(hw, 'hex'), '(..)(?!$)', '\1:', 'g') $$;
