// Batching shared by the DHCPv4 and DHCPv6 lease engines: messages go to
// the family's one SQL entry point (dhcpg.handle4, dhcpg.handle6) in
// batches, one call for whatever arrived while the previous calls ran.
import { databaseErrorKind, failsEveryMessage } from '../db/errors.ts';
import type { Db } from '../db/pool.ts';
import type { WalFlusher } from './wal-flush.ts';

export interface EngineOptions {
  /** Batches in flight at once: at most the pool's connections. */
  concurrency?: number;
  /** Messages per call at most (default DEFAULT_MAX_BATCH). */
  maxBatch?: number;
  /**
   * Under load, how long (ms) a free call slot waits for more messages before
   * it calls (default 0: never). See batcher.
   */
  batchWait?: number;
  /** Told the size of every call, for metrics. */
  onBatch?(size: number): void;
  /**
   * When given, batches that bind, release or decline commit without waiting
   * for the WAL flush and their answers wait for this flusher instead (see
   * wal-flush.ts); without it they commit synchronously.
   */
  flusher?: WalFlusher;
}

/** A family's entry point: `sql` takes the batch as $1 (jsonb) and the clock as $2, and returns one row per message, in order. */
export interface EntryPoint<Message, Row, Answer> {
  name: string;
  sql: string;
  /** Whether the message writes something that must last (the same test as the SQL function's). */
  durable(message: Message): boolean;
  answer(row: Row): Answer;
}

interface Pending<Message, Answer> {
  message: Message;
  now: Date | undefined;
  resolve(answer: Answer): void;
  reject(error: unknown): void;
}

/**
 * Messages per call at most. With one connection a front-end's capacity is
 * this many messages per call time, and a bigger call costs the database less
 * per message: on the 2-core bench machine, in short runs, one front-end
 * reached 6,400 DORA/s at 64 (a fifth of the CPU idle while its queue was
 * full), 8,000 at 256 and 8,800 at 512 (PostgreSQL 112 -> 79 µs of CPU per
 * DORA). DHCPv6 alike: dhcpg.handle6 with one connection, SOLICIT and
 * REQUEST, new clients: 120 / 105 / 98 / 94 µs of wall time an exchange at
 * 64, 128, 256 and 512 messages a call; one front-end 5,100 -> 6,400 SARR/s
 * at 64 -> 512.
 * A light load never fills a call, so it changes nothing there.
 */
export const DEFAULT_MAX_BATCH = 512;

/**
 * A call of this many messages or more means messages arrive faster than
 * calls return. Two already: at a few thousand messages a second calls of
 * one to three messages each paid the whole fixed cost of a call. One
 * front-end, DHCPv4, two alternating pairs of short runs, 4 against 2: at 800
 * DORA/s PostgreSQL 833 against 577-623 µs of CPU per DORA, the machine 1.16
 * against 0.83-0.92 cores busy; at 1,600 DORA/s 379-408 against 343-349 µs,
 * 0.97-1.0 against 0.73-0.76 cores; DHCPv6 alike (800 SARR/s: 833-854
 * against 596-631 µs). From 3,200 DORA/s on, calls carry more than four
 * anyway. The price is the wait, batchWait (1 ms by default), once per call.
 */
const BUSY_BATCH = 2;

/**
 * A message is sent at once when a call slot is free, else with everything
 * else that arrived while every slot was busy, in one call. An idle
 * front-end thus adds no delay, and a busy one pays one round trip and one
 * commit for many messages. Under load (the last call carried BUSY_BATCH
 * messages or more), a free slot first waits up to batchWait ms unless half
 * a batch is already waiting: each call costs the database a fixed share
 * (every statement of the entry point starts an executor) whatever its size,
 * so fewer, larger calls leave more CPU to everything else. A front-end that
 * sends one message at a time never waits. A batch that fails as a whole
 * over its data is sent again one message per call, so one bad message
 * fails alone (nothing is retried because of contention: there is none).
 */
export const batcher = <Message, Row extends object, Answer>(
  db: Db, entry: EntryPoint<Message, Row, Answer>, options: EngineOptions = {},
): ((message: Message, now: Date | undefined) => Promise<Answer>) => {
  const concurrency = options.concurrency ?? 4;
  const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
  const batchWait = options.batchWait ?? 0;
  // The same call, committing without waiting for the WAL flush: set_config
  // is volatile, so it runs for each row, before the commit.
  const deferredFlush = `${entry.sql} where set_config('synchronous_commit', 'off', true) is not null`;
  const queue: Pending<Message, Answer>[] = [];
  let inFlight = 0;
  let lastBatch = 0;
  let waiting: NodeJS.Timeout | undefined;

  /**
   * One call for a batch. Resolves once the connection is free, with what
   * hands the answers out: the caller sends the next batch first, since the
   * replies to a big batch take the event loop for milliseconds, during which
   * the connection would otherwise sit idle.
   */
  const call = async (batch: Pending<Message, Answer>[]): Promise<() => void> => {
    options.onBatch?.(batch.length);
    const flusher = batch.some(({ message }) => entry.durable(message)) ? options.flusher : undefined;
    const rows = await db.query<Row>(
      flusher ? `${entry.name}-deferred-flush` : entry.name,
      flusher ? deferredFlush : entry.sql,
      [JSON.stringify(batch.map((p) => p.message)), batch[0]!.now ?? null],
    );
    if (rows.length !== batch.length) throw new Error(`the lease engine answered ${rows.length} of ${batch.length} messages`);
    const answer = () => batch.forEach((p, k) => p.resolve(entry.answer(rows[k]!)));
    if (!flusher) return answer;
    // The connection takes the next batch while the WAL is flushed. The batch
    // has committed: if the flush fails its messages fail, and are not sent
    // again (the clients retransmit).
    flusher.flushed().then(answer, (error: unknown) => batch.forEach((p) => p.reject(error)));
    return () => {};
  };

  /**
   * call, and when the batch fails as a whole because of what it carried, one
   * call per message, so the message at fault fails alone. A lost, hung or
   * read-only database fails every message alike: they fail together, at
   * once. Never rejects.
   */
  const run = async (batch: Pending<Message, Answer>[]): Promise<() => void> => {
    try {
      return await call(batch);
    } catch (error) {
      if (batch.length === 1 || failsEveryMessage(databaseErrorKind(error))) batch.forEach((p) => p.reject(error));
      else await Promise.all(batch.map((p) => call([p]).then((answer) => answer(), (single: unknown) => p.reject(single))));
      return () => {};
    }
  };

  const dispatch = () => {
    const enough = queue.length >= maxBatch / 2;
    if (waiting) {
      if (!enough) return;
      clearTimeout(waiting);
      waiting = undefined;
    } else if (batchWait > 0 && lastBatch >= BUSY_BATCH && inFlight < concurrency && queue.length > 0 && !enough) {
      // Once the wait is over the next call goes at once (lastBatch is set again when it does).
      lastBatch = 0;
      waiting = setTimeout(() => {
        waiting = undefined;
        dispatch();
      }, batchWait);
      return;
    }
    while (inFlight < concurrency && queue.length > 0) {
      // One clock per batch: tests move it per message.
      const now = queue[0]!.now?.getTime();
      let size = 1;
      while (size < queue.length && size < maxBatch && queue[size]!.now?.getTime() === now) size++;
      inFlight++;
      lastBatch = size;
      void run(queue.splice(0, size)).then((answer) => {
        inFlight--;
        dispatch();
        answer();
      });
    }
  };

  return (message, now) =>
    new Promise((resolve, reject) => {
      queue.push({ message, now, resolve, reject });
      dispatch();
    });
};
