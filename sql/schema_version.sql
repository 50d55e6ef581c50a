-- The schema version this database holds. Every migration that changes what
-- the front-ends rely on replaces this function with its own number; the
-- TypeScript side refuses to run against any other (see src/db/schema.ts).
create or replace function dhcpg.schema_version()
returns integer
language sql
immutable
as $$ select 2 $$;
