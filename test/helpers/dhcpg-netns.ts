// dhcpg front-ends as real processes inside test namespaces, for the tests
// that put real DHCP clients in front of them (test/netns/dhcpg-*.test.ts).
//
// A Lab is one test database plus one Topology. Each front-end runs
// `node bin/dhcpg.js serve` in a namespace of its own, reaching the database
// through a management link and a TCP forwarder in this process (the
// database listens on the root namespace's loopback), with LOG_LEVEL=debug
// on its captured stderr. Its HTTP endpoint listens on the namespace side of
// the management link, since the namespace's own 127.0.0.1 is out of this
// process's reach; the tests read /readyz and /metrics there.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { applyConfig, applyConfig4 } from '../../src/config/apply.ts';
import { readDhcp6 } from '../../src/config/dhcp6.ts';
import { readDhcp4 } from '../../src/config/dhcp4.ts';
import type { Db } from '../../src/db/pool.ts';
import { createClient, type ClientKind, type DhcpClient } from './dhcp-clients.ts';
import { testDatabase } from './db.ts';
import { exec, Topology, type BridgeRef, type SpawnedProcess } from './netns.ts';
import { forwardDatabase, type TcpForward } from './tcp-forward.ts';

const DHCPG = fileURLToPath(new URL('../../bin/dhcpg.js', import.meta.url));
/** Each front-end has a namespace of its own, so one fixed port serves them all. */
const HTTP_PORT = 8067;
const READY_TIMEOUT_MS = 20_000;
const HTTP_TIMEOUT_MS = 5_000;
const POLL_MS = 100;
/** Enough of a debug log to follow the last few exchanges. */
const FAILURE_LOG_LINES = 200;

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One line of a front-end's pino log. */
export interface LogEntry {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface FrontendOptions {
  /** --interface, each: the directly attached LANs; none for a front-end that only serves relays. */
  interfaces?: string[];
  /** --config: a Kea-format file the front-end applies before serving. */
  configFile?: string;
}

export interface DhcpgFrontend {
  ns: string;
  process: SpawnedProcess;
  /** Base URL of /readyz, /metrics, /healthz, reachable from this process. */
  httpBase: string;
  /** Everything the process wrote to stderr (its log) so far. */
  log(): string;
  /** The JSON log lines so far. */
  logEntries(): LogEntry[];
  /** /metrics as Prometheus text. */
  metrics(): Promise<string>;
  /** The "lease granted" log lines (one per ACK that granted a lease) for the client with this MAC. */
  grants(mac: string): LogEntry[];
  /**
   * Whether a grant with this reason shows in the log within 2 s: the client
   * may act on its ACK before the line that follows the reply has come
   * through the pipe.
   */
  granted(mac: string, reason: string): Promise<boolean>;
  /** SIGTERM by PID, then waits for the process to exit. */
  stop(): Promise<void>;
}

/** What addRelayedLan built. */
export interface RelayedLan {
  lan: BridgeRef;
  router: string;
  serverNs: string;
  /** dhcrelay, whose output tells what it forwarded. */
  relay: SpawnedProcess;
}

/** A row of dhcpg.leases4, as the tests look at it. */
export interface LeaseRow {
  address: string;
  hwaddr: string;
  state: string;
  expires_at: Date;
}

/** The value of one sample in Prometheus text (e.g. 'dhcpg_packets_sent_total{family="4",type="nak"}'), 0 when absent. */
export const metricValue = (metrics: string, series: string): number => {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
};

/** The MAC address of ifname inside ns, as dhcpg.leases4 writes it (aa:bb:...). */
export const macOf = async (ns: string, ifname: string): Promise<string> => {
  const { stdout } = await exec(ns, ['ip', '-o', 'link', 'show', 'dev', ifname]);
  const mac = /link\/ether ([0-9a-f:]{17})/.exec(stdout)?.[1];
  if (!mac) throw new Error(`no MAC address on ${ifname} in ${ns}: ${stdout}`);
  return mac;
};

/** The IPv4 addresses (CIDR) on ifname inside ns. */
export const addressesOn = async (ns: string, ifname: string): Promise<string[]> => {
  const { stdout } = await exec(ns, ['ip', '-4', '-o', 'addr', 'show', 'dev', ifname]);
  return [...stdout.matchAll(/inet (\S+)/g)].map((match) => match[1]!);
};

const parseLog = (text: string): LogEntry[] =>
  text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as LogEntry];
      } catch {
        return [];
      }
    });

export class Lab {
  private readonly forwards: TcpForward[] = [];
  private readonly frontends: DhcpgFrontend[] = [];

  private constructor(
    readonly topology: Topology,
    readonly db: Db,
    /** The test database as the root namespace reaches it. */
    readonly url: string,
  ) {}

