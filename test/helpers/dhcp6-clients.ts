// Real DHCPv6 clients (ISC dhclient -6, dhcpcd -6) driven inside a test
// namespace, the DHCPv6 counterpart of test/helpers/dhcp-clients.ts: same
// private temp dir per client (lease, pid, config, DUID), same recording hook
// (one file per call, its environment, in call order), nothing touching
// /var/lib/dhcp, /var/lib/dhcpcd, /run or /etc of the machine.
//
// What was found on Debian 12 against kea-dhcp6 2.2 in a namespace, directly
// on a bridged LAN and behind dhcrelay -6 (test/helpers/dhcrelay6.ts):
//
// dhclient (isc-dhcp-client 4.4.3-P1)
//   command   dhclient -6 -d -v -1 [-N] [-P [--prefix-len-hint 56]] [-D LL]
//               -cf DIR/dhclient6.conf -lf DIR/dhclient6.leases
//               -pf DIR/dhclient6.pid -sf DIR/hook.sh eth0
//             -N asks for an address (IA_NA), -P for a prefix (IA_PD), both
//             in one Solicit when given together. dhclient.conf holds only
//             `timeout N;`: with -1, when no Reply has come after N seconds,
//             it exits 2 ("Max retransmission duration exceeded."). With -d
//             it stays in the foreground once bound, renewing at T1.
//   sends     from its link-local address, port 546, to ff02::1:2 port 547 on
//             the interface, after a random delay of up to 1 s. Solicit:
//             client-id, IA_NA and/or IA_PD with T1 3600 / T2 5400 and no
//             address or prefix hint (with --prefix-len-hint 56, IA_PD
//             carries an IAPREFIX ::/56), ORO 23 24 (DNS servers, domain
//             list), elapsed time. No rapid commit, no vendor class. The
//             Request repeats the advertised address/prefix asking for
//             preferred 7200 / valid 7500 s (Renew too).
//   IAID      the last 4 bytes of the MAC address, for IA_NA and IA_PD alike
//             (0e:77:7f:08:e1:ec gives IA_NA 7f:08:e1:ec and IA_PD
//             7f:08:e1:ec).
//   DUID      DUID-LLT (00 01 00 01, time, MAC) by default, DUID-LL
//             (00 03 00 01 MAC) with -D LL; kept in the lease file
//             (default-duid), so a restart on the same -lf keeps it.
//   DAD       needs its link-local address non-tentative, or it exits at
//             once ("Can't bind to dhcp address: Cannot assign requested
//             address"): the runners wait for it (netns6.ts linkLocal()).
//   hook      reasons PREINIT6, then BOUND6 on a new lease, RENEW6 at T1,
//             REBIND6 at T2, RELEASE6 after -r (EXPIRE6, DEPREF6 by its
//             manual; not seen here). ONE CALL
//             PER IA ELEMENT: -N -P gives two BOUND6 calls, one with
//             new_ip6_address / new_ip6_prefixlen (128), one with
//             new_ip6_prefix ('2001:db8:100::/56'); both carry new_iaid
//             ('7f:08:e1:ec'), new_preferred_life, new_max_life, new_renew,
//             new_rebind, new_dhcp6_server_id and new_dhcp6_client_id
//             (bytes as unpadded hex, '0:3:0:1:7a:d9:...'). A lease is
//             complete here once every IA asked for has had its call.
//   restart   on the same lease file after SIGTERM (which releases nothing,
//             and calls no hook): with only an address, a Confirm, hook
//             reason BOUND6; with a prefix too, a Rebind, reason REBIND6.
//   release   dhclient -6 -r with the same -N/-P and -cf/-lf/-pf/-sf: sends
//             Release for what the lease file holds (reason RELEASE6), and
//             the running instance named by the pid file exits. The IA
//             types must be given again: `-r` alone means -N, and the
//             Release of a prefix-only lease then carries no IA at all
//             (client-id, server-id, ORO, elapsed time only).
//   renew     no trigger on demand: it renews at T1 only (nextLease()).
//
// dhcpcd (dhcpcd-base 9.4.1)
//   command   dhcpcd -6 -B [-1] -d -f DIR/dhcpcd6.conf -c DIR/hook.sh -t N eth0
//             in a private mount namespace: tmpfs on /run, DIR/db bind-
//             mounted over /var/lib/dhcpcd (DUID, eth0.lease6). The config:
//               ipv6only
//               noipv6rs
//               [duid ll]
//               interface eth0
//               ia_na 1
//               ia_pd 2/::/56 -
//             noipv6rs: no Router Solicitation, and DHCPv6 starts at once
//             because IAs are configured (no RA needed with M flag). `-` as
//             the ia_pd interface delegates to none (it logs "cannot
//             delegate to -" and goes on); it still adds an unreachable
//             route for the prefix on lo, proto dhcp. -c replaces
//             dhcpcd-run-hooks, so no hook of the system runs (nothing
//             touches /etc/resolv.conf). -1 exits once bound ("exiting due
//             to oneshot"), leaving the address; -t N exits when nothing
//             was bound in N s.
//   sends     from its link-local address to ff02::1:2 port 547 after a
//             delay of about 1 s. Solicit: client-id, IA_NA (IAID 1, T1 0,
//             T2 0), IA_PD (IAID 2) with an IAPREFIX ::/56 hint, ORO 82 83
//             (SOL_MAX_RT, INF_MAX_RT), elapsed time, vendor class
//             (enterprise 40712, 'dhcpcd-9.4.1:Linux-...:x86_64:...').
//   IAID      as configured (ia_na 1 / ia_pd 2); without a number, the last
//             4 bytes of the MAC address.
//   DUID      DUID-LLT (no system UUID here), or DUID-LL with `duid ll`;
//             stored in DIR/db/duid.
//   DAD       waits for its link-local address by itself, and for DAD of
//             each address it adds before calling the hook; with DAD off
//             the lease takes about 1.1 s.
//   applies   itself: the address as /128 noprefixroute with the lease's
//             lifetimes, the unreachable route for a prefix.
//   hook      reasons PREINIT, CARRIER, then BOUND6, RENEW6 (SIGUSR1),
//             REBIND6, REBOOT6 (a restart on a stored address-only lease:
//             Confirm), RELEASE6 and STOPPED (SIGALRM). ONE CALL FOR THE
//             WHOLE REPLY: new_dhcp6_ia_na1_iaid ('00000001'),
//             new_dhcp6_ia_na1_ia_addr1, ..._ia_addr1_pltime / _vltime,
//             new_dhcp6_ia_na1_t1 / _t2, new_dhcp6_ia_pd1_iaid,
//             new_dhcp6_ia_pd1_prefix1 ('2001:db8:100:100::'),
//             ..._prefix1_length ('56'), _pltime, _vltime,
//             new_dhcp6_server_id / new_dhcp6_client_id (plain hex).
//   restart   on a stored lease: Confirm without a prefix (REBOOT6), Rebind
//             with one (REBIND6: RFC 8415 allows no Confirm for IA_PD).
//   release   SIGALRM: Release (IA_NA and IA_PD), address and route
//             removed, RELEASE6, STOPPED, exit.
//
// Both clients keep running after obtain() unless asked for oneShot, until
// release(), reboot() or close(); topology.cleanup() stops what is left.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLIENT_ENV, commandAvailable, DEFAULT_TIMEOUT_MS, hookScript, parseEnv, POLL_MS, type HookEvent } from './dhcp-clients.ts';
import { exec, within, type SpawnedProcess, type Topology } from './netns.ts';
import { linkLocal } from './netns6.ts';

