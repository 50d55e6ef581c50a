// The fault suite's scaffolding: a cluster of the test's own (it is crashed
// on purpose), real `dhcpg serve` front-ends on loopback, a DORA load that
// remembers every ACK a client saw, and the checks every fault must pass.
import type { Test } from 'tap';
import { join } from 'node:path';
import { freeUdpPorts, startFrontends, type ProcessGroup } from '../../src/bench/frontends.ts';
import { adminQuery, freePort, withDatabaseName } from '../../src/db/admin.ts';
import { connect } from '../../src/db/pool.ts';
import { DHCPACK, DHCPDISCOVER, DHCPREQUEST, messageType } from '../../src/dhcp4/packet.ts';
import { formatIpv4 } from '../../src/net/ipv4.ts';
import { clientMessage, mac, openRelay } from './dhcp-messages.ts';
import { migrateAndApply, ownCluster, scratchDir, type OwnCluster } from './own-cluster.ts';

export const RELAY = '127.0.0.1';
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Cluster settings for fault tests: durable as in production, and a WAL
 * writer that sleeps 10 s between rounds (PostgreSQL's default is 200 ms), so
 * that WAL is flushed, and streamed to standbys, before an ACK only if the
 * front-end made it so; with the default, the WAL writer would hide a
 * missing flush most of the time.
 */
export const DURABLE = { wal_writer_delay: '10000ms' };

/** A database "dhcpg" on the cluster, migrated, with one relayed subnet 198.18.0.0/17 (by default all of it in the pool: 32,766 addresses). */
export const leaseDatabase = async (adminUrl: string, pool = '198.18.0.0/17'): Promise<string> => {
  await adminQuery(adminUrl, 'create database dhcpg');
  const url = withDatabaseName(adminUrl, 'dhcpg');
  await migrateAndApply(url, {
    'valid-lifetime': 3600,
    subnet4: [{ id: 1, subnet: '198.18.0.0/17', relay: { 'ip-addresses': [RELAY] }, pools: [{ pool }] }],
  });
  return url;
};

export { freePort };

export interface Serving {
  frontends: ProcessGroup;
  /** Front-end k's HTTP endpoint. */
  http(k: number, path: string): Promise<Response>;
}

/** `count` real `dhcpg serve` front-ends on url, stopped at teardown. */
export const serve = async (t: Test, count: number, url: string): Promise<Serving> => {
  const frontends = await startFrontends(count, url, await freeUdpPorts(2 * count));
  t.teardown(() => frontends.stop());
  return { frontends, http: (k, path) => fetch(`http://127.0.0.1:${frontends.httpPorts[k]}${path}`) };
};

export interface FaultLab extends Serving {
  pg: OwnCluster;
  /** The lease database's URL. */
  url: string;
}

/** A DURABLE cluster of the test's own with the lease database (pool as leaseDatabase's), served by `count` front-ends. */
export const faultLab = async (t: Test, count: number, pool?: string): Promise<FaultLab> => {
  const pg = await ownCluster(t, { dataDir: join(scratchDir(t), 'pgdata'), port: await freePort(), settings: DURABLE });
  const url = await leaseDatabase(pg.server.url, pool);
  return { pg, url, ...(await serve(t, count, url)) };
};

export interface DoraLoad {
  /** Client number -> the address its ACK carried. */
  acked: Map<number, string>;
  /** When each ACK arrived (performance.now()). */
  ackTimes: number[];
  /** Clients begun. */
  started(): number;
  /** Settles once every client has had its turn. */
  finished: Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * New clients doing DISCOVER / REQUEST through the front-ends in turn, about
 * `rate` exchanges a second, each client once; bounded by `clients` and by
 * the caller's stop(). `ports` is read for every client: the caller may
 * change it while the load runs.
 */
export const doraLoad = async (
  ports: number[], rate: number, { clients = 60_000, firstClient = 1 }: { clients?: number; firstClient?: number } = {},
): Promise<DoraLoad> => {
  const relay = await openRelay(RELAY);
  const acked = new Map<number, string>();
  const ackTimes: number[] = [];
  const loops = 32;
  let next = firstClient - 1;
  const last = firstClient + clients - 1;
  let running = true;
  const loop = async () => {
    const period = (loops * 1000) / rate;
    while (running && next < last) {
      const began = performance.now();
      const id = ++next;
      const port = ports[id % ports.length]!;
      const offer = await relay.exchange(clientMessage(DHCPDISCOVER, id, { giaddr: RELAY, xid: id * 2 }), port, 500);
      if (offer) {
        const serverId = offer.options.get(54);
        const ack = await relay.exchange(clientMessage(DHCPREQUEST, id, {
          giaddr: RELAY, xid: id * 2 + 1, requested: offer.yiaddr, serverId: serverId && formatIpv4(serverId),
        }), port, 1000);
        if (ack && messageType(ack) === DHCPACK) {
          acked.set(id, ack.yiaddr);
          ackTimes.push(performance.now());
        }
      }
      await sleep(Math.max(0, period - (performance.now() - began)));
    }
  };
  const all = Promise.all(Array.from({ length: loops }, loop));
  let stopped: Promise<void> | undefined;
  return {
    acked,
    ackTimes,
    started: () => next - firstClient + 1,
    finished: all,
    stop: () => {
      running = false;
      stopped ??= all.then(() => relay.close());
      return stopped;
    },
  };
};

export interface Verdict {
  /** ACKed leases the database does not hold for that client. */
  lost: { client: number; address: string }[];
  /** Addresses ACKed to more than one client. */
  duplicates: string[];
}

/** Every ACK a client saw against the bindings in dhcpg.leases4. */
export const judge = async (url: string, acked: Map<number, string>): Promise<Verdict> => {
  const db = connect(url, { max: 1 });
  const rows = await db.query<{ address: string; hwaddr: string }>('bound',
    `select host(address) as address, hwaddr from dhcpg.leases4 where state = 'bound'`);
  await db.end();
  const bound = new Map(rows.map((row) => [row.address, row.hwaddr]));
  const hwaddr = (client: number) => [...mac(client)].map((byte) => byte.toString(16).padStart(2, '0')).join(':');
  const lost = [...acked].filter(([client, address]) => bound.get(address) !== hwaddr(client))
    .map(([client, address]) => ({ client, address }));
  const holders = new Map<string, number>();
  for (const address of acked.values()) holders.set(address, (holders.get(address) ?? 0) + 1);
  return { lost, duplicates: [...holders].filter(([, count]) => count > 1).map(([address]) => address) };
};

/** Seconds from `since` (performance.now()) to the first ACK after it; undefined if none came. */
export const firstAckAfter = (load: DoraLoad, since: number): number | undefined => {
  const first = load.ackTimes.find((time) => time >= since);
  return first === undefined ? undefined : (first - since) / 1000;
};