  /**
   * A fresh database and topology, both removed when t ends (processes
   * first). If t failed, the end of each front-end's log goes to its output.
   */
  static async create(t: Test): Promise<Lab> {
    const { db, url } = await testDatabase(t);
    const lab = new Lab(await Topology.create(), db, url);
    t.teardown(async () => {
      if (!t.passing()) {
        for (const frontend of lab.frontends) {
          const tail = frontend.log().split('\n').slice(-FAILURE_LOG_LINES).join('\n');
          t.comment(`last ${FAILURE_LOG_LINES} log lines of dhcpg serve in ${frontend.ns}:\n${tail}`);
        }
      }
      await lab.close();
    });
    return lab;
  }

  /** Applies a Dhcp4 object directly; running front-ends pick it up through NOTIFY. */
  async apply(dhcp4: unknown): Promise<void> {
    await applyConfig4(this.db, readDhcp4(dhcp4).config);
  }

  /** Applies a Dhcp6 object directly; running front-ends pick it up through NOTIFY (and open their DHCPv6 sockets). */
  async apply6(dhcp6: unknown): Promise<void> {
    await applyConfig(this.db, { dhcp6: readDhcp6(dhcp6).config });
  }

  /** Writes { Dhcp4: dhcp4 } to a file for `serve --config`. */
  async configFile(dhcp4: unknown): Promise<string> {
    const path = join(await this.topology.tempDir(), 'dhcpg.json');
    await writeFile(path, JSON.stringify({ Dhcp4: dhcp4 }, null, 2));
    return path;
  }

  /** A bridge in a namespace of its own: one broadcast domain. */
  async addLan(): Promise<BridgeRef> {
    return this.topology.addBridge(await this.topology.addNamespace());
  }

  /**
   * A server namespace on lan with interface lan0 at address (CIDR), and
   * nothing else a real server would not have: the LAN's prefix route, no
   * default route, no route to 255.255.255.255.
   */
  async addLanServer(lan: BridgeRef, address: string): Promise<string> {
    const ns = await this.topology.addNamespace();
    await this.attachServer(ns, lan, 'lan0', address);
    return ns;
  }

  /** One more LAN on a server namespace: its interface ifname at address (CIDR). */
  async attachServer(ns: string, lan: BridgeRef, ifname: string, address: string): Promise<void> {
    await this.topology.attachToBridge(lan, { ns, ifname, addresses: [address] });
  }