export type Client6Kind = 'dhclient' | 'dhcpcd';
export const CLIENT6_KINDS: readonly Client6Kind[] = ['dhclient', 'dhcpcd'];

/** An address of an IA_NA, as the client's hook was told. */
export interface Lease6Address {
  iaid: number;
  address: string;
  /** dhclient's new_ip6_prefixlen (128); dhcpcd does not say (it adds a /128). */
  prefixLength: number | undefined;
  /** Seconds. */
  preferredLifetime: number;
  validLifetime: number;
  t1: number | undefined;
  t2: number | undefined;
}

/** A delegated prefix of an IA_PD. */
export interface Lease6Prefix {
  iaid: number;
  /** The prefix without its length, e.g. '2001:db8:100::'. */
  prefix: string;
  length: number;
  preferredLifetime: number;
  validLifetime: number;
  t1: number | undefined;
  t2: number | undefined;
}

/** What a client took from one Reply. */
export interface Lease6 {
  client: Client6Kind;
  /** BOUND6, RENEW6, REBIND6, REBOOT6. */
  reason: string;
  addresses: Lease6Address[];
  prefixes: Lease6Prefix[];
  /** The server's DUID, as lower-case hex without separators (Buffer.toString('hex')). */
  serverId: string | undefined;
  /** The client's own DUID, same form. */
  clientId: string | undefined;
  /** The hook calls that carried this lease (dhclient: one per IA element). */
  events: HookEvent[];
  /** The reasons of every hook call so far, oldest first, these included. */
  reasons: string[];
}

