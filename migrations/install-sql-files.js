// Migrations install the lease engine's functions and views from sql/, the
// single source of truth for allocation. Every file there is idempotent
// ("create or replace"), so a later migration may install a file again.
import { readFileSync } from 'node:fs';

const sqlDir = new URL('../sql/', import.meta.url);

export const installSqlFiles = (pgm, files) => {
  for (const file of files) pgm.sql(readFileSync(new URL(file, sqlDir), 'utf8'));
};
