// The TypeScript face of the lease engine: one typed function per message
// type, all sent to the one SQL entry point dhcpg.handle4 in batches.
import { databaseErrorKind, failsEveryMessage } from '../db/errors.ts';
import type { Db } from '../db/pool.ts';
import type { OptionData } from '../config/dhcp4.ts';
import type { WalFlusher } from './wal-flush.ts';

/** How a DHCPv4 client is identified (RFC 2131 section 4.2). */
export interface Client4 {
  hwType: number;
  hwAddress: Buffer;
  /** Option 61, when the client sent one. */
  clientId?: Buffer;
}

/** Where a message came from, for subnet selection (see sql/select_subnet4.sql). */
export interface Link4 {
  /** link-selection, subnet-selection, giaddr, ciaddr or the receiving interface's address. */
  selector?: string;
  /** giaddr, when no link-selection or subnet-selection overrides it. */
  relay?: string;
  /** Name of the receiving interface. */
  interface?: string;
}

export type RequestKind = 'selecting' | 'init-reboot' | 'renewing' | 'rebinding';

/** A row of type dhcpg.reply4: what the engine decided. */
export interface Reply4 {
  action: 'offer' | 'ack' | 'nak' | 'drop' | 'done';
  reason: string;
  address: string | null;
  subnet_id: number | null;
  valid_lifetime: number | null;
  renew_timer: number | null;
  rebind_timer: number | null;
  hostname: string | null;
  /** The client's reservation options, applied over the subnet's. */
  option_data: OptionData[] | null;
}

export interface MessageDetails {
  /** Relay agent circuit-id (option 82 sub-option 1), for reservations. */
  circuitId?: Buffer;
  hostname?: string;
  /** The engine's clock; tests move it, front-ends leave it to the database. */
  now?: Date;
}

/** One message as dhcpg.handle4 reads it (type dhcpg.message4; bytea as '\x' hex). */
interface Message4 {
  type: 'discover' | 'request' | 'release' | 'decline' | 'inform';
  request_kind?: RequestKind;
  hw_type: number;
  hw_address: string;
  client_id?: string;
  selector?: string;
  relay?: string;
  interface?: string;
  address?: string;
  circuit_id?: string;
  hostname?: string;
  rapid_commit?: boolean;
}

const hex = (bytes: Buffer | undefined): string | undefined => (bytes ? `\\x${bytes.toString('hex')}` : undefined);

/**
 * Every message with the same fields in the same order: one object shape for
 * JSON.stringify however the message came (fields left undefined are not
 * sent).
 */
const message4 = (
  type: Message4['type'], client: Client4, link: Link4 | undefined,
  fields: Pick<Message4, 'request_kind' | 'address' | 'circuit_id' | 'hostname' | 'rapid_commit'>,
): Message4 => ({
  type,
  request_kind: fields.request_kind,
  hw_type: client.hwType,
  hw_address: hex(client.hwAddress)!,
  client_id: hex(client.clientId),
  selector: link?.selector,
  relay: link?.relay,
  interface: link?.interface,
  address: fields.address,
  circuit_id: fields.circuit_id,
  hostname: fields.hostname,
  rapid_commit: fields.rapid_commit,
});

export interface LeaseEngine4 {
  discover(client: Client4, link: Link4, details?: MessageDetails & { requested?: string; rapidCommit?: boolean }): Promise<Reply4>;
  request(client: Client4, link: Link4, kind: RequestKind, address: string | undefined, details?: MessageDetails): Promise<Reply4>;
  release(client: Client4, address: string, details?: Pick<MessageDetails, 'now'>): Promise<Reply4>;
  decline(client: Client4, address: string, details?: Pick<MessageDetails, 'now'>): Promise<Reply4>;
  inform(client: Client4, link: Link4, details?: Pick<MessageDetails, 'circuitId'>): Promise<Reply4>;
}

