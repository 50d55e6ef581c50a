// ISC Kea 2.2 servers (Debian packages kea-dhcp4-server, kea-dhcp6-server)
// as the benchmark's point of comparison: `count` kea-dhcp4 or kea-dhcp6
// processes on loopback, each on ports of its own (DHCPv6 under perfdhcp:
// each in a network namespace of its own, see netns.ts), all keeping their
// leases in one PostgreSQL database, as dhcpg's front-ends share theirs.
//
// What Kea 2.2 does that this relies on (found on Debian 12):
// - `-p PORT` is the port it listens on; `-P PORT` is where it sends every
//   reply, even to a relay (giaddr), so perfdhcp must listen on that port:
//   `perfdhcp -4 -l 127.0.0.1 -L CLIENTPORT -N PORT 127.0.0.1`.
// - With "dhcp-socket-type": "udp" it binds 127.0.0.1:PORT on lo and answers
//   relayed packets whose giaddr matches the subnet's relay address.
// - It opens its service socket only after the lease database opened. A port
//   already taken is only a warning unless "service-sockets-require-all" is
//   set, which makes it exit 1 instead. So a process holding its socket is a
//   server ready to answer; that is what startKeaServers waits for.
// - It lists every interface of the namespace when it opens sockets: a veth
//   that a test is creating meanwhile gets "DHCPSRV_OPEN_SOCKET_FAIL ... is
//   down" in its log, a warning only; the socket on lo is what counts.
// - It writes a pid file named after the configuration file into
//   KEA_PIDFILE_DIR, and a logger lock file into KEA_LOCKFILE_DIR.
// - It is listening ~60-100 ms after exec, and exits on SIGTERM within
//   ~25 ms; kea-admin db-init takes ~0.4 s.
// - kea-dhcp6 -p PORT with interfaces "lo/::1" receives relayed messages on
//   [::1]:PORT and answers from there to [relay]:547, so perfdhcp -6 listens
//   on 547 (-L 547 -N PORT -A 1) in the same namespace. Its lease database
//   "host" may be a directory: libpq then uses the Unix socket there.
import { execFile, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { hasExited, rssOf, spawnChild, stopChildren } from './children.ts';
import { udpSockets } from './proc-udp.ts';

export interface KeaCluster {
  /** UDP port each server listens on (its -p). */
  ports: number[];
  /**
   * Where each server sends its answers to a relay: kea-dhcp4 to its port + 1
   * (its -P), kea-dhcp6 to port 547 (RFC 8415, Section 19.1).
   */
  replyPorts: number[];
  pids: number[];
  /** SIGTERM, then SIGKILL after a grace period; resolves once all exited. */
  stop(): Promise<void>;
  /** Resident memory of each server, KiB (0 once it exited). */
  rssKiB(): Promise<number[]>;
}

export interface KeaServersOptions {
  /** Number of kea-dhcp4 or kea-dhcp6 processes: 1, 2 or 4. */
  count: number;
  family?: 4 | 6;
  /** Each server in namespaces[k] (argv prefixes); without, all in this one. */
  namespaces?: string[][];
  /** How the servers reach the database, when not as kea-admin does (DHCPv6: the socket directory). */
  databaseHost?: string;
  /** postgres:// URL of a superuser on the server that will hold the lease database. */
  databaseUrl: string;
  /** Lease database, dropped and created anew, then initialised by kea-admin. */
  databaseName: string;
  /** The subnet in CIDR notation, and the first and last address of its one pool. */
  subnet: string;
  poolFirst: string;
  poolLast: string;
  /** DHCPv6: the subnet's pd-pool. */
  pdPool?: { prefix: string; prefixLength: number; delegatedLength: number };
  /** giaddr of the relayed requests (perfdhcp's -l). */
  relayAddress: string;
  /** DHCPv4: a second subnet, id 2, one pool as large, relayed from its own address (the bench's returning clients). */
  secondSubnet?: { subnet: string; poolFirst: string; poolLast: string; relayAddress: string };
  /** Server k listens on basePort + 2k and replies to basePort + 2k + 1. */
  basePort: number;
  /** Threads of each server's packet-processing pool (default 2). */
  threads?: number;
  /** Configuration files, pid and lock files, logs. Created if missing; left for the caller. */
  workDir: string;
}

const DEFAULT_THREADS = 2;

/** The port a DHCPv6 server sends a RELAY-REPL to (RFC 8415, Section 19.1). */
const DHCP6_RELAY_PORT = 547;

/**
 * kea-dhcp6's server identifier: its default DUID-LLT needs an interface
 * with a hardware address, which a namespace of loopback alone lacks, and it
 * is kept out of /var/lib/kea. A DUID-EN (RFC 8415, Section 11.3): ISC's
 * enterprise number and "dhcpg".
 */
const KEA6_SERVER_ID = { enterpriseId: 2495, identifier: Buffer.from('dhcpg') };
const DUID_EN = 2;

/** The DUID kea-dhcp6 answers with, which a RENEW to it names: type, enterprise number, identifier. */
export const KEA6_SERVER_DUID: Buffer = (() => {
  const head = Buffer.alloc(6);
  head.writeUInt16BE(DUID_EN, 0);
  head.writeUInt32BE(KEA6_SERVER_ID.enterpriseId, 2);
  return Buffer.concat([head, KEA6_SERVER_ID.identifier]);
})();
/**
 * Packets waiting for a thread; beyond it Kea drops the oldest. Kea's own
 * default: on 2 cores 16 or 128 moved no throughput measurably, and 64
 * queued at ~1,200 packets/s is ~50 ms, well inside perfdhcp's 1 s drop time.
 */
const PACKET_QUEUE_SIZE = 64;
const COMMAND_TIMEOUT_MS = 60_000;
const READY_TIMEOUT_MS = 30_000;
const READY_POLL_MS = 50;
const STOP_GRACE_MS = 5_000;

const execFileAsync = promisify(execFile);

/** Runs a command to completion, bounded in time; rejects, with its stderr, unless it exits 0. */
const run = async (file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> => {
  const { stdout, stderr } = await execFileAsync(file, args, { env, timeout: COMMAND_TIMEOUT_MS, killSignal: 'SIGKILL' });
  return stdout + stderr;
};

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

export const keaAvailable = async (family: 4 | 6 = 4): Promise<{ ok: true } | { ok: false; reason: string }> => {
  const server = `kea-dhcp${family}`;
  try {
    // -V lists the lease backends compiled in; Debian's build has PostgreSQL's.
    const version = await run(server, ['-V']);
    if (!version.includes('PostgreSQL backend')) return { ok: false, reason: `${server} was built without PostgreSQL support` };
  } catch (error) {
    return { ok: false, reason: `${server} -V failed (package ${server}-server, in /usr/sbin): ${(error as Error).message}` };
  }
  // kea-admin initialises the lease database through psql.
  for (const [tool, flag, pkg] of [['kea-admin', '-v', 'kea-admin'], ['psql', '--version', 'postgresql-client']] as const) {
    try {
      await run(tool, [flag]);
    } catch (error) {
      return { ok: false, reason: `${tool} ${flag} failed (package ${pkg}): ${(error as Error).message}` };
    }
  }
  return { ok: true };
};

interface DatabaseAccess { host: string; port: number; user: string; password: string; name: string }

/** Drops and recreates the lease database, then lays Kea's schema into it with kea-admin. */
const createLeaseDatabase = async (databaseUrl: string, name: string): Promise<DatabaseAccess> => {
  // Interpolated into DROP/CREATE DATABASE, so only plain identifiers.
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`lease database name "${name}" is not a plain lowercase identifier`);
  const url = new URL(databaseUrl);
  const access: DatabaseAccess = {
    host: url.hostname,
    port: url.port === '' ? 5432 : Number(url.port),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    name,
  };
  const admin = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  // The password goes through the environment, not argv where ps shows it;
  // kea-admin's psql prefers PGPASSWORD, so that is set too, over any inherited one.
  await run('kea-admin', ['db-init', 'pgsql', '-h', access.host, '-P', String(access.port), '-u', access.user, '-n', name],
    { ...process.env, KEA_ADMIN_DB_PASSWORD: access.password, PGPASSWORD: access.password });
  return access;
};

const keaConfig = (options: KeaServersOptions, database: DatabaseAccess, logFile: string): object => {
  const threads = options.threads ?? DEFAULT_THREADS;
  const common = {
    'lease-database': { type: 'postgresql', ...database, ...(options.databaseHost ? { host: options.databaseHost } : {}) },
    // No host reservations anywhere, so skip looking them up for every packet.
    'reservations-global': false,
    'reservations-in-subnet': false,
    'multi-threading': {
      'enable-multi-threading': true,
      'thread-pool-size': threads,
      'packet-queue-size': PACKET_QUEUE_SIZE,
    },
  };
  const pools = [{ pool: `${options.poolFirst} - ${options.poolLast}` }];
  const relay = { 'ip-addresses': [options.relayAddress] };
  // INFO would write a line per lease, which costs Kea throughput.
  const loggers = (name: string) => [{ name, severity: 'WARN', output_options: [{ output: logFile }] }];
  if (options.family === 6) {
    const pd = options.pdPool;
    return {
      Dhcp6: {
        'interfaces-config': { interfaces: ['lo/::1'], 'service-sockets-require-all': true },
        'server-id': {
          type: 'EN', 'enterprise-id': KEA6_SERVER_ID.enterpriseId, identifier: KEA6_SERVER_ID.identifier.toString('hex'), persist: false,
        },
        ...common,
        // dhcpg's bench configuration: preferred 3000 s, valid 4000 s.
        'preferred-lifetime': 3000,
        'valid-lifetime': 4000,
        subnet6: [{
          id: 1, subnet: options.subnet, pools, relay,
          ...(pd ? { 'pd-pools': [{ prefix: pd.prefix, 'prefix-len': pd.prefixLength, 'delegated-len': pd.delegatedLength }] } : {}),
        }],
        loggers: loggers('kea-dhcp6'),
      },
    };
  }
  return {
    Dhcp4: {
      // Exit rather than run deaf when the port is taken (see the top of this file).
      'interfaces-config': { interfaces: ['lo'], 'dhcp-socket-type': 'udp', 'service-sockets-require-all': true },
      ...common,
      'valid-lifetime': 3600,
      subnet4: [{ id: 1, subnet: options.subnet, pools, relay }, ...(options.secondSubnet ? [{
        id: 2, subnet: options.secondSubnet.subnet, pools: [{ pool: `${options.secondSubnet.poolFirst} - ${options.secondSubnet.poolLast}` }],
        relay: { 'ip-addresses': [options.secondSubnet.relayAddress] },
      }] : [])],
      loggers: loggers('kea-dhcp4'),
    },
  };
};

/** True when pid holds a UDP socket bound to the port (in its own namespace's tables). */
const holdsUdpPort = (pid: number, port: number, family: 4 | 6): boolean => {
  try {
    const table = `/proc/${pid}/net/${family === 6 ? 'udp6' : 'udp'}`;
    const inodes = new Set(udpSockets(table).filter((s) => s.localPort === port).map((s) => s.inode));
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        const target = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        return target !== null && inodes.has(target[1]!);
      } catch {
        return false; // the descriptor was closed meanwhile
      }
    });
  } catch {
    return false; // the process is gone, or not yet exec'd
  }
};


