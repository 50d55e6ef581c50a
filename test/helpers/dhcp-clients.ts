// Real Debian DHCP clients (ISC dhclient, busybox udhcpc, dhcpcd) driven inside
// a test namespace, to check what a server's answers do to real clients.
//
// Each client keeps its lease, pid and config files in a private temp dir and
// runs a generated hook script instead of its distribution script: the hook
// records every call (arguments and environment) as one file, then applies the
// lease to the interface inside the client's own namespace (address, default
// route) so that unicast renewals and releases have a source address. Nothing
// touches /var/lib/dhcp, /etc/resolv.conf or any other file of the machine.
//
// What each client can be made to do (checked against busybox udhcpd, direct
// and through dhcrelay):
//
// obtain       all three: DISCOVER/OFFER/REQUEST/ACK; hook reason BOUND
//              (dhclient, dhcpcd) or bound (udhcpc). requestedAddress puts
//              option 50 in the DISCOVER (dhclient.conf `send
//              dhcp-requested-address`, udhcpc -r, dhcpcd -r).
// init-reboot  reboot(): dhclient and dhcpcd, stopped with SIGTERM (neither
//              releases), start again on their stored lease and broadcast a
//              REQUEST for it (reason REBOOT; BOUND if the server NAKs and they
//              fall back to DISCOVER). udhcpc stores no lease: the closest is
//              obtain({ requestedAddress }).
// renew        renew(): udhcpc and dhcpcd on SIGUSR1 unicast a REQUEST to the
//              server (reason renew / RENEW). dhclient has no such trigger: it
//              renews only at T1, which nextLease() waits for (give a short
//              lease, e.g. 8 s renews after about 5 s).
// release      release(): dhclient -r (stops the running dhclient through its
//              pid file, unicasts RELEASE), udhcpc SIGUSR2 (RELEASE, then
//              reason deconfig), dhcpcd SIGALRM (RELEASE, then it exits).
// decline      dhclient only, on demand: obtain({ declineFirstOffer: true })
//              makes the hook fail the first BOUND, and dhclient answers with
//              a DHCPDECLINE and starts over. udhcpc (-a) and dhcpcd decline
//              only on an ARP conflict, which these helpers do not set up
//              (dhcpcd runs with -A to skip its seconds-long ARP probe).
//
// All three keep running after obtaining a lease, renewing at T1 like a real
// client, until release(), reboot() or close().
//
// dhcpcd runs in a private mount namespace (the one `ip netns exec` makes)
// with a tmpfs on /run and its database dir bind-mounted over
// /var/lib/dhcpcd, so instances never share pid files, control sockets or
// DUIDs. Its test mode (-T: DISCOVER/OFFER only, hook called with reason TEST)
// is not offered: dhcpcd 9.4.1 crashes with SIGSEGV right after that hook.
import { access, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import { exec, within, type SpawnedProcess, type Topology } from './netns.ts';

export type ClientKind = 'dhclient' | 'udhcpc' | 'dhcpcd';
export const CLIENT_KINDS: readonly ClientKind[] = ['dhclient', 'udhcpc', 'dhcpcd'];

/** What a client applied from one lease, as its hook was told. */
export interface ClientLease {
  client: ClientKind;
  /** The hook reason that carried it: BOUND, RENEW, REBIND, REBOOT (dhclient, dhcpcd); bound, renew (udhcpc). */
  reason: string;
  address: string;
  prefixLength: number;
  mask: string;
  routers: string[];
  dnsServers: string[];
  domainName: string | undefined;
  /** Seconds. */
  leaseTime: number | undefined;
  serverId: string | undefined;
  /** Everything the hook received. */
  env: Readonly<Record<string, string>>;
}

/** One call of the hook script. */
export interface HookEvent {
  reason: string;
  /** dhclient only: the hook failed this BOUND on purpose, so the client declined it. */
  declined: boolean;
  env: Readonly<Record<string, string>>;
}

export interface ObtainOptions {
  /** Hard limit for the whole exchange; the client is stopped when it passes. Default 20 s. */
  timeoutMs?: number;
  /** Ask for this address (option 50 in the DISCOVER). */
  requestedAddress?: string;
  /** dhclient only: decline the first lease acknowledged, then go on to the next. */
  declineFirstOffer?: boolean;
}

export interface ClientCapabilities {
  renew: boolean;
  reboot: boolean;
  declineFirstOffer: boolean;
}

export interface DhcpClient {
  readonly kind: ClientKind;
  readonly ns: string;
  readonly ifname: string;
  readonly capabilities: ClientCapabilities;
  /** Starts the client and resolves with its first lease; it stays running. */
  obtain(options?: ObtainOptions): Promise<ClientLease>;
  /** A unicast renewal (RENEWING) of the held lease, when capabilities.renew. */
  renew(timeoutMs?: number): Promise<ClientLease>;
  /** Stops without releasing, starts again on the stored lease (INIT-REBOOT), when capabilities.reboot. */
  reboot(timeoutMs?: number): Promise<ClientLease>;
  /** Sends a DHCPRELEASE; the client is stopped afterwards. */
  release(timeoutMs?: number): Promise<void>;
  /** The next lease the running client reports on its own, e.g. its renewal at T1. */
  nextLease(timeoutMs: number): Promise<ClientLease>;
  /** Every hook call so far, oldest first. */
  events(): Promise<HookEvent[]>;
  /** The client processes' output so far, for failure messages. */
  log(): string;
  /** Stops the client without releasing. Idempotent. */
  close(): Promise<void>;
}

const CLIENT_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
// Clients get a clean environment: the hooks record all of it.
export const CLIENT_ENV: NodeJS.ProcessEnv = { PATH: CLIENT_PATH };
export const DEFAULT_TIMEOUT_MS = 20_000;
export const POLL_MS = 50;

const EXECUTABLES: Record<ClientKind, string> = { dhclient: 'dhclient', udhcpc: 'busybox', dhcpcd: 'dhcpcd' };

/** Whether name is an executable in the clients' PATH. */
export const commandAvailable = async (name: string): Promise<boolean> => {
  for (const dir of CLIENT_PATH.split(':')) {
    try {
      await access(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // Not in this one.
    }
  }
  return false;
};

export const clientAvailable = (kind: ClientKind): Promise<boolean> => commandAvailable(EXECUTABLES[kind]);

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const maskToPrefixLength = (mask: string): number =>
  mask
    .split('.')
    .map((octet) => Number(octet).toString(2))
    .join('')
    .replace(/0/g, '').length;

const prefixLengthToMask = (length: number): string =>
  [0, 1, 2, 3].map((i) => 256 - 2 ** (8 - Math.max(0, Math.min(8, length - i * 8)))).join('.');

const list = (value: string | undefined): string[] => (value ?? '').split(/\s+/).filter((item) => item !== '');

const number = (value: string | undefined): number | undefined =>
  value === undefined || value === '' ? undefined : Number(value);

/** The NUL-separated `env -0` output a hook recorded, as variables. */
export const parseEnv = (text: string): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const entry of text.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
};

/**
 * The hook: `decide` may set decline=yes (dhclient fails the call, which makes
 * it send a DHCPDECLINE); the call is recorded atomically (write, then rename)
 * under a nanosecond timestamp so that sorting the names gives the call order;
 * `apply` configures the namespace.
 */
export const hookScript = (recordDir: string, parts: { decide?: string; apply?: string }): string => `#!/bin/sh
# Generated by test/helpers/dhcp-clients.ts.
decline=no
${parts.decide ?? ''}
out='${recordDir}'/"$(date +%s%N)-$$"
HOOK_DECLINED=$decline HOOK_ARGS="$*" env -0 > "$out.tmp" && mv "$out.tmp" "$out.env"
[ "$decline" = yes ] && exit 1
${parts.apply ?? ''}
exit 0
`;

abstract class ClientBase implements DhcpClient {
  abstract readonly kind: ClientKind;
  abstract readonly capabilities: ClientCapabilities;
  /** Hook reasons that carry a lease the client now holds. */
  protected abstract readonly leaseReasons: ReadonlySet<string>;
  protected process: SpawnedProcess | undefined;
  /** The command line of the last obtain(), which reboot() starts again. */
  private lastArgv: string[] = [];
  /** Events already handed to a waiter: each wait looks only at newer ones. */
  private consumed = 0;
  private pastLogs = '';

  constructor(
    protected readonly topology: Topology,
    readonly ns: string,
    readonly ifname: string,
    protected readonly dir: string,
  ) {}

  protected abstract argv(options: ObtainOptions, timeoutMs: number): Promise<string[]>;
  protected abstract leaseFrom(event: HookEvent): ClientLease;

  protected get recordDir(): string {
    return join(this.dir, 'events');
  }

  protected get hookPath(): string {
    return join(this.dir, 'hook.sh');
  }

  abstract hook(): string;

  async obtain(options: ObtainOptions = {}): Promise<ClientLease> {
    if (this.process?.running()) throw new Error(`${this.kind} in ${this.ns} is already running`);
    if (options.declineFirstOffer && !this.capabilities.declineFirstOffer) {
      throw new Error(`${this.kind} cannot be made to decline`);
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.lastArgv = await this.argv(options, timeoutMs);
    await this.start(this.lastArgv);
    return this.nextLease(timeoutMs);
  }

  /** SIGUSR1 is "renew now" for both clients that have one. */
  async renew(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ClientLease> {
    if (!this.capabilities.renew) throw new Error(`${this.kind} cannot be made to renew on demand`);
    this.signalRunning('SIGUSR1');
    return this.nextLease(timeoutMs);
  }

  /** Stopped with SIGTERM, both clients that store a lease keep it unreleased and start from it. */
  async reboot(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ClientLease> {
    if (!this.capabilities.reboot) throw new Error(`${this.kind} keeps no lease to reboot with`);
    if (this.lastArgv.length === 0) throw new Error(`${this.kind}: obtain() first`);
    await this.start(this.lastArgv);
    return this.nextLease(timeoutMs);
  }

  abstract release(timeoutMs?: number): Promise<void>;

  async nextLease(timeoutMs: number): Promise<ClientLease> {
    const event = await this.waitFor(
      (e) => this.leaseReasons.has(e.reason) && !e.declined,
      timeoutMs,
      'lease',
    );
    return this.leaseFrom(event);
  }

  async events(): Promise<HookEvent[]> {
    const names = (await readdir(this.recordDir)).filter((name) => name.endsWith('.env')).sort();
    return Promise.all(
      names.map(async (name) => {
        const env = parseEnv(await readFile(join(this.recordDir, name), 'utf8'));
        // udhcpc passes the reason as its first argument, the others in $reason.
        const reason = env.reason ?? env.HOOK_ARGS?.split(' ')[0] ?? '';
        return { reason, declined: env.HOOK_DECLINED === 'yes', env };
      }),
    );
  }

  log(): string {
    const current = this.process ? this.process.stdout() + this.process.stderr() : '';
    return this.pastLogs + current;
  }

  async close(): Promise<void> {
    await this.stopProcess();
  }

  protected async start(argv: string[]): Promise<void> {
    await this.stopProcess();
    this.process = this.topology.spawn(this.ns, argv, { env: CLIENT_ENV });
  }

  protected async stopProcess(): Promise<void> {
    const process = this.process;
    if (!process) return;
    await process.stop();
    this.pastLogs += process.stdout() + process.stderr();
    this.process = undefined;
  }

  /** The first not yet consumed event that accept takes; fails when the client exits or time is up. */
  protected async waitFor(accept: (event: HookEvent) => boolean, timeoutMs: number, what: string): Promise<HookEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Looked at before reading, so an event written just before exiting is not missed.
      const running = this.process?.running() ?? false;
      const events = await this.events();
      while (this.consumed < events.length) {
        const event = events[this.consumed]!;
        this.consumed += 1;
        if (accept(event)) return event;
      }
      const failure = !running
        ? 'the client is not running'
        : Date.now() > deadline
          ? `none within ${timeoutMs} ms`
          : '';
      if (failure) {
        await this.stopProcess();
        throw new Error(`${this.kind} in ${this.ns} on ${this.ifname}: no ${what}: ${failure}\n${this.log()}`);
      }
      await delay(POLL_MS);
    }
  }

  /** Waits for the running client to exit by itself, then reaps what it left. */
  protected async waitForExit(timeoutMs: number, what: string): Promise<void> {
    const process = this.process;
    if (!process) return;
    const exited = await within(process.exited, timeoutMs);
    await this.stopProcess();
    if (exited === undefined) {
      throw new Error(`${this.kind} in ${this.ns}: did not exit after ${what} within ${timeoutMs} ms`);
    }
  }

  protected signalRunning(signal: NodeJS.Signals): void {
    if (!this.process?.running()) throw new Error(`${this.kind} in ${this.ns} is not running`);
    this.process.signal(signal);
  }
}

/** Lease fields from the new_* variables that dhclient and dhcpcd both use. */
const leaseFromNewVariables = (client: ClientKind, event: HookEvent): ClientLease => {
  const env = event.env;
  const mask = env.new_subnet_mask ?? prefixLengthToMask(Number(env.new_subnet_cidr ?? 32));
  return {
    client,
    reason: event.reason,
    address: env.new_ip_address ?? '',
    prefixLength: maskToPrefixLength(mask),
    mask,
    routers: list(env.new_routers),
    dnsServers: list(env.new_domain_name_servers),
    domainName: env.new_domain_name,
    leaseTime: number(env.new_dhcp_lease_time),
    serverId: env.new_dhcp_server_identifier,
    env,
  };
};

/**
 * ISC dhclient 4.4 in the foreground (-d). Without -1 when declining, since
 * with -1 a declined first lease makes it exit. `dhclient -r` finds the running
 * instance through the pid file, stops it and releases from the lease file.
 */
class Dhclient extends ClientBase {
  readonly kind = 'dhclient';
  readonly capabilities: ClientCapabilities = { renew: false, reboot: true, declineFirstOffer: true };
  protected readonly leaseReasons: ReadonlySet<string> = new Set(['BOUND', 'RENEW', 'REBIND', 'REBOOT']);
  private runArgs: string[] = [];

  private file(name: string): string {
    return join(this.dir, name);
  }

  hook(): string {
    const marker = this.file('decline-next');
    return hookScript(this.recordDir, {
      decide: `case "$reason" in BOUND|REBOOT) [ -e '${marker}' ] && rm -f '${marker}' && decline=yes ;; esac`,
      apply: `case "$reason" in
BOUND|RENEW|REBIND|REBOOT)
  if [ -n "$old_ip_address" ] && [ "$old_ip_address" != "$new_ip_address" ]; then ip -4 addr flush dev "$interface"; fi
  ip addr replace "$new_ip_address/$new_subnet_mask" dev "$interface"
  if [ -n "$new_routers" ]; then ip route replace default via "\${new_routers%% *}" dev "$interface"; fi ;;
EXPIRE|FAIL|RELEASE|STOP)
  ip -4 addr flush dev "$interface" ;;
esac`,
    });
  }

  protected async argv(options: ObtainOptions, timeoutMs: number): Promise<string[]> {
    // Retries every second or two, so a lost first packet costs little.
    const config = [
      `timeout ${Math.ceil(timeoutMs / 1000)};`,
      'initial-interval 1;',
      'backoff-cutoff 2;',
      ...(options.requestedAddress ? [`send dhcp-requested-address ${options.requestedAddress};`] : []),
    ];
    await writeFile(this.file('dhclient.conf'), `${config.join('\n')}\n`);
    if (options.declineFirstOffer) await writeFile(this.file('decline-next'), '');
    this.runArgs = [
      '-cf', this.file('dhclient.conf'),
      '-lf', this.file('dhclient.leases'),
      '-pf', this.file('dhclient.pid'),
      '-sf', this.hookPath,
    ];
    const oneTry = options.declineFirstOffer ? [] : ['-1'];
    return ['dhclient', '-4', '-d', '-v', ...oneTry, ...this.runArgs, '--decline-wait-time', '0', this.ifname];
  }

  protected leaseFrom(event: HookEvent): ClientLease {
    return leaseFromNewVariables(this.kind, event);
  }

  async release(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    // Without our -lf/-pf it would use the machine's own lease and pid files.
    if (this.runArgs.length === 0) throw new Error('dhclient: obtain() first');
    // dhclient -r signals the pid in the pid file: never leave it naming a process that is not ours.
    if (!this.process?.running()) await rm(this.file('dhclient.pid'), { force: true });
    await exec(this.ns, ['dhclient', '-4', '-r', '-v', ...this.runArgs, this.ifname], { timeoutMs, env: CLIENT_ENV });
    await this.waitForExit(timeoutMs, 'dhclient -r');
  }

  protected override async stopProcess(): Promise<void> {
    await super.stopProcess();
    await rm(this.file('dhclient.pid'), { force: true });
  }
}

/**
 * busybox udhcpc in the foreground (-f), exiting when no lease comes (-n).
 * It stores no lease, so there is no INIT-REBOOT; -r asks for an address in
 * the DISCOVER instead.
 */
class Udhcpc extends ClientBase {
  readonly kind = 'udhcpc';
  readonly capabilities: ClientCapabilities = { renew: true, reboot: false, declineFirstOffer: false };
  protected readonly leaseReasons: ReadonlySet<string> = new Set(['bound', 'renew']);

  hook(): string {
    return hookScript(this.recordDir, {
      apply: `case "$1" in
deconfig) ip -4 addr flush dev "$interface" ;;
bound|renew)
  ip addr replace "$ip/\${mask:-32}" dev "$interface"
  if [ -n "$router" ]; then ip route replace default via "\${router%% *}" dev "$interface"; fi ;;
esac`,
    });
  }

  protected argv(options: ObtainOptions, timeoutMs: number): Promise<string[]> {
    // One DISCOVER a second for the whole time allowed.
    const discovers = String(Math.max(1, Math.floor(timeoutMs / 1000)));
    const requested = options.requestedAddress ? ['-r', options.requestedAddress] : [];
    return Promise.resolve([
      'busybox', 'udhcpc', '-f', '-n', '-i', this.ifname, '-s', this.hookPath,
      '-t', discovers, '-T', '1', ...requested,
    ]);
  }

  protected leaseFrom(event: HookEvent): ClientLease {
    const env = event.env;
    const prefixLength = Number(env.mask ?? 32);
    return {
      client: this.kind,
      reason: event.reason,
      address: env.ip ?? '',
      prefixLength,
      mask: env.subnet ?? prefixLengthToMask(prefixLength),
      routers: list(env.router),
      dnsServers: list(env.dns),
      domainName: env.domain,
      leaseTime: number(env.lease),
      // Some servers repeat option 54; udhcpc then lists it twice.
      serverId: list(env.serverid)[0],
      env,
    };
  }

  async release(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    // SIGUSR2: unicast DHCPRELEASE, deconfig, then udhcpc idles in "released" state.
    this.signalRunning('SIGUSR2');
    await this.waitFor((e) => e.reason === 'deconfig', timeoutMs, 'deconfig after release');
    await this.stopProcess();
  }
}

/**
 * dhcpcd 9 in the foreground (-B), IPv4 only, no ARP probe (-A, which would
 * add seconds per lease) and no IPv4LL fallback (-L). dhcpcd configures the
 * interface itself; the hook only records.
 */
class Dhcpcd extends ClientBase {
  readonly kind = 'dhcpcd';
  readonly capabilities: ClientCapabilities = { renew: true, reboot: true, declineFirstOffer: false };
  protected readonly leaseReasons: ReadonlySet<string> = new Set(['BOUND', 'RENEW', 'REBIND', 'REBOOT']);

  hook(): string {
    return hookScript(this.recordDir, {});
  }

  protected async argv(options: ObtainOptions, timeoutMs: number): Promise<string[]> {
    const dbDir = join(this.dir, 'db');
    await mkdir(dbDir, { recursive: true });
    const config = join(this.dir, 'dhcpcd.conf');
    await writeFile(config, 'option routers, domain_name_servers, domain_name\nrequire dhcp_server_identifier\n');
    const requested = options.requestedAddress ? ['-r', options.requestedAddress] : [];
    return [
      'sh', '-c', 'mount -t tmpfs tmpfs /run && mount --bind "$1" /var/lib/dhcpcd && shift && exec "$@"', 'sh', dbDir,
      'dhcpcd', '-4', '-B', '-A', '-L', '-d', '-f', config, '-c', this.hookPath,
      '-t', String(Math.ceil(timeoutMs / 1000)), ...requested, this.ifname,
    ];
  }

  protected leaseFrom(event: HookEvent): ClientLease {
    return leaseFromNewVariables(this.kind, event);
  }

  async release(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    // SIGALRM: DHCPRELEASE, deconfigure, exit.
    this.signalRunning('SIGALRM');
    await this.waitForExit(timeoutMs, 'SIGALRM (release)');
  }
}

const CLASSES = { dhclient: Dhclient, udhcpc: Udhcpc, dhcpcd: Dhcpcd } as const;

/** A client of the given kind on interface ifname of namespace ns; topology.cleanup() stops it, removes its files. */
export const createClient = async (
  topology: Topology,
  kind: ClientKind,
  ns: string,
  ifname: string,
): Promise<DhcpClient> => {
  const dir = await topology.tempDir();
  const client = new CLASSES[kind](topology, ns, ifname, dir);
  await mkdir(join(dir, 'events'));
  await writeFile(join(dir, 'hook.sh'), client.hook(), { mode: 0o755 });
  return client;
};