  /**
   * A LAN behind a router: relayed.network on a bridge of its own with the
   * router's eth0 at relayed.router (CIDR), the router running dhcrelay
   * towards a server namespace across a point-to-point link (router eth1 at
   * link.router, server eth0 at link.server, both CIDR), routed both ways.
   * No front-end runs yet: start one in serverNs (without --interface).
   */
  async addRelayedLan(relayed: { network: string; router: string }, link: { router: string; server: string }): Promise<RelayedLan> {
    const lan = await this.addLan();
    const router = await this.topology.addNamespace();
    const serverNs = await this.topology.addNamespace();
    await this.topology.attachToBridge(lan, { ns: router, ifname: 'eth0', addresses: [relayed.router] });
    await this.topology.addVeth(
      { ns: router, ifname: 'eth1', addresses: [link.router] },
      { ns: serverNs, ifname: 'eth0', addresses: [link.server] },
    );
    await exec(router, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    const routerAddress = link.router.split('/')[0]!;
    const serverAddress = link.server.split('/')[0]!;
    await exec(serverNs, ['ip', 'route', 'add', relayed.network, 'via', routerAddress]);
    const relay = this.topology.spawn(router, ['dhcrelay', '-4', '-d', '-id', 'eth0', '-iu', 'eth1', serverAddress]);
    return { lan, router, serverNs, relay };
  }

  /** A client of kind in a namespace of its own, on lan as eth0. */
  async addClient(lan: BridgeRef, kind: ClientKind): Promise<DhcpClient> {
    const ns = await this.topology.addNamespace();
    await this.topology.attachToBridge(lan, { ns, ifname: 'eth0' });
    return createClient(this.topology, kind, ns, 'eth0');
  }

  /**
   * Unplugs ifname of ns from the bridge `from` and plugs it into `to`, as if
   * the machine were carried to another LAN: the bridge port (the veth's other
   * end, found by its interface index) moves to to's namespace.
   */
  async moveToLan(ns: string, ifname: string, from: BridgeRef, to: BridgeRef): Promise<void> {
    const { stdout: link } = await exec(ns, ['ip', '-o', 'link', 'show', 'dev', ifname]);
    const peerIndex = /@if(\d+):/.exec(link)?.[1];
    const { stdout: ports } = await exec(from.ns, ['ip', '-o', 'link', 'show']);
    const port = peerIndex === undefined ? undefined : new RegExp(`^${peerIndex}: ([^@:]+)@`, 'm').exec(ports)?.[1];
    if (!port) throw new Error(`no bridge port of ${ifname} (${ns}) in ${from.ns}:\n${link}\n${ports}`);
    await exec(from.ns, ['ip', 'link', 'set', port, 'netns', to.ns]);
    await exec(to.ns, ['ip', 'link', 'set', port, 'master', to.name, 'up']);
  }

  /** Starts `dhcpg serve` in ns and waits until its /readyz answers 200. */
  async startFrontend(ns: string, options: FrontendOptions = {}): Promise<DhcpgFrontend> {
    const link = await this.topology.addManagementLink(ns);
    const forward = await forwardDatabase(this.url, link.hostAddress);
    this.forwards.push(forward);
    const httpBase = `http://${link.nsAddress}:${HTTP_PORT}`;
    const argv = [
      process.execPath, DHCPG, 'serve',
      ...(options.configFile ? ['--config', options.configFile] : []),
      ...(options.interfaces ?? []).flatMap((name) => ['--interface', name]),
      '--port', '67',
      '--http', `${link.nsAddress}:${HTTP_PORT}`,
    ];
    const child = this.topology.spawn(ns, argv, {
      env: { ...process.env, DATABASE_URL: forward.url, LOG_LEVEL: 'debug' },
    });
    const frontend: DhcpgFrontend = {
      ns,
      process: child,
      httpBase,
      log: () => child.stderr(),
      logEntries: () => parseLog(child.stderr()),
      metrics: async () => (await fetch(`${httpBase}/metrics`, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) })).text(),
      grants: (mac) => {
        const chaddr = mac.replace(/:/g, '');
        return parseLog(child.stderr()).filter((entry) => entry.msg === 'lease granted' && entry.chaddr === chaddr);
      },
      granted: async (mac, reason) => {
        for (const deadline = Date.now() + 2_000; ; await delay(POLL_MS)) {
          if (frontend.grants(mac).some((grant) => grant.reason === reason)) return true;
          if (Date.now() > deadline) return false;
        }
      },
      stop: async () => {
        await child.stop(5_000);
      },
    };
    this.frontends.push(frontend);
    await waitReady(frontend);
    return frontend;
  }

  /** Every lease row of the client with this MAC. */
  async leasesOf(mac: string): Promise<LeaseRow[]> {
    return this.db.query<LeaseRow>(
      'lab-leases-of',
      `select host(address) as address, hwaddr, state, expires_at
         from dhcpg.leases4 where hwaddr = $1::text order by address`,
      [mac],
    );
  }

  /** The row of address, polled until accept takes it; fails after timeoutMs. */
  async waitForLease(address: string, accept: (row: LeaseRow) => boolean, timeoutMs = 5_000): Promise<LeaseRow> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [row] = await this.db.query<LeaseRow>(
        'lab-lease-at',
        `select host(address) as address, hwaddr, state, expires_at from dhcpg.leases4 where address = $1::inet`,
        [address],
      );
      if (row && accept(row)) return row;
      if (Date.now() > deadline) throw new Error(`lease of ${address} not as expected within ${timeoutMs} ms: ${JSON.stringify(row)}`);
      await delay(POLL_MS);
    }
  }

  /** Stops every process, removes the topology, then the forwarders. */
  private async close(): Promise<void> {
    await this.topology.cleanup();
    await Promise.all(this.forwards.splice(0).map((forward) => forward.close()));
  }
}

const waitReady = async (frontend: DhcpgFrontend): Promise<void> => {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (!frontend.process.running()) {
      throw new Error(`dhcpg serve in ${frontend.ns} exited before it was ready:\n${frontend.log()}`);
    }
    const status = await fetch(`${frontend.httpBase}/readyz`, { signal: AbortSignal.timeout(1_000) }).then(
      (response) => response.status,
      () => undefined,
    );
    if (status === 200) return;
    if (Date.now() > deadline) {
      throw new Error(`dhcpg serve in ${frontend.ns} not ready within ${READY_TIMEOUT_MS} ms:\n${frontend.log()}`);
    }
    await delay(POLL_MS);
  }
};

/** Lease timers short enough for a test to watch renewing and rebinding happen. */
export const SHORT_LEASE = { valid: 12, renew: 3, rebind: 6 } as const;

/** The LAN 192.0.2.0/24 on lan0 with SHORT_LEASE timers and the given shared server identifier. */
export const shortLeaseLan = (serverId: string) => ({
  'valid-lifetime': SHORT_LEASE.valid,
  'renew-timer': SHORT_LEASE.renew,
  'rebind-timer': SHORT_LEASE.rebind,
  'option-data': [{ name: 'dhcp-server-identifier', data: serverId }],
  subnet4: [{
    id: 1,
    subnet: '192.0.2.0/24',
    interface: 'lan0',
    pools: [{ pool: '192.0.2.100 - 192.0.2.199' }],
    'option-data': [{ name: 'routers', data: '192.0.2.1' }],
  }],
});
