// Network-namespace topologies for tests that run real DHCP clients, relays
// and servers. DHCP is link-local broadcast: every DHCP process under test runs
// inside a namespace built here, so nothing reaches the machine's real network.
// Only the management link (a veth with a 198.18.0.0/15 /30) touches the root
// namespace, so a process inside can reach a TCP service there (PostgreSQL).
//
// Needs root and iproute2. Names carry the creating process's pid
// (dhcpg-t-<pid>-<n>), so parallel test files never collide, and namespaces left
// behind by a test process that died are removed by the next Topology.create().
import { spawn as spawnChild } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Stands for the machine's own namespace where a namespace name is expected. */
export const ROOT_NS = 'root';

const NAME_PREFIX = 'dhcpg-t-';
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_GRACE_MS = 2_000;

export interface ExecOptions {
  /** Hard limit; the process group is stopped and the call rejects when it passes. */
  timeoutMs?: number;
  /** Replaces the inherited environment when given. */
  env?: NodeJS.ProcessEnv;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ExecResult extends ExitStatus {
  stdout: string;
  stderr: string;
}

/** A command that exited non-zero, was killed, or ran out of time. */
export class ExecError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly result: ExecResult,
    reason: string,
  ) {
    super(`${argv.join(' ')}: ${reason}\n${result.stderr.trim() || result.stdout.trim()}`);
    this.name = 'ExecError';
  }
}

export interface SpawnedProcess {
  readonly pid: number;
  readonly argv: readonly string[];
  /** Output captured so far. */
  stdout(): string;
  stderr(): string;
  running(): boolean;
  /** Settles when the process itself has exited. */
  readonly exited: Promise<ExitStatus>;
  /** Sends a signal to the process itself (not its group), e.g. SIGUSR1 to make a client renew. */
  signal(signal: NodeJS.Signals): void;
  /**
   * SIGTERM to the process, SIGKILL to its whole process group after graceMs;
   * then any helper it forked and left behind (dhcpcd's privsep processes) is
   * killed with the group too. Idempotent.
   */
  stop(graceMs?: number): Promise<ExitStatus>;
}

const nsArgv = (ns: string, argv: readonly string[]): string[] =>
  ns === ROOT_NS ? [...argv] : ['ip', 'netns', 'exec', ns, ...argv];

const killGroup = (pgid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already empty.
  }
};

/**
 * promise's value, or undefined once ms have passed, whichever comes first. The
 * timer is cleared either way, so no forgotten timer keeps the test process alive.
 */
export const within = async <T>(promise: Promise<T>, ms: number): Promise<T | undefined> => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
};

interface Started {
  handle: SpawnedProcess;
  /** Settles once the output pipes are drained too (a forked helper may hold them longer). */
  closed: Promise<void>;
}

