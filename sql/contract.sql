-- The contract between the front-ends and this schema: which front-end
-- contract versions the installed functions serve, and the registry of the
-- front-ends running (src/db/schema.ts holds the numbers and installs this).

-- The contracts served, as the last "dhcpg migrate up" recorded them.
create or replace function dhcpg.frontend_contracts()
returns table (oldest integer, newest integer)
language sql
stable
security definer
set search_path = dhcpg, pg_catalog, pg_temp
as $$
  select lower(frontend_contracts), upper(frontend_contracts) - 1 from dhcpg.server
$$;

-- Front-ends of dhcpg 0.1.0 know only this check and demand 2, their
-- contract: it reads 2 for as long as that contract is served.
create or replace function dhcpg.schema_version()
returns integer
language sql
stable
security definer
set search_path = dhcpg, pg_catalog, pg_temp
as $$
  select case when 2 <@ frontend_contracts then 2 else upper(frontend_contracts) - 1 end
  from dhcpg.server
$$;

-- A front-end says it is alive, at its start and then periodically
-- (src/server/registration.ts), and learns the contracts served: one whose
-- own is not among them stops serving.
create or replace function dhcpg.register_frontend(
  frontend  uuid,
  host      text,
  pid       integer,
  release   text,
  contract  integer
)
returns table (oldest integer, newest integer)
language sql
volatile
security definer
set search_path = dhcpg, pg_catalog, pg_temp
as $$
  -- Every start registers a new id: rows of front-ends gone for a day go.
  delete from dhcpg.frontend where last_seen < now() - interval '1 day';

  insert into dhcpg.frontend as f (id, host, pid, release, contract)
  values (register_frontend.frontend, register_frontend.host, register_frontend.pid,
          register_frontend.release, register_frontend.contract)
  on conflict (id) do update set last_seen = now();

  select * from dhcpg.frontend_contracts();
$$;

-- A front-end that stops cleanly leaves the registry at once.
create or replace function dhcpg.unregister_frontend(frontend uuid)
returns void
language sql
volatile
security definer
set search_path = dhcpg, pg_catalog, pg_temp
as $$
  delete from dhcpg.frontend where id = unregister_frontend.frontend
$$;
