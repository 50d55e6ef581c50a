// dhcpg.handle4 handles a batch in one round, without ranking its messages,
// when no two of them share a client, an address or a reservation (the usual
// batch). Its behaviour is otherwise unchanged, so the schema version stays.
//
// 002 installs sql/ as it is now, so on a new database this installs the same
// file again; on a database at 002 it brings the new version.
import { grantFunctions, installSqlFiles } from './install-sql-files.js';

export const up = (pgm) => {
  installSqlFiles(pgm, ['handle4.sql']);
  grantFunctions(pgm);
};

// Nothing to undo: the function answers as before.
export const down = () => {};
