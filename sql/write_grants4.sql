-- Writes the offers and bindings decided for one round of a batch: each
-- client's identity comes off any other row of its candidate subnets first,
-- so the unique index lease4_client (one lease per client per subnet) always
-- holds; known holds the identities found on rows (see dhcpg.handle4): a
-- round of new clients skips that step. Every row touched is locked by the
-- caller. Each decision carries its message, so both statements are one pass
-- over the decisions with an index probe each, whatever the statistics.
create or replace function dhcpg.write_grants4(
  decisions  dhcpg.decision4[],
  known      bytea[],
  now        timestamptz)
returns void
language plpgsql
as $$
begin
  if cardinality(write_grants4.known) > 0 then
    update dhcpg.lease4 l
      set client_key = null
      from unnest(write_grants4.decisions) d
      where d.write_state is not null
        and (d.message).client_key = any (write_grants4.known)
        and l.subnet_id = any ((d.message).subnets)
        and l.client_key = (d.message).client_key
        and l.address <> d.address;
  end if;

  update dhcpg.lease4 l
    set state = d.write_state,
        client_key = (d.message).client_key,
        hw_type = (d.message).hw_type,
        hw_address = (d.message).hw_address,
        client_id = (d.message).client_id,
        hostname = d.hostname,
        expires_at = d.write_expires,
        updated_at = write_grants4.now
    from unnest(write_grants4.decisions) d
    where d.write_state is not null
      and l.address = d.address;
end
$$;