export interface EngineOptions {
  /** Batches in flight at once: at most the pool's connections. */
  concurrency?: number;
  /** Messages per call at most (default DEFAULT_MAX_BATCH). */
  maxBatch?: number;
  /**
   * Under load, how long (ms) a free call slot waits for more messages before
   * it calls (default 0: never). See leaseEngine4.
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

interface Pending {
  message: Message4;
  now: Date | undefined;
  resolve(reply: Reply4): void;
  reject(error: unknown): void;
}

/**
 * Messages per call at most. With one connection a front-end's capacity is
 * this many messages per call time, and a bigger call costs the database less
 * per message: on the 2-core bench machine, in short runs, one front-end
 * reached 6,400 DORA/s at 64 (a fifth of the CPU idle while its queue was
 * full), 8,000 at 256 and 8,800 at 512 (PostgreSQL 112 -> 79 µs of CPU per
 * DORA). A light load never fills a call, so it changes nothing there.
 */
export const DEFAULT_MAX_BATCH = 512;

/** A call of this many messages or more means messages arrive faster than calls return. */
const BUSY_BATCH = 4;

const HANDLE4 = 'select * from dhcpg.handle4($1::jsonb, coalesce($2::timestamptz, now()))';
// The same, committing without waiting for the WAL flush: set_config is
// volatile, so it runs for each row, before the commit.
const HANDLE4_DEFERRED_FLUSH = `${HANDLE4} where set_config('synchronous_commit', 'off', true) is not null`;

/**
 * Messages go to dhcpg.handle4 in batches: a message is sent at once when a
 * call slot is free, else with everything else that arrived while every slot
 * was busy, in one call. An idle front-end thus adds no delay, and a busy one
 * pays one round trip and one commit for many messages. Under load (the last
 * call carried BUSY_BATCH messages or more), a free slot first waits up to
 * batchWait ms unless half a batch is already waiting: each call costs the
 * database a fixed share (every statement of dhcpg.handle4 starts an executor)
 * whatever its size, so fewer, larger calls leave more CPU to everything
 * else. A front-end that sends one message at a time never waits. A batch that fails
 * as a whole over its data is sent again one message per call, so one bad
 * message fails alone (nothing is retried because of contention: there is
 * none).
 */
export const leaseEngine4 = (db: Db, options: EngineOptions = {}): LeaseEngine4 => {
  const concurrency = options.concurrency ?? 4;
  const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
  const batchWait = options.batchWait ?? 0;
  const queue: Pending[] = [];
  let inFlight = 0;
  let lastBatch = 0;
  let waiting: NodeJS.Timeout | undefined;

  /**
   * One call for a batch. Resolves once the connection is free, with what
   * hands the answers out: the caller sends the next batch first, since the
   * replies to a big batch take the event loop for milliseconds, during which
   * the connection would otherwise sit idle.
   */
  const call = async (batch: Pending[]): Promise<() => void> => {
    options.onBatch?.(batch.length);
    // The same test as dhcpg.handle4's: does the batch write anything that
    // must last?
    const durable = batch.some(({ message }) => message.type === 'request' || message.type === 'release'
      || message.type === 'decline' || (message.type === 'discover' && message.rapid_commit === true));
    const flusher = durable ? options.flusher : undefined;
    const rows = await db.query<Reply4>(
      flusher ? 'handle4-deferred-flush' : 'handle4',
      flusher ? HANDLE4_DEFERRED_FLUSH : HANDLE4,
      [JSON.stringify(batch.map((p) => p.message)), batch[0]!.now ?? null],
    );
    if (rows.length !== batch.length) throw new Error(`the lease engine answered ${rows.length} of ${batch.length} messages`);
    const answer = () => batch.forEach((p, k) => p.resolve(rows[k]!));
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
  const run = async (batch: Pending[]): Promise<() => void> => {
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

  const send = (message: Message4, now: Date | undefined): Promise<Reply4> =>
    new Promise((resolve, reject) => {
      queue.push({ message, now, resolve, reject });
      dispatch();
    });

  return {
    discover: (client, link, details = {}) => send(message4('discover', client, link, {
      address: details.requested, circuit_id: hex(details.circuitId), hostname: details.hostname, rapid_commit: details.rapidCommit,
    }), details.now),
    request: (client, link, kind, address, details = {}) => send(message4('request', client, link, {
      request_kind: kind, address, circuit_id: hex(details.circuitId), hostname: details.hostname,
    }), details.now),
    release: (client, address, details = {}) => send(message4('release', client, undefined, { address }), details.now),
    decline: (client, address, details = {}) => send(message4('decline', client, undefined, { address }), details.now),
    inform: (client, link, details = {}) => send(message4('inform', client, link, { circuit_id: hex(details.circuitId) }), undefined),
  };
};
