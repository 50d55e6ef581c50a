// One stateless front-end: sockets in, one database round trip per batch of messages,
// replies out; configuration cached and refreshed on NOTIFY; ready only while
// the database answers, takes writes and serves this release's contract,
// which heartbeats check even when no message comes. Holds no lease state of
// its own, so any number of these run against one database.
import type { Server } from 'node:http';
import { databaseErrorKind } from '../db/errors.ts';
import { checkWritable, within } from '../db/health.ts';
import { connect } from '../db/pool.ts';
import { SchemaMismatch } from '../db/schema.ts';
import { leaseEngine4 } from '../engine/lease-engine.ts';
import { leaseEngine6 } from '../engine/lease-engine6.ts';
import { walFlusher } from '../engine/wal-flush.ts';
import { log } from '../log.ts';
import { loadFrontendConfig, type FrontendConfig } from './config-cache.ts';
import { datagramLoop, type Family } from './datagrams.ts';
import { createHandler } from './handler.ts';
import { decodePacket6 } from '../dhcp6/packet.ts';
import { clientKey6, createHandler6 } from './handler6.ts';
import { startHeartbeat } from './heartbeat.ts';
import { startHttp } from './http.ts';
import { listenForConfig, type ConfigListener } from './listener.ts';
import { createMetrics } from './metrics.ts';
import { registration, REGISTRATION_PERIOD_MS } from './registration.ts';
import { lanFamilies, localAddresses, openLanSockets6, openSocket, openSocket6, type ListeningSocket } from './udp.ts';

export interface FrontendOptions {
  /** Connection string; undefined lets pg read libpq's PG* variables. */
  url: string | undefined;
  /** UDP port to receive on: 67, or another for tests. Clients are answered on port + 1. */
  port: number;
  /** Address to bind (default 0.0.0.0). */
  address?: string;
  /** The directly attached LANs served, by interface name (see udp.ts). */
  interfaces?: string[];
  /** UDP port for DHCPv6 (547, or another for tests), served once the configuration has Dhcp6 subnets. Directly attached clients are answered on port6 - 1. */
  port6?: number;
  /** Address to bind for DHCPv6 relays (default ::). */
  address6?: string;
  /** HTTP endpoint for /metrics, /healthz, /readyz. */
  http?: { host: string; port: number };
  /** Database connections of this front-end (default DEFAULT_DB_CONNECTIONS). */
  dbConnections?: number;
  /** Under load, how long (ms) a free connection waits to gather a bigger batch (default DEFAULT_BATCH_WAIT_MS). */
  batchWait?: number;
  /** Most messages handled at once; beyond it datagrams are dropped ('overload'). */
  maxInFlight?: number;
  /** How long (ms) a database that does not answer goes unnoticed at most (default DEFAULT_DB_TIMEOUT_MS). */
  dbTimeout?: number;
}

export interface Frontend {
  /** Bound UDP ports (useful when the port asked for was 0). */
  udpPorts: number[];
  /** The DHCPv6 sockets' ports, once they are open (the configuration has Dhcp6 subnets). */
  udpPorts6(): number[];
  httpPort?: number;
  metrics: ReturnType<typeof createMetrics>;
  close(): Promise<void>;
}

/**
 * Few connections serve best: messages that arrive while a call runs go
 * together in the next batch, and fewer, larger batches cost the database
 * less. With the WAL flushed on a connection of its own (engine/wal-flush.ts),
 * one connection never waits for the disk. On the 2-core bench machine one
 * connection used 12% less CPU per DORA than two (at 4,000 DORA/s).
 */
export const DEFAULT_DB_CONNECTIONS = 1;

/**
 * Under load, a free lease connection waits this long (ms) for more messages
 * (engine/lease-engine.ts). On the 2-core bench machine, one front-end at
 * 4,000 DORA/s: PostgreSQL 199 -> 177 µs of CPU per DORA with 1 ms (three
 * alternating pairs), and the highest rate under 1% loss 4,760 and 4,393
 * without against 5,189 and 5,583 with (alternating probes).
 */
