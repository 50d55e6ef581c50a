// Whether a pool's database can grant leases right now: it answers within a
// time and its host takes writes. A front-end's heartbeat and its recovery
// probe ask this (server/frontend.ts).
import { DatabaseTimeout } from './errors.ts';
import { READ_ONLY_QUERY } from './hosts.ts';
import type { Db } from './pool.ts';

/** promise, or DatabaseTimeout once ms have passed without it settling (its outcome is then ignored). */
export const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseTimeout(`${what}: no answer within ${ms} ms`)), ms);
  });
  promise.catch(() => {}); // settled after the timeout: nobody waits for it any more
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};

/**
 * Resolves when db answers within timeoutMs and takes writes; else throws a
 * DatabaseTimeout, the error the query got, or for a read-only host an error
 * with the SQLSTATE a write there would get (25006). A host that answered
 * nothing or is read-only is left (Db.leaveHost): with a host list the next
 * query looks for the primary.
 */
export const checkWritable = async (db: Db, timeoutMs: number): Promise<void> => {
  let rows: { read_only: boolean }[];
  try {
    rows = await within(db.query<{ read_only: boolean }>('read-only', READ_ONLY_QUERY), timeoutMs, 'database check');
  } catch (error) {
    if (error instanceof DatabaseTimeout) db.leaveHost();
    throw error;
  }
  if (rows[0]?.read_only !== false) {
    db.leaveHost();
    throw Object.assign(new Error('the database host takes no writes (a standby, or default_transaction_read_only)'), { code: '25006' });
  }
};
