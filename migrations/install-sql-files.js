// Migrations install the lease engine's functions and views from sql/, the
// single source of truth for allocation. Every file there is idempotent
// ("create or replace"), so a later migration may install a file again; each
// then sets the functions' rights afresh.
import { readFileSync } from 'node:fs';

const sqlDir = new URL('../sql/', import.meta.url);

export const installSqlFiles = (pgm, files) => {
  for (const file of files) pgm.sql(readFileSync(new URL(file, sqlDir), 'utf8'));
};

/** Front-ends may call every function, nobody else may; the views' helpers are public. */
export const grantFunctions = (pgm) => {
  pgm.sql(`
    revoke execute on all functions in schema dhcpg from public;
    grant execute on all functions in schema dhcpg to dhcpg_frontend;
    -- The views call these for readable columns; whoever may read the views may call them.
    grant execute on function dhcpg.hw_text(bytea), dhcpg.state_text(dhcpg.lease_state, timestamptz) to public;
  `);
};
