// Group commit on the front-end's side. A batch that binds, releases or
// declines must be durable before its answers go out, and committing it
// synchronously keeps its connection idle for the whole WAL flush: with one
// connection per front-end that flush was a tenth of the throughput. Instead
// such a batch commits without waiting (synchronous_commit off), and its
// answers wait for one small synchronous commit on a connection of its own:
// WAL is flushed in order, so a commit flushed makes durable every commit
// written before it. A flush begun after a batch committed covers that batch,
// and one flush covers every batch that committed while the previous one ran.
//
// That commit must write WAL before its commit record: PostgreSQL flushes
// the WAL at a commit, and waits for synchronous standbys, only when the
// transaction wrote WAL before it (RecordTransactionCommit); a transaction
// that merely took an id (pg_current_xact_id()) commits asynchronously,
// flushes nothing and waits for no standby. A transactional logical message
// is the smallest such write, touches no table, and any role may emit it
// (the front-ends' role has no table rights). PostgreSQL's own rules then
// apply to that commit (synchronous_commit, synchronous_standby_names), so a
// batch is exactly as durable as if it had committed synchronously, and
// nothing is acknowledged earlier.
import type { Db } from '../db/pool.ts';

export interface WalFlusher {
  /** Settles once every transaction committed before this call is durable. */
  flushed(): Promise<void>;
}

/** Writes WAL in a transaction of its own, so that its commit flushes (see above). */
const FLUSH_WAL = "select pg_logical_emit_message(true, 'dhcpg-flush', '')";

export const walFlusher = (db: Db): WalFlusher => {
  let waiting: { resolve(): void; reject(error: unknown): void }[] = [];
  let flushing = false;

  const flushAll = async () => {
    flushing = true;
    while (waiting.length > 0) {
      // Who waits now committed before the transaction below begins; later
      // arrivals wait for the next round.
      const covered = waiting;
      waiting = [];
      try {
        await db.query('flush-wal', FLUSH_WAL);
        for (const waiter of covered) waiter.resolve();
      } catch (error) {
        for (const waiter of covered) waiter.reject(error);
      }
    }
    flushing = false;
  };

  return {
    flushed: () =>
      new Promise<void>((resolve, reject) => {
        waiting.push({ resolve, reject });
        if (!flushing) void flushAll();
      }),
  };
};