export interface Obtain6Options {
  /** Ask for an address (IA_NA). Default: true unless prefix is given. */
  address?: boolean;
  /** Ask for a prefix (IA_PD); a number is the prefix length to hint. */
  prefix?: boolean | number;
  /** Hard limit for the exchange (and the client's own give-up time). Default 20 s. */
  timeoutMs?: number;
  /** The client is gone once the lease came: dhcpcd -1; dhclient is stopped (SIGTERM, no release). */
  oneShot?: boolean;
  /** DUID type for a client that has none yet: 'LLT' (both clients' default) or 'LL'. */
  duid?: 'LLT' | 'LL';
  /** dhcpcd only: the IAIDs (default 1 for IA_NA, 2 for IA_PD); dhclient derives both from the MAC. */
  iaids?: { na?: number; pd?: number };
}

export interface Client6Capabilities {
  /** renew() on demand (dhcpcd: SIGUSR1). dhclient renews only at T1: use nextLease(). */
  renew: boolean;
}

export interface Dhcp6Client {
  readonly kind: Client6Kind;
  readonly ns: string;
  readonly ifname: string;
  readonly capabilities: Client6Capabilities;
  /** Starts the client and resolves once every IA asked for is bound. */
  obtain(options?: Obtain6Options): Promise<Lease6>;
  /** Renew now, when capabilities.renew. */
  renew(timeoutMs?: number): Promise<Lease6>;
  /** Stops the client without releasing and starts it again on its stored lease (Confirm or Rebind). */
  reboot(timeoutMs?: number): Promise<Lease6>;
  /** Releases everything the client holds; the client is gone afterwards. */
  release(timeoutMs?: number): Promise<void>;
  /** The next lease the running client reports on its own (its renewal at T1, say). */
  nextLease(timeoutMs: number): Promise<Lease6>;
  /** Every hook call so far, oldest first. */
  events(): Promise<HookEvent[]>;
  /** The client processes' output so far, for failure messages. */
  log(): string;
  /** Stops the client without releasing. Idempotent. */
  close(): Promise<void>;
}

const LEASE_REASONS: ReadonlySet<string> = new Set(['BOUND6', 'RENEW6', 'REBIND6', 'REBOOT6']);

const EXECUTABLES: Record<Client6Kind, string> = { dhclient: 'dhclient', dhcpcd: 'dhcpcd' };

export const client6Available = (kind: Client6Kind): Promise<boolean> => commandAvailable(EXECUTABLES[kind]);

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const int = (value: string | undefined): number | undefined =>
  value === undefined || value === '' ? undefined : Number(value);

/** '0:3:0:1:7a:d9' (dhclient) or '000300017ad9' (dhcpcd) as '000300017ad9'. */
export const normalizeHex = (value: string | undefined): string | undefined => {
  if (value === undefined || value === '') return undefined;
  const text = value.includes(':') ? value.split(':').map((byte) => byte.padStart(2, '0')).join('') : value;
  return text.toLowerCase();
};

const iaidOf = (value: string | undefined): number => Number.parseInt(normalizeHex(value) ?? 'NaN', 16);

/** Which IAs an exchange asked for. */
interface Wanted {
  address: boolean;
  prefix: boolean;
}

abstract class Client6Base implements Dhcp6Client {
  abstract readonly kind: Client6Kind;
  abstract readonly capabilities: Client6Capabilities;
  protected process: SpawnedProcess | undefined;
  protected wanted: Wanted = { address: true, prefix: false };
  protected lastArgv: string[] = [];
  /** Events already looked at by a waiter: each wait sees only newer ones. */
  private consumed = 0;
  private pastLogs = '';

  constructor(
    protected readonly topology: Topology,
    readonly ns: string,
    readonly ifname: string,
    protected readonly dir: string,
  ) {}

