// perfdhcp (Kea 2.2.0, Debian package kea-admin) as a DHCPv4 load generator,
// with its final report parsed.
//
// What was found on Debian 12 (against busybox udhcpd in a namespace, and a
// UDP listener that printed what arrived):
//
// - Given a server address, perfdhcp acts as a relay: it binds -l (an address
//   that must be on an interface of its namespace) on port 67, or on -L, and
//   unicasts DISCOVER/REQUEST to the server's port 67, or -N, with
//   giaddr = the -l address and hops = 1. The server must answer to giaddr at
//   the port the request came from. -R N simulates N clients (MACs derived
//   from 00:0c:01:02:03:04, or -b mac=...).
// - Exact command lines that worked (udhcpd run with -a 100: by default it
//   ARP-probes every new address for 2 s before offering, one at a time):
//     ip netns exec NS perfdhcp -4 -l 192.0.2.10 -r 5 -n 5 -R 5 -d 3 -W 2000000 192.0.2.1
//       (5 of 5 DORA completed, exit 0, 3 s)
//     ip netns exec NS perfdhcp -4 -l 192.0.2.10 -r 20 -p 2 -R 10 -W 1000000 192.0.2.1
//       (39 of 39, exit 0, 3 s; at -r 200 -R 40 udhcpd answered 36 of 399
//        DISCOVERs and perfdhcp exited 3)
//     perfdhcp -4 -l 127.0.0.1 -L 10068 -N 10067 -r 2 -n 2 127.0.0.1
//       (on loopback with ports of its own: requests go 127.0.0.1:10068 ->
//        127.0.0.1:10067 with giaddr 127.0.0.1; replies are expected at
//        127.0.0.1:10068, so the server must reply to the source port)
// - Always give -r with -n: without a rate, -n 1 sent 59 DISCOVERs. Give -n or
//   -p (or both), or it never stops. -d (default 1 s) is when an unanswered
//   request counts as dropped; -W (microseconds) waits for late answers after
//   the last request, otherwise the requests still in flight count as drops.
// - Never use -x e: it prints "Reached max requests limit." in a busy loop.
// - Exit status: 0 all exchanges completed, 3 some did not, 1 error,
//   2 bad arguments.
// - Threads: with more than one CPU perfdhcp receives in a thread of its own
//   (-g multi, the default), which polls its socket in a loop of 1 µs sleeps.
//   On the bench's two cores that cost about a third more per exchange than
//   -g single, where one thread sends and receives: with two dhcpg
//   front-ends asked 10,000 DORA/s, perfdhcp took 62 µs of CPU per DORA
//   multi-threaded and 42 single (SARR: 34-49 and 28-34 µs), time the
//   servers under test then had. The bench always runs it single.
// - The final report (the same in either mode):
//     ***Rate statistics***
//     Rate: 1.6664 4-way exchanges/second, expected rate: 20
//
//     ***Malformed Packets***
//     Malformed packets: 0
//     ***Statistics for: DISCOVER-OFFER***
//     sent packets: 39
//     received packets: 6
//     drops: 33
//     drops ratio: 84.6154 %
//     orphans: 0
//     rejected leases: 0
//     non unique addresses: 0
//
//     min delay: 0.208 ms
//     avg delay: 336.411 ms
//     max delay: 2017.087 ms
//     std deviation: 751.621 ms
//     collected packets: 0
//
//     ***Statistics for: REQUEST-ACK***
//     (the same lines)
//   With nothing received the delays read "min delay: inf ms" and
//   "avg delay: n/a" (one line even reads "avg delay: min delay: n/a"), and
//   "drops ratio: -nan %" when nothing was sent. The parser reads each
//   "***Statistics for: X***" block as "key: value" lines; delays that are not
//   numbers become undefined.
//
// DHCPv6 (perfdhcp -6, family 6), checked against kea-dhcp6 2.2:
//
// - Given a server address, perfdhcp -6 unicasts to it, and must then act as
//   a relay (-A 1: each message inside a RELAY-FORW, hop-count 0,
//   link-address = peer-address = the -l address, no relay options): a
//   server drops a unicast Solicit no relay carried (Kea:
//   DHCP6_PACKET_DROP_UNICAST). Without a server it multicasts to ff02::1:2
//   port 547 from the link-local address of -l (an interface), port 546, as
//   directly attached clients would. -l takes an interface or, with a
//   server, an address of one (-l lo and -l ::1 both worked).
// - Clients: DUID-LLT made from -b mac= (default 00:0c:01:02:03:04, one MAC
//   per -R client), IA_NA and/or IA_PD with IAID 1 and T1 3600 / T2 5400,
//   ORO 23 24, elapsed time. -e address-only (IA_NA, the default),
//   prefix-only (IA_PD) or address-and-prefix (both in one exchange; an
//   Advertise lacking either counts as a rejected lease and gets no
//   Request).
// - The reply port: a server that follows RFC 8415 (Section 19.1) sends
//   RELAY-REPL to the relay's address at port 547, whatever port the
//   RELAY-FORW came from (Kea does: "trying to send packet ADVERTISE ...
//   to [::1]:547"). So perfdhcp must listen on 547 (-L 547) to hear it; with
//   any other -L its exchanges all count as drops. perfdhcp itself takes
//   replies at its -L port from any source port: dhcpg answers a relay at
//   the port its RELAY-FORW came from (as for DHCPv4 above; a real relay
//   sends from 547), so any -L works with it.
// - Exact command lines that worked (in a namespace of their own; the
//   loopback of a test namespace keeps port 547 to the test):
//     kea-dhcp6 -p 10547, interfaces-config "lo/::1", the subnet selected by
//       "relay": { "ip-addresses": ["::1"] } (the link-address is ::1):
//     ip netns exec NS perfdhcp -6 -l lo -L 547 -N 10547 -A 1 \
//         -e address-and-prefix -r 5 -n 5 -R 5 -W 1000000 ::1
//       (5 of 5 Solicit/Advertise and Request/Reply, exit 0, 2 s; also with
//        -l ::1 and -e address-only)
//     kea-dhcp6 on lan0 of a bridged LAN, perfdhcp on another host's eth0:
//     ip netns exec NS perfdhcp -6 -l eth0 -e address-and-prefix -r 5 -n 5 -R 5 -W 1000000
//       (5 of 5, exit 0)
// - The report is the DHCPv4 one with blocks "SOLICIT-ADVERTISE" and
//   "REQUEST-REPLY"; the rate line still says "4-way exchanges/second".
import { execFile } from 'node:child_process';