const start = (ns: string, argv: readonly string[], options: ExecOptions): Started => {
  const full = nsArgv(ns, argv);
  const child = spawnChild(full[0]!, full.slice(1), {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  let status: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('error', (error) => {
      err += String(error);
      status = { code: null, signal: null };
      resolve(status);
    });
    child.once('exit', (code, signal) => {
      status = { code, signal };
      resolve(status);
    });
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${full.join(' ')}: ${err}`);
  const stop = async (graceMs = DEFAULT_GRACE_MS): Promise<ExitStatus> => {
    if (!status) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Exited in the meantime.
      }
      if ((await within(exited, graceMs)) === undefined) killGroup(pid, 'SIGKILL');
    }
    const result = await exited;
    killGroup(pid, 'SIGKILL');
    return result;
  };
  const handle: SpawnedProcess = {
    pid,
    argv: full,
    stdout: () => out,
    stderr: () => err,
    running: () => status === undefined,
    exited,
    signal: (signal) => {
      if (!status) process.kill(pid, signal);
    },
    stop,
  };
  return { handle, closed };
};

/**
 * Starts argv inside namespace ns (`ip netns exec`, which execs, so pid is the
 * command's own; ROOT_NS runs it directly) as the leader of a new process
 * group, capturing its output. The caller must stop() it.
 */
export const spawn = (ns: string, argv: readonly string[], options: ExecOptions = {}): SpawnedProcess =>
  start(ns, argv, options).handle;

/** Runs argv inside ns to completion, bounded by timeoutMs; rejects with ExecError unless it exits 0. */
export const exec = async (ns: string, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> => {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { handle, closed } = start(ns, argv, options);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void handle.stop(500);
  }, timeoutMs);
  const status = await handle.exited;
  clearTimeout(timer);
  await handle.stop();
  await within(closed, 1_000);
  const result: ExecResult = { ...status, stdout: handle.stdout(), stderr: handle.stderr() };
  if (timedOut) throw new ExecError(handle.argv, result, `timed out after ${timeoutMs} ms`);
  if (status.code !== 0) {
    throw new ExecError(handle.argv, result, status.signal ? `killed by ${status.signal}` : `exit ${status.code}`);
  }
  return result;
};

/** iproute2 in the root namespace (it addresses other namespaces with -n). */
const ip = (...args: string[]): Promise<ExecResult> => exec(ROOT_NS, ['ip', ...args]);

export type NetnsAvailability = { ok: true } | { ok: false; reason: string };

let availability: Promise<NetnsAvailability> | undefined;

/** Whether this process can build topologies (root, iproute2, namespaces allowed); reason says why not. */
export const netnsAvailable = (): Promise<NetnsAvailability> =>
  (availability ??= (async (): Promise<NetnsAvailability> => {
    if (process.platform !== 'linux') return { ok: false, reason: 'network namespaces need Linux' };
    if (process.getuid?.() !== 0) return { ok: false, reason: 'network namespaces need root' };
    const probe = `${NAME_PREFIX}${process.pid}-probe`;
    try {
      await ip('netns', 'add', probe);
      await ip('netns', 'del', probe);
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: `ip netns does not work here: ${(error as Error).message.split('\n')[0]}` };
    }
  })());

const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Deletes namespaces named by this module for processes that no longer exist. */
const removeOrphanedNamespaces = async (): Promise<void> => {
  const { stdout } = await ip('netns', 'list');
  for (const line of stdout.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const match = new RegExp(`^${NAME_PREFIX}(\\d+)-`).exec(name);
    if (match && !pidAlive(Number(match[1]))) await ip('netns', 'del', name).catch(() => undefined);
  }
};

/** One end of a veth pair. */
export interface VethEnd {
  /** A namespace of this topology, or ROOT_NS. */
  ns: string;
  /** Generated (unique machine-wide) when omitted; give names in namespaces, they read better in logs. */
  ifname?: string;
  /** CIDR addresses to put on it, e.g. '192.0.2.1/24'. */
  addresses?: string[];
}

export interface BridgeRef {
  ns: string;
  name: string;
}

/** A /30 between a namespace and the root namespace. */
export interface ManagementLink {
  ns: string;
  nsIfname: string;
  hostIfname: string;
  /** The root namespace's side: what a process inside the namespace connects to. */
  hostAddress: string;
  nsAddress: string;
  prefixLength: 30;
}

// 198.18.0.0/15 holds 32768 /30 blocks; block n is 198.18.0.0 + 4n.
const MANAGEMENT_BLOCKS = 32_768;
const managementBlockAddress = (block: number, host: 1 | 2): string => {
  const value = 198 * 2 ** 24 + 18 * 2 ** 16 + block * 4 + host;
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
};

let topologies = 0;

/**
 * Everything one test builds: namespaces, veths, bridges, management links,
 * processes started through it and temp dirs. cleanup() removes it all.
 */
export class Topology {
  private readonly namespaces: string[] = [];
  private readonly hostIfnames: string[] = [];
  private readonly processes = new Set<SpawnedProcess>();
  private readonly tempDirs: string[] = [];
  private names = 0;

  private constructor(private readonly serial: number) {}

  static async create(): Promise<Topology> {
    await removeOrphanedNamespaces();
    topologies += 1;
    return new Topology(topologies);
  }

  /** A new namespace with loopback up; returns its name. */
  async addNamespace(): Promise<string> {
    this.names += 1;
    const name = `${NAME_PREFIX}${process.pid}-${this.serial}-${this.names}`;
    await ip('netns', 'add', name);
    this.namespaces.push(name);
    await ip('-n', name, 'link', 'set', 'lo', 'up');
    return name;
  }

  /** An interface name unique on this machine (interface names are at most 15 characters). */
  uniqueIfname(): string {
    this.names += 1;
    return `v${process.pid.toString(36)}-${this.serial.toString(36)}-${this.names.toString(36)}`;
  }

  /** A veth pair between a and b, addressed and up; returns the two interface names. */
  async addVeth(a: VethEnd, b: VethEnd): Promise<[string, string]> {
    const aName = a.ifname ?? this.uniqueIfname();
    const bName = b.ifname ?? this.uniqueIfname();
    const where = (end: VethEnd): string[] => (end.ns === ROOT_NS ? [] : ['netns', end.ns]);
    await ip('link', 'add', aName, ...where(a), 'type', 'veth', 'peer', 'name', bName, ...where(b));
    // Remembered before configuring, so cleanup finds them even if that fails.
    if (a.ns === ROOT_NS) this.hostIfnames.push(aName);
    if (b.ns === ROOT_NS) this.hostIfnames.push(bName);
    await this.configure(a.ns, aName, a.addresses ?? []);
    await this.configure(b.ns, bName, b.addresses ?? []);
    return [aName, bName];
  }

  /** A bridge inside ns: one broadcast domain ("the LAN") for every veth attached to it. */
  async addBridge(ns: string, name = 'br0'): Promise<BridgeRef> {
    await ip('-n', ns, 'link', 'add', name, 'type', 'bridge');
    await ip('-n', ns, 'link', 'set', name, 'up');
    return { ns, name };
  }

  /** Plugs member into bridge with a veth whose other end is a bridge port; returns the member's interface name. */
  async attachToBridge(bridge: BridgeRef, member: VethEnd): Promise<string> {
    const [memberIf, portIf] = await this.addVeth(member, { ns: bridge.ns });
    await ip('-n', bridge.ns, 'link', 'set', portIf, 'master', bridge.name);
    return memberIf;
  }

  /**
   * A veth from ns to the root namespace on a /30 of 198.18.0.0/15 that no
   * root-namespace interface uses yet. A TCP service must listen on hostAddress
   * (or 0.0.0.0), not 127.0.0.1, to be reached through it.
   */
  async addManagementLink(ns: string, nsIfname = 'mgmt0'): Promise<ManagementLink> {
    const { stdout } = await ip('-4', '-o', 'addr', 'show');
    const used = new Set(stdout.match(/198\.1[89]\.\d+\.\d+/g) ?? []);
    const start = (process.pid * 64 + this.names) % MANAGEMENT_BLOCKS;
    for (let i = 0; i < MANAGEMENT_BLOCKS; i += 1) {
      const block = (start + i) % MANAGEMENT_BLOCKS;
      const hostAddress = managementBlockAddress(block, 1);
      const nsAddress = managementBlockAddress(block, 2);
      if (used.has(hostAddress) || used.has(nsAddress)) continue;
      const [hostIfname] = await this.addVeth(
        { ns: ROOT_NS, addresses: [`${hostAddress}/30`] },
        { ns, ifname: nsIfname, addresses: [`${nsAddress}/30`] },
      );
      return { ns, nsIfname, hostIfname, hostAddress, nsAddress, prefixLength: 30 };
    }
    throw new Error('no free /30 left in 198.18.0.0/15');
  }

  /** spawn(), remembered so cleanup() stops it. */
  spawn(ns: string, argv: readonly string[], options: ExecOptions = {}): SpawnedProcess {
    const child = spawn(ns, argv, options);
    this.processes.add(child);
    void child.exited.then(() => this.processes.delete(child));
    return child;
  }

  /** A fresh directory under the OS temp dir, removed by cleanup(). */
  async tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), `${NAME_PREFIX}${process.pid}-`));
    this.tempDirs.push(dir);
    return dir;
  }

  /** Stops processes, deletes host-side links, namespaces and temp dirs. Idempotent; throws what failed at the end. */
  async cleanup(): Promise<void> {
    const failures: unknown[] = [];
    const attempt = async (work: Promise<unknown>): Promise<void> => {
      await work.catch((error: unknown) => failures.push(error));
    };
    const processes = [...this.processes];
    this.processes.clear();
    await Promise.all(processes.map((child) => attempt(child.stop())));
    // Deleting one end of a veth deletes both; an end already gone is fine.
    for (const name of this.hostIfnames.splice(0)) {
      await attempt(
        ip('link', 'del', name).catch((error: unknown) => {
          if (!(error instanceof ExecError && error.result.stderr.includes('Cannot find device'))) throw error;
        }),
      );
    }
    for (const name of this.namespaces.splice(0).reverse()) await attempt(ip('netns', 'del', name));
    for (const dir of this.tempDirs.splice(0)) await attempt(rm(dir, { recursive: true, force: true }));
    if (failures.length > 0) throw new AggregateError(failures, 'topology cleanup failed');
  }

  private async configure(ns: string, ifname: string, addresses: string[]): Promise<void> {
    const scope = ns === ROOT_NS ? [] : ['-n', ns];
    for (const address of addresses) await ip(...scope, 'addr', 'add', address, 'dev', ifname);
    await ip(...scope, 'link', 'set', ifname, 'up');
  }
}