  abstract hook(): string;
  protected abstract argv(options: Obtain6Options, wanted: Wanted, timeoutMs: number): Promise<string[]>;
  /** The IA elements one hook call carries. */
  protected abstract parse(event: HookEvent): { addresses: Lease6Address[]; prefixes: Lease6Prefix[] };
  abstract release(timeoutMs?: number): Promise<void>;
  /** How oneShot ends: dhcpcd exits by itself, dhclient is stopped. */
  protected abstract finishOneShot(timeoutMs: number): Promise<void>;

  protected file(name: string): string {
    return join(this.dir, name);
  }

  protected get recordDir(): string {
    return join(this.dir, 'events');
  }

  protected get hookPath(): string {
    return join(this.dir, 'hook.sh');
  }

  async obtain(options: Obtain6Options = {}): Promise<Lease6> {
    if (this.process?.running()) throw new Error(`${this.kind} in ${this.ns} is already running`);
    const wanted = { address: options.address ?? !options.prefix, prefix: Boolean(options.prefix) };
    if (!wanted.address && !wanted.prefix) throw new Error('obtain: ask for an address, a prefix or both');
    this.wanted = wanted;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // dhclient exits at once on a tentative link-local address; dhcpcd would wait for it.
    await linkLocal(this.ns, this.ifname);
    this.lastArgv = await this.argv(options, wanted, timeoutMs);
    await this.start(this.lastArgv);
    const lease = await this.nextLease(timeoutMs);
    if (options.oneShot) await this.finishOneShot(timeoutMs);
    return lease;
  }

