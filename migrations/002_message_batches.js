// The lease engine takes batches of messages: dhcpg.handle4 replaces the
// per-message functions of 001 (discover4, request4, release4, decline4,
// inform4 and their helpers), whose logic it holds, set-based.
//
// The files of sql/ are always installed as they are now, so 001 installs only
// the files it still shares with this migration, and this one installs the
// rest. There is no way back to per-message functions: down is refused.
import { grantFunctions, installSqlFiles } from './install-sql-files.js';

export const up = (pgm) => {
  pgm.sql(`
    drop function if exists dhcpg.discover4(smallint, bytea, bytea, inet, inet, text, inet, bytea, text, boolean, timestamptz);
    drop function if exists dhcpg.request4(smallint, bytea, bytea, inet, inet, text, text, inet, bytea, text, timestamptz);
    drop function if exists dhcpg.release4(smallint, bytea, bytea, inet, timestamptz);
    drop function if exists dhcpg.decline4(smallint, bytea, bytea, inet, timestamptz);
    drop function if exists dhcpg.inform4(smallint, bytea, bytea, inet, inet, text, bytea);
    drop function if exists dhcpg.choose_lease4(integer[], bytea, dhcpg.reservation4, inet, timestamptz);
    drop function if exists dhcpg.assign_lease4(integer[], inet, dhcpg.lease_state, bytea, smallint, bytea, bytea, text, timestamptz, timestamptz);
    drop function if exists dhcpg.lock_client(bytea);
    -- Its return type changes (one row to a set, for inlining).
    drop function if exists dhcpg.find_reservation4(integer[], bytea, bytea, bytea);
  `);
  installSqlFiles(pgm, [
    'schema_version.sql',
    'client_key4.sql',
    'message4.sql',
    'find_reservation4.sql',
    'read_messages4.sql',
    'offer4.sql',
    'verify_requests4.sql',
    'release_decline4.sql',
    'write_grants4.sql',
    'handle4.sql',
  ]);
  grantFunctions(pgm);
};

export const down = false;