export interface PerfdhcpOptions {
  /**
   * 6: DHCPv6 (see the top of this file), relayed when a server is given.
   * Against dhcpg on loopback:
   *   perfdhcp -6 -l ::1 -L 10546 -N 10547 -A 1 -e address-and-prefix -r 50 -n 200 -R 200 -W 2000000 ::1
   *   (200 of 200; without -W the last ADVERTISE came after perfdhcp
   *   stopped waiting, a drop). Its SOLICIT-ADVERTISE and REQUEST-REPLY
   *   blocks are read into discoverOffer and requestAck.
   */
  family?: 4 | 6;
  /** DHCPv6 -e: what each client asks for (default address-and-prefix). */
  leaseType?: 'address-only' | 'prefix-only' | 'address-and-prefix';
  /**
   * The server, unicast: perfdhcp relays (giaddr, or the RELAY-FORW's
   * link-address, = localAddress). DHCPv6 only may leave it out: perfdhcp
   * then multicasts from localAddress, an interface, as clients on its LAN.
   */
  server?: string;
  /** -l: an address on an interface of ns (DHCPv6: or an interface). */
  localAddress: string;
  /** -r: exchanges started per second. */
  rate: number;
  /** -n: exchanges to start; give this or periodSeconds. */
  count?: number;
  /** -p: seconds to keep starting exchanges. */
  periodSeconds?: number;
  /** -R: distinct simulated clients (MAC addresses). */
  clients?: number;
  /** -d: seconds after which an unanswered request is a drop (perfdhcp's default 1). */
  dropTimeSeconds?: number;
  /** -W: how long to wait for answers after the last request (default 2000 ms). */
  exitWaitMs?: number;
  /** -L: port perfdhcp sends from and listens on (default 67). */
  localPort?: number;
  /** -N: the server's port (default 67). */
  remotePort?: number;
  /** -b mac=: the first simulated MAC. */
  baseMac?: string;
  /** Hard limit for the run; default: its expected length plus 15 s. */
  timeoutMs?: number;
  /**
   * Run at the lowest CPU priority (nice 19): when the load generator shares
   * the cores of the servers it measures, they go first when both are
   * runnable (its own work per exchange it still takes: see Threads above).
   */
  lowPriority?: boolean;
}

/** One exchange's line of the report. Delays are undefined when nothing was answered. */
export interface ExchangeStats {
  sent: number;
  received: number;
  drops: number;
  orphans: number;
  rejectedLeases: number;
  nonUniqueAddresses: number;
  minDelayMs: number | undefined;
  avgDelayMs: number | undefined;
  maxDelayMs: number | undefined;
}

/** discoverOffer and requestAck are SOLICIT-ADVERTISE and REQUEST-REPLY for DHCPv6. */
export interface PerfdhcpResult {
  /** Exit status 0: every exchange completed. Otherwise 3. */
  allCompleted: boolean;
  /** Completed DORA per second, and the rate asked for. */
  rate: { achieved: number; expected: number | undefined };
  malformedPackets: number;
  discoverOffer: ExchangeStats;
  requestAck: ExchangeStats;
  argv: string[];
  output: string;
}

const DEFAULT_EXIT_WAIT_MS = 2_000;