  async renew(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Lease6> {
    if (!this.capabilities.renew) throw new Error(`${this.kind} cannot be made to renew on demand: nextLease() waits for T1`);
    this.signalRunning('SIGUSR1');
    return this.nextLease(timeoutMs);
  }

  async reboot(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Lease6> {
    if (this.lastArgv.length === 0) throw new Error(`${this.kind}: obtain() first`);
    await this.start(this.lastArgv);
    return this.nextLease(timeoutMs);
  }

  async nextLease(timeoutMs: number): Promise<Lease6> {
    const carried: HookEvent[] = [];
    const have = { address: false, prefix: false };
    await this.waitFor((event) => {
      if (!LEASE_REASONS.has(event.reason)) return false;
      const { addresses, prefixes } = this.parse(event);
      if (addresses.length === 0 && prefixes.length === 0) return false;
      carried.push(event);
      have.address ||= addresses.length > 0;
      have.prefix ||= prefixes.length > 0;
      return (have.address || !this.wanted.address) && (have.prefix || !this.wanted.prefix);
    }, timeoutMs, `lease (${this.describeWanted()})`);
    const parsed = carried.map((event) => this.parse(event));
    const last = carried.at(-1)!;
    return {
      client: this.kind,
      reason: last.reason,
      addresses: parsed.flatMap((p) => p.addresses),
      prefixes: parsed.flatMap((p) => p.prefixes),
      serverId: normalizeHex(last.env.new_dhcp6_server_id),
      clientId: normalizeHex(last.env.new_dhcp6_client_id),
      events: carried,
      reasons: (await this.events()).slice(0, this.consumed).map((event) => event.reason),
    };
  }

  async events(): Promise<HookEvent[]> {
    const names = (await readdir(this.recordDir)).filter((name) => name.endsWith('.env')).sort();
    return Promise.all(
      names.map(async (name) => {
        const env = parseEnv(await readFile(join(this.recordDir, name), 'utf8'));
        return { reason: env.reason ?? '', declined: false, env };
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

  private describeWanted(): string {
    return [this.wanted.address ? 'IA_NA' : '', this.wanted.prefix ? 'IA_PD' : ''].filter(Boolean).join(' + ');
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

  /**
   * Feeds accept every not yet consumed event, oldest first, until it
   * returns true; fails when the client exits or time is up.
   */
  protected async waitFor(accept: (event: HookEvent) => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Looked at before reading, so an event written just before exiting is not missed.
      const running = this.process?.running() ?? false;
      const events = await this.events();
      while (this.consumed < events.length) {
        const event = events[this.consumed]!;
        this.consumed += 1;
        if (accept(event)) return;
      }
      const failure = !running ? 'the client is not running' : Date.now() > deadline ? `none within ${timeoutMs} ms` : '';
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
    if (exited === undefined) throw new Error(`${this.kind} in ${this.ns}: did not exit after ${what} within ${timeoutMs} ms`);
  }

  protected signalRunning(signal: NodeJS.Signals): void {
    if (!this.process?.running()) throw new Error(`${this.kind} in ${this.ns} is not running`);
    this.process.signal(signal);
  }
}

/** ISC dhclient -6 in the foreground (see the top of this file). */
class Dhclient6 extends Client6Base {
  readonly kind = 'dhclient';
  readonly capabilities: Client6Capabilities = { renew: false };
  private runArgs: string[] = [];

  hook(): string {
    // The address goes on the interface (nodad: the server checked it is
    // free, and DAD would only delay its use), so that a test sees what a
    // real host would have; a delegated prefix is only recorded.
    return hookScript(this.recordDir, {
      apply: `case "$reason" in
BOUND6|RENEW6|REBIND6|REBOOT6)
  if [ -n "$old_ip6_address" ] && [ "$old_ip6_address" != "$new_ip6_address" ]; then
    ip -6 addr del "$old_ip6_address/$old_ip6_prefixlen" dev "$interface"
  fi
  if [ -n "$new_ip6_address" ]; then
    ip -6 addr replace "$new_ip6_address/$new_ip6_prefixlen" dev "$interface" nodad \\
      valid_lft "$new_max_life" preferred_lft "$new_preferred_life"
  fi ;;
EXPIRE6|RELEASE6|STOP6)
  if [ -n "$old_ip6_address" ]; then ip -6 addr del "$old_ip6_address/$old_ip6_prefixlen" dev "$interface"; fi ;;
esac`,
    });
  }

  protected async argv(options: Obtain6Options, wanted: Wanted, timeoutMs: number): Promise<string[]> {
    if (options.iaids) throw new Error('dhclient -6 takes its IAIDs from the MAC address');
    await writeFile(this.file('dhclient6.conf'), `timeout ${Math.ceil(timeoutMs / 1000)};\n`);
    this.runArgs = [
      ...(options.duid === 'LL' ? ['-D', 'LL'] : []),
      '-cf', this.file('dhclient6.conf'),
      '-lf', this.file('dhclient6.leases'),
      '-pf', this.file('dhclient6.pid'),
      '-sf', this.hookPath,
    ];
    const hint = typeof options.prefix === 'number' ? ['--prefix-len-hint', String(options.prefix)] : [];
    return [
      'dhclient', '-6', '-d', '-v', '-1',
      ...(wanted.address ? ['-N'] : []),
      ...(wanted.prefix ? ['-P', ...hint] : []),
      ...this.runArgs,
      this.ifname,
    ];
  }

  protected parse(event: HookEvent): { addresses: Lease6Address[]; prefixes: Lease6Prefix[] } {
    const env = event.env;
    const common = {
      iaid: iaidOf(env.new_iaid),
      preferredLifetime: int(env.new_preferred_life) ?? 0,
      validLifetime: int(env.new_max_life) ?? 0,
      t1: int(env.new_renew),
      t2: int(env.new_rebind),
    };
    const addresses = env.new_ip6_address
      ? [{ ...common, address: env.new_ip6_address, prefixLength: int(env.new_ip6_prefixlen) }]
      : [];
    const [prefix, length] = (env.new_ip6_prefix ?? '').split('/');
    const prefixes = prefix && length ? [{ ...common, prefix, length: Number(length) }] : [];
    return { addresses, prefixes };
  }

  protected async finishOneShot(): Promise<void> {
    await this.stopProcess();
  }

  async release(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    if (this.runArgs.length === 0) throw new Error('dhclient: obtain() first');
    // dhclient -r signals the pid in the pid file: never leave it naming a process that is not ours.
    if (!this.process?.running()) await rm(this.file('dhclient6.pid'), { force: true });
    // The IA types again: without -P, the Release of a prefix-only lease carries no IA at all.
    const ias = [...(this.wanted.address ? ['-N'] : []), ...(this.wanted.prefix ? ['-P'] : [])];
    await exec(this.ns, ['dhclient', '-6', '-r', '-v', ...ias, ...this.runArgs, this.ifname], { timeoutMs, env: CLIENT_ENV });
    await this.waitFor((event) => event.reason === 'RELEASE6', timeoutMs, 'RELEASE6');
    await this.waitForExit(timeoutMs, 'dhclient -6 -r');
  }

  protected override async stopProcess(): Promise<void> {
    await super.stopProcess();
    await rm(this.file('dhclient6.pid'), { force: true });
  }
}

/** dhcpcd -6 in the foreground, in a private mount namespace (see the top of this file). */
class Dhcpcd6 extends Client6Base {
  readonly kind = 'dhcpcd';
  readonly capabilities: Client6Capabilities = { renew: true };

  hook(): string {
    return hookScript(this.recordDir, {});
  }

  protected async argv(options: Obtain6Options, wanted: Wanted, timeoutMs: number): Promise<string[]> {
    const dbDir = this.file('db');
    await mkdir(dbDir, { recursive: true });
    const length = typeof options.prefix === 'number' ? options.prefix : undefined;
    const lines = [
      'ipv6only',
      'noipv6rs',
      ...(options.duid === 'LL' ? ['duid ll'] : options.duid === 'LLT' ? ['duid lt'] : []),
      `interface ${this.ifname}`,
      ...(wanted.address ? [`ia_na ${options.iaids?.na ?? 1}`] : []),
      ...(wanted.prefix ? [`ia_pd ${options.iaids?.pd ?? 2}${length === undefined ? '' : `/::/${length}`} -`] : []),
    ];
    await writeFile(this.file('dhcpcd6.conf'), `${lines.join('\n')}\n`);
    return [
      'sh', '-c', 'mount -t tmpfs tmpfs /run && mount --bind "$1" /var/lib/dhcpcd && shift && exec "$@"', 'sh', dbDir,
      'dhcpcd', '-6', '-B', ...(options.oneShot ? ['-1'] : []), '-d',
      '-f', this.file('dhcpcd6.conf'), '-c', this.hookPath,
      '-t', String(Math.ceil(timeoutMs / 1000)), this.ifname,
    ];
  }

  protected parse(event: HookEvent): { addresses: Lease6Address[]; prefixes: Lease6Prefix[] } {
    const env = event.env;
    const addresses: Lease6Address[] = [];
    const prefixes: Lease6Prefix[] = [];
    for (const [key, value] of Object.entries(env)) {
      const na = /^new_dhcp6_ia_na(\d+)_ia_addr(\d+)$/.exec(key);
      if (na) {
        const ia = `new_dhcp6_ia_na${na[1]}`;
        addresses.push({
          iaid: iaidOf(env[`${ia}_iaid`]),
          address: value,
          prefixLength: undefined,
          preferredLifetime: int(env[`${key}_pltime`]) ?? 0,
          validLifetime: int(env[`${key}_vltime`]) ?? 0,
          t1: int(env[`${ia}_t1`]),
          t2: int(env[`${ia}_t2`]),
        });
      }
      const pd = /^new_dhcp6_ia_pd(\d+)_prefix(\d+)$/.exec(key);
      if (pd) {
        const ia = `new_dhcp6_ia_pd${pd[1]}`;
        prefixes.push({
          iaid: iaidOf(env[`${ia}_iaid`]),
          prefix: value,
          length: int(env[`${key}_length`]) ?? 0,
          preferredLifetime: int(env[`${key}_pltime`]) ?? 0,
          validLifetime: int(env[`${key}_vltime`]) ?? 0,
          t1: int(env[`${ia}_t1`]),
          t2: int(env[`${ia}_t2`]),
        });
      }
    }
    return { addresses, prefixes };
  }

  protected async finishOneShot(timeoutMs: number): Promise<void> {
    await this.waitForExit(timeoutMs, 'its lease (-1)');
  }

  async release(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    // SIGALRM: RELEASE for every IA, deconfigure, exit.
    this.signalRunning('SIGALRM');
    await this.waitFor((event) => event.reason === 'RELEASE6', timeoutMs, 'RELEASE6');
    await this.waitForExit(timeoutMs, 'SIGALRM (release)');
  }
}

const CLASSES = { dhclient: Dhclient6, dhcpcd: Dhcpcd6 } as const;

/** A DHCPv6 client of kind on ifname of ns; topology.cleanup() stops it and removes its files. */
export const createClient6 = async (topology: Topology, kind: Client6Kind, ns: string, ifname: string): Promise<Dhcp6Client> => {
  const dir = await topology.tempDir();
  const client = new CLASSES[kind](topology, ns, ifname, dir);
  await mkdir(join(dir, 'events'));
  await writeFile(join(dir, 'hook.sh'), client.hook(), { mode: 0o755 });
  return client;
};