export const DEFAULT_BATCH_WAIT_MS = 1;

/**
 * Messages being handled at once, beyond which datagrams are dropped
 * ('overload'): about a quarter of a second of traffic at 16,000 messages
 * per second, a stall a checkpoint, a WAL flush or a burst of arrivals can
 * cause, and well inside any client's first retransmission time. On the
 * 2-core bench machine, two front-ends at 10,400 DORA/s: at 2,048 every one
 * of six tries lost 1.3-9% (1,185-4,185 'overload' drops a front-end), at
 * 4,096 three runs of three ended under 1% (alternating runs). At 512 one
 * front-end dropped 1-8% at 4,800 DORA/s while the database kept up.
 */
export const DEFAULT_MAX_IN_FLIGHT = 4096;

/**
 * A database that has not answered for this long (ms) counts as lost (or
 * hung: stopped processes keep their connections open and answer nothing):
 * the front-end checks it every half of it, and gives each check the other
 * half. Well above a check's round trip behind a full batch (tens of ms at
 * 8,000 messages per second).
 */
export const DEFAULT_DB_TIMEOUT_MS = 1000;

/**
 * Longest wait (ms) between two probes of a database that is not usable: a
 * database back after an outage is used again within this and a probe's
 * round trip. Every front-end probes at this rate while the database is down.
 */
const PROBE_BACKOFF_CAP_MS = 250;

