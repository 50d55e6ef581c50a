// A decision (dhcpg.decision4) carries the message it answers instead of its
// ordinal, so the lease engine never joins a batch's messages back to their
// decisions: planned without knowing the arrays' sizes, and with statistics
// of a lease table full of bindings, PostgreSQL made that join a nested loop
// over both arrays, and a call's cost grew with the square of its size.
//
// The type's shape changes, so it is dropped with the functions that take or
// return it and created again from sql/ (002 installs these files as they are
// now, so on a new database this drops and installs the same again). The
// front-ends' interface, dhcpg.handle4, is unchanged: the schema version stays.
import { grantFunctions, installSqlFiles } from './install-sql-files.js';

export const up = (pgm) => {
  pgm.sql(`
    drop function if exists dhcpg.write_grants4(dhcpg.work4[], dhcpg.decision4[], bytea[], timestamptz);
    drop function if exists dhcpg.write_grants4(dhcpg.decision4[], bytea[], timestamptz);
    drop function if exists dhcpg.offer4(dhcpg.work4[], inet[], bytea[], timestamptz);
    drop function if exists dhcpg.verify_requests4(dhcpg.work4[], timestamptz);
    drop function if exists dhcpg.release_decline4(dhcpg.work4[], timestamptz);
    drop type dhcpg.decision4;
  `);
  installSqlFiles(pgm, [
    'message4.sql',
    'offer4.sql',
    'verify_requests4.sql',
    'release_decline4.sql',
    'write_grants4.sql',
    'handle4.sql',
  ]);
  grantFunctions(pgm);
};

// Nothing to undo: dhcpg.handle4 answers as before, whichever shape its
// helpers pass decisions in.
export const down = () => {};