const buildArgv = (options: PerfdhcpOptions): string[] => {
  const flag = (name: string, value: number | string | undefined): string[] =>
    value === undefined ? [] : [name, String(value)];
  return [
    ...(options.lowPriority ? ['nice', '-n', '19'] : []),
    'perfdhcp',
    '-g', 'single',
    ...(options.family === 6
      ? ['-6', ...(options.server === undefined ? [] : ['-A', '1']), '-e', options.leaseType ?? 'address-and-prefix']
      : ['-4']),
    '-l', options.localAddress,
    '-r', String(options.rate),
    ...flag('-n', options.count),
    ...flag('-p', options.periodSeconds),
    ...flag('-R', options.clients),
    ...flag('-d', options.dropTimeSeconds),
    '-W', String((options.exitWaitMs ?? DEFAULT_EXIT_WAIT_MS) * 1000),
    ...flag('-L', options.localPort),
    ...flag('-N', options.remotePort),
    ...flag('-b', options.baseMac === undefined ? undefined : `mac=${options.baseMac}`),
    ...(options.server === undefined ? [] : [options.server]),
  ];
};

const expectedRunMs = (options: PerfdhcpOptions): number => {
  const sending = Math.min(
    options.periodSeconds ?? Infinity,
    options.count === undefined ? Infinity : options.count / options.rate,
  );
  return (sending + (options.dropTimeSeconds ?? 1)) * 1000 + (options.exitWaitMs ?? DEFAULT_EXIT_WAIT_MS);
};

/** The "key: value" lines of each "***Title***" block, by title. */
const sections = (output: string): Map<string, Map<string, string>> => {
  const result = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const line of output.split('\n')) {
    const title = /^\*\*\*(.+)\*\*\*$/.exec(line.trim());
    if (title) {
      current = new Map();
      result.set(title[1]!, current);
      continue;
    }
    const colon = line.indexOf(':');
    if (current && colon > 0) current.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return result;
};

const parseExchange = (block: Map<string, string> | undefined, name: string): ExchangeStats => {
  if (!block) throw new Error(`perfdhcp report has no statistics for ${name}`);
  const count = (key: string): number => {
    const value = Number(block.get(key));
    if (!Number.isFinite(value)) throw new Error(`perfdhcp ${name}: "${key}" is ${block.get(key)}`);
    return value;
  };
  const delay = (key: string): number | undefined => {
    const match = /^([0-9.]+) ms$/.exec(block.get(key) ?? '');
    return match ? Number(match[1]) : undefined;
  };
  return {
    sent: count('sent packets'),
    received: count('received packets'),
    drops: count('drops'),
    orphans: count('orphans'),
    rejectedLeases: count('rejected leases'),
    nonUniqueAddresses: count('non unique addresses'),
    minDelayMs: delay('min delay'),
    avgDelayMs: delay('avg delay'),
    maxDelayMs: delay('max delay'),
  };
};

/** Parses perfdhcp's final report, DHCPv4 or DHCPv6 (see the top of this file). */
export const parsePerfdhcpReport = (output: string): Omit<PerfdhcpResult, 'allCompleted' | 'argv'> => {
  const blocks = sections(output);
  const rate = /^([0-9.]+) (?:4-way )?exchanges\/second(?:, expected rate: ([0-9.]+))?/.exec(
    blocks.get('Rate statistics')?.get('Rate') ?? '',
  );
  if (!rate) throw new Error(`perfdhcp report has no rate line:\n${output}`);
  return {
    rate: { achieved: Number(rate[1]), expected: rate[2] === undefined ? undefined : Number(rate[2]) },
    malformedPackets: Number(blocks.get('Malformed Packets')?.get('Malformed packets') ?? 0),
    discoverOffer: parseExchange(blocks.get('Statistics for: DISCOVER-OFFER') ?? blocks.get('Statistics for: SOLICIT-ADVERTISE'), 'DISCOVER-OFFER'),
    requestAck: parseExchange(blocks.get('Statistics for: REQUEST-ACK') ?? blocks.get('Statistics for: REQUEST-REPLY'), 'REQUEST-ACK'),
    output,
  };
};

/** How perfdhcp is started: directly here, or inside a network namespace by the tests. */
export type CommandRunner = (argv: string[], timeoutMs: number) => Promise<{ code: number | null; stdout: string; stderr: string }>;

/** Runs argv on this host, bounded in time, never rejecting on a non-zero exit. */
export const runHere: CommandRunner = (argv, timeoutMs) =>
  new Promise((resolve, reject) => {
    execFile(argv[0]!, argv.slice(1), { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      if (error && code === null) reject(new Error(`${argv[0]} failed: ${error.message}`));
      else resolve({ code, stdout, stderr });
    });
  });

/** Runs perfdhcp, bounded in time, and parses its report. Exit 1 or 2 (bad use) rejects. */
export const runPerfdhcp = async (options: PerfdhcpOptions, run: CommandRunner = runHere): Promise<PerfdhcpResult> => {
  if (options.count === undefined && options.periodSeconds === undefined) {
    throw new Error('runPerfdhcp: give count or periodSeconds, or perfdhcp never stops');
  }
  const argv = buildArgv(options);
  const result = await run(argv, options.timeoutMs ?? expectedRunMs(options) + 15_000);
  // 3: ran fine, but not every exchange completed.
  if (result.code !== 0 && result.code !== 3) {
    throw new Error(`perfdhcp exited ${result.code}: ${result.stderr.trim() || result.stdout.slice(-500)}`);
  }
  return { ...parsePerfdhcpReport(result.stdout), allCompleted: result.code === 0, argv };
};