/** Milliseconds a lease statement may run before PostgreSQL cancels it. */
const STATEMENT_TIMEOUT_MS = 2000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const startFrontend = async (options: FrontendOptions): Promise<Frontend> => {
  const metrics = createMetrics();
  const connections = options.dbConnections ?? DEFAULT_DB_CONNECTIONS;
  const dbTimeout = options.dbTimeout ?? DEFAULT_DB_TIMEOUT_MS;
  const checkTimeout = dbTimeout / 2;
  const timeouts = {
    statementTimeout: STATEMENT_TIMEOUT_MS,
    connectionTimeout: 2000,
    // A statement still unanswered once PostgreSQL should have cancelled it
    // is on a hung server: its connection goes, so none stays stuck for good.
    queryTimeout: STATEMENT_TIMEOUT_MS + dbTimeout,
  };
  const db = connect(options.url, { max: connections, applicationName: 'dhcpg-frontend', ...timeouts });
  const flushDb = connect(options.url, { max: 1, applicationName: 'dhcpg-frontend-flush', ...timeouts });
  db.onFailover((url) => {
    metrics.failovers.inc();
    log.warn({ host: new URL(url).host }, 'lease connections moved to another PostgreSQL host');
  });
  const engineOptions = {
    concurrency: connections,
    batchWait: options.batchWait ?? DEFAULT_BATCH_WAIT_MS,
    onBatch: (size: number) => metrics.batchSize.observe(size),
    flusher: walFlusher(flushDb),
  };
  const engine = leaseEngine4(db, engineOptions);
  const engine6 = leaseEngine6(db, engineOptions);

  const registry = registration(db);
  // Each named LAN is served in the families it has addresses for.
  const lans = lanFamilies(options.interfaces ?? []);
  // DHCPv6 sockets, opened once the configuration first has Dhcp6 subnets.
  const sockets6: ListeningSocket[] = [];
  let opening6: Promise<void> | undefined;
  const startDhcp6 = (): Promise<void> => (opening6 ??= (async () => {
    const port6 = options.port6 ?? 547;
    const handle6 = createHandler6({ engine: engine6, config: () => config!, clientPort: port6 === 547 ? 546 : port6 - 1, ready });
    const dhcp6: Family = {
      family: '6',
      accept: (rx) => {
        const decoded = decodePacket6(rx.data, 'server');
        return { client: clientKey6(decoded), answer: () => handle6(rx, decoded) };
      },
    };
    const relays6 = await openSocket6({ port: port6, address: options.address6 ?? '::', besideLans: lans.v6.length > 0 });
    sockets6.push(relays6);
    for (const name of lans.v6) sockets6.push(...await openLanSockets6(relays6.socket.address().port, name));
    for (const listening of sockets6) loop.attach(listening, dhcp6);
    log.info({ udp6: sockets6.map((s) => `${s.interface?.name ?? options.address6 ?? '::'}:${s.socket.address().port}`) }, 'serving DHCPv6');
  })().catch((error: Error) => {
    for (const { socket } of sockets6.splice(0)) socket.close();
    opening6 = undefined;
    log.error({ err: error.message }, 'DHCPv6 sockets could not be opened');
  }));
  let config: FrontendConfig | undefined;
  let databaseUp = false;
  let closing = false;
  let recovering: Promise<void> | undefined;
  const ready = () => databaseUp && config !== undefined && !closing;
  const setReady = () => metrics.ready.set(ready() ? 1 : 0);

  const reload = async () => {
    config = await loadFrontendConfig(db);
    metrics.configSerial.set(config.serial);
    log.info({ serial: config.serial, subnets: config.subnets.size, subnets6: config.subnets6.size }, 'configuration loaded');
    if (config.subnets6.size > 0) await startDhcp6();
  };

  // NOTIFY arrives on a connection of its own, to the host the pool uses.
  let listener: ConfigListener | undefined;
  let listenerUrl: string | undefined;
  let listenerStarting: Promise<void> | undefined;
  const onConfigChange = () => {
    if (databaseUp) reload().catch((error: Error) => log.warn({ err: error.message }, 'configuration reload failed'));
  };
  /** Until a listener listens (one at a time: two would leave one running unseen). */
  const startListener = (): Promise<void> => (listenerStarting ??= (async () => {
    while (!closing && !listener) {
      listenerUrl = db.currentUrl() ?? options.url;
      let started: ConfigListener | undefined;
      try {
        started = await listenForConfig(listenerUrl, onConfigChange, () => {
          // Lost: a new one, to whichever host the pool uses by then.
          if (!started || listener !== started) return;
          listener = undefined;
          started.close().catch(() => {});
          void startListener();
        });
        listener = started;
      } catch (error) {
        log.warn({ err: (error as Error).message }, 'configuration listener could not connect; retrying');
        await sleep(1000);
      }
    }
  })().finally(() => {
    listenerStarting = undefined;
  }));
  /** After a failover the pool may be on another host: the listener follows it. */
  const followHost = async () => {
    if (!listener || (db.currentUrl() ?? options.url) === listenerUrl) return;
    const old = listener;
    listener = undefined;
    await old.close().catch(() => {});
    void startListener();
  };

  /** Until the database answers and takes writes again: probe with backoff, then reload everything. */
  const recover = (): Promise<void> => {
    recovering ??= (async () => {
      databaseUp = false;
      setReady();
      for (let attempt = 0; !closing; attempt++) {
        try {
          await checkWritable(db, checkTimeout);
          await registry.refresh();
          await reload();
          databaseUp = true;
          setReady();
          await followHost();
          if (attempt > 0) log.info('database reachable again: ready');
          return;
        } catch (error) {
          metrics.databaseErrors.inc({ kind: databaseErrorKind(error) });
          // Every 20th: about every 5 s at the cap.
          if (attempt === 0 || attempt % 20 === 0) log.warn({ err: (error as Error).message, attempt }, 'database not usable: not ready');
          await sleep(Math.min(100 * 2 ** attempt, PROBE_BACKOFF_CAP_MS));
        }
      }
    })().finally(() => {
      recovering = undefined;
    });
    return recovering;
  };

  /**
   * An error that is not one message's bad data: the database may be unusable
   * (lost, hung, read-only, or a schema changed under this front-end), so it
   * is counted and the front-end not ready until a probe succeeds.
   */
  const databaseFailed = (error: unknown) => {
    if (closing) return;
    metrics.databaseErrors.inc({ kind: databaseErrorKind(error) });
    void recover();
  };
  // A connection lost while idle (the server shut down, or ended it) is
  // news of the database before any check or message.
  for (const pool of [db, flushDb]) {
    pool.onError((error) => {
      log.warn({ err: error.message }, 'database connection lost');
      databaseFailed(error);
    });
  }

  const loop = datagramLoop({ metrics, maxInFlight: options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT, onDatabaseError: databaseFailed });

  // The database must serve this release's contract before anything else.
  await registry.refresh();
  await recover();
  void startListener();
  // While recovering, the probe watches the database instead. The check goes
  // on the WAL flush connection, whose statements are a few milliseconds
  // long: on the lease connections it waited behind the calls of a busy
  // front-end, timed out under load, and the front-end stopped serving
  // because it was busy serving. A failed check sends recovery to the lease
  // connections, which then carry no calls.
  const heartbeat = startHeartbeat(checkTimeout, async () => {
    if (!recovering) await checkWritable(flushDb, checkTimeout).catch(databaseFailed);
  });
  // A migration forced past this front-end leaves its contract unserved: it
  // stops granting until the database serves it again. Other errors are the
  // health heartbeat's to see.
  const registered = startHeartbeat(REGISTRATION_PERIOD_MS, async () => {
    if (recovering) return;
    await registry.refresh().catch((error: unknown) => {
      if (error instanceof SchemaMismatch) {
        log.error({ err: error.message }, 'the database no longer serves this front-end: not ready');
        databaseFailed(error);
      }
    });
  });


  const local = { addresses: localAddresses(), at: Date.now() };
  const handle4 = createHandler({
    engine,
    config: () => config!,
    localAddresses: () => {
      if (Date.now() - local.at > 10_000) Object.assign(local, { addresses: localAddresses(), at: Date.now() });
      return local.addresses;
    },
    clientPort: options.port === 67 ? 68 : options.port + 1,
    ready,
  });
  const dhcp4: Family = {
    family: '4',
    // The chaddr field.
    accept: (rx) => ({ client: rx.data.toString('hex', 28, 44), answer: () => handle4(rx) }),
    /**
     * With LANs served, a datagram straight from a client (no giaddr) reaches
     * the relays' socket too when it is a broadcast, and its LAN's socket
     * answers it; from any other LAN it is not dhcpg's to answer.
     */
    notForSocket: (listening, data) => listening === relays && sockets.length > 1 && data.length >= 28 && data.readUInt32BE(24) === 0,
  };

  // The relays' socket first: a port of 0 (tests) picks the port every LAN's socket then takes too.
  const relays = await openSocket({ port: options.port, address: options.address ?? '0.0.0.0' });
  const sockets: ListeningSocket[] = [relays];
  try {
    for (const name of lans.v4) {
      sockets.push(await openSocket({ port: relays.socket.address().port, address: '0.0.0.0', interface: name }));
    }
  } catch (error) {
    for (const { socket } of sockets) socket.close();
    throw error;
  }
  for (const listening of sockets) loop.attach(listening, dhcp4);

  let http: Server | undefined;
  if (options.http) http = await startHttp(options.http, { metrics, ready, live: () => !closing });
  log.info({ udp: sockets.map((s) => `${s.interface?.name ?? options.address ?? '0.0.0.0'}:${(s.socket.address()).port}`), http: options.http }, 'front-end serving');

  return {
    udpPorts: sockets.map((s) => s.socket.address().port),
    udpPorts6: () => sockets6.map((s) => s.socket.address().port),
    httpPort: http ? (http.address() as { port: number }).port : undefined,
    metrics,
    close: async () => {
      closing = true;
      setReady();
      await opening6;
      for (const { socket } of [...sockets, ...sockets6]) socket.close();
      // Let messages already being answered finish.
      for (let i = 0; i < 50 && loop.inFlight() > 0; i++) await sleep(20);
      await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
      await listenerStarting;
      await listener?.close();
      await heartbeat.stop();
      await registered.stop();
      await recovering?.catch(() => {});
      await within(registry.remove(), dbTimeout, 'leaving the registry').catch((error: Error) => log.warn({ err: error.message }, 'could not leave the registry of front-ends'));
      await db.end();
      await flushDb.end();
    },
  };
};