/** What Kea said before it failed: its own log, and its stdout/stderr for errors before logging was set up. */
const lastWords = (files: string[]): string =>
  files.map((file) => {
    try {
      return readFileSync(file, 'utf8').trim().split('\n').slice(-10).join('\n');
    } catch {
      return '';
    }
  }).filter((text) => text !== '').join('\n');

const waitUntilReady = async (child: ChildProcess, port: number, family: 4 | 6, diagnostics: string[]): Promise<void> => {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!holdsUdpPort(child.pid!, port, family)) {
    if (hasExited(child)) {
      throw new Error(`kea-dhcp${family} on port ${port} exited (${child.exitCode ?? child.signalCode}):\n${lastWords(diagnostics)}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`kea-dhcp${family} on port ${port} did not listen within ${READY_TIMEOUT_MS} ms:\n${lastWords(diagnostics)}`);
    }
    await sleep(READY_POLL_MS);
  }
};

export const startKeaServers = async (options: KeaServersOptions): Promise<KeaCluster> => {
  const workDir = resolve(options.workDir);
  mkdirSync(workDir, { recursive: true });
  const database = await createLeaseDatabase(options.databaseUrl, options.databaseName);
  const env = { ...process.env, KEA_PIDFILE_DIR: workDir, KEA_LOCKFILE_DIR: workDir };

  const family = options.family ?? 4;
  const ports = Array.from({ length: options.count }, (_, k) => options.basePort + 2 * k);
  const children: ChildProcess[] = [];
  try {
    for (const [k, port] of ports.entries()) {
      // One name per server: Kea names its pid file after the configuration file.
      const name = `kea-dhcp${family}-${port}`;
      const configFile = join(workDir, `${name}.json`);
      const logFile = join(workDir, `${name}.log`);
      const outputFile = join(workDir, `${name}.out`);
      writeFileSync(configFile, JSON.stringify(keaConfig(options, database, logFile), null, 2));
      // Kea appends to its log: start it empty so a failure shows this run's lines.
      writeFileSync(logFile, '');
      const output = openSync(outputFile, 'w');
      try {
        // ip netns exec execs the server: the child's pid is Kea's.
        const [command, ...args] = [...(options.namespaces?.[k] ?? []), `kea-dhcp${family}`, '-c', configFile, '-p', String(port),
          ...(family === 4 ? ['-P', String(port + 1)] : [])];
        const child = spawnChild(command!, args, { env, stdio: ['ignore', output, output] });
        await new Promise<void>((spawned, failed) => child.once('spawn', spawned).once('error', failed));
        children.push(child);
        await waitUntilReady(child, port, family, [logFile, outputFile]);
      } finally {
        closeSync(output);
      }
    }
  } catch (error) {
    await stopChildren(children, STOP_GRACE_MS);
    throw error;
  }
  return {
    ports,
    replyPorts: ports.map((port) => (family === 4 ? port + 1 : DHCP6_RELAY_PORT)),
    pids: children.map((child) => child.pid!),
    stop: () => stopChildren(children, STOP_GRACE_MS),
    rssKiB: async () => children.map((child) => rssOf(child.pid!)),
  };
};
