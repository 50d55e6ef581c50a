// ISC dhcrelay -6 (Debian isc-dhcp-relay 4.4.3-P1) in a router namespace,
// between client LANs (-l, "lower") and the server side (-u, "upper").
//
// What was found (against kea-dhcp6 2.2, dhclient -6 and dhcpcd behind it):
//
// - Command line that worked, the router with eth0 2001:db8:2::1/64 on the
//   client LAN and eth1 2001:db8:ff::1/64 towards the server at
//   2001:db8:ff::2:
//     ip netns exec ROUTER dhcrelay -6 -d --no-pid -l eth0 -u 2001:db8:ff::2%eth1
//   -d keeps it in the foreground (and then it writes no pid file; --no-pid
//   makes sure). It binds *:547 and joins ff02::1:2 on each -l interface;
//   its stderr says "Relaying Solicit from fe80::... port 546 going up." and
//   "Relaying Reply to fe80::... port 546 down." per message.
// - Every -l interface needs a global address ("Interface eth0 does not have
//   global IPv6 address assigned." is fatal): the first one becomes the
//   RELAY-FORW link-address (or the one given as -l ADDRESS%eth0). The
//   peer-address is the client's link-address source, hop-count 0.
// - `-u ADDRESS%ifname` unicasts RELAY-FORW to ADDRESS port 547 from the
//   upstream interface's global address, port 547. `-u ifname` sends to
//   All_DHCP_Servers ff05::1:3, which kea-dhcp6 does not join: Kea receives
//   relayed traffic only on an explicit unicast address ("eth0/2001:db8:ff::2"
//   in interfaces-config). The server answers RELAY-REPL to the relay's
//   source address, port 547.
// - interface-id (option 18) is sent only with -I or with more than one -l.
//   Its value is the C int the relay keeps for the lower interface, in the
//   host's byte order (4 bytes, little-endian on x86-64): `-l eth0#7` sends
//   07 00 00 00. Without #N the number is dhcrelay's own index of the
//   interface, not the kernel's ifindex (01 00 00 00 for an eth0 whose
//   ifindex was 2): give #N whenever a test looks at it. Going down, by
//   dhcrelay.c (not exercised here): with -I a RELAY-REPL without
//   interface-id is dropped ("No interface-id."); with several -l one whose
//   interface-id matches none of them is dropped ("Can't find the down
//   interface."); with a single -l it goes to that interface regardless.
import { endianness } from 'node:os';
import { type SpawnedProcess, type Topology } from './netns.ts';

const START_TIMEOUT_MS = 5_000;
const POLL_MS = 50;

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface Dhcrelay6Lower {
  ifname: string;
  /** -l ADDRESS%ifname: the link-address to put in RELAY-FORW (default: the interface's first global address). */
  linkAddress?: string;
  /** -l ifname#N: the number sent as interface-id (see dhcrelayInterfaceId). */
  interfaceId?: number;
}

export interface Dhcrelay6Upper {
  ifname: string;
  /** Unicast RELAY-FORW to this server address; without it, All_DHCP_Servers ff05::1:3. */
  server?: string;
}

export interface Dhcrelay6Options {
  lower: Dhcrelay6Lower[];
  upper: Dhcrelay6Upper[];
  /** -I: send interface-id even with a single lower interface. */
  interfaceId?: boolean;
}

export interface Dhcrelay6 {
  process: SpawnedProcess;
  argv: readonly string[];
  /** Its output so far. */
  log(): string;
  /** How many messages of this type (e.g. 'Solicit', or any) it relayed up so far. */
  relayedUp(type?: string): number;
  /** How many messages of this type (e.g. 'Reply', or any) it relayed down to clients so far. */
  relayedDown(type?: string): number;
  /** SIGTERM by PID (SIGKILL to its group after a grace time). */
  stop(): Promise<void>;
}

/** The interface-id option's value dhcrelay -6 sends for `-l ifname#id`: a C int in this host's byte order. */
export const dhcrelayInterfaceId = (id: number): Buffer => {
  const bytes = Buffer.alloc(4);
  if (endianness() === 'LE') bytes.writeInt32LE(id);
  else bytes.writeInt32BE(id);
  return bytes;
};

const dhcrelay6Argv = (options: Dhcrelay6Options): string[] => [
  'dhcrelay', '-6', '-d', '--no-pid',
  ...(options.interfaceId ? ['-I'] : []),
  ...options.lower.flatMap((lower) => [
    '-l',
    `${lower.linkAddress ? `${lower.linkAddress}%` : ''}${lower.ifname}${lower.interfaceId === undefined ? '' : `#${lower.interfaceId}`}`,
  ]),
  ...options.upper.flatMap((upper) => ['-u', upper.server ? `${upper.server}%${upper.ifname}` : upper.ifname]),
];

const count = (log: string, pattern: RegExp): number => (log.match(pattern) ?? []).length;

/**
 * Starts dhcrelay -6 in ns (the topology stops it at cleanup) and resolves
 * once it listens on every interface it was given; rejects with its output
 * if it exits first (a lower interface without a global address, say).
 */
export const startDhcrelay6 = async (topology: Topology, ns: string, options: Dhcrelay6Options): Promise<Dhcrelay6> => {
  const argv = dhcrelay6Argv(options);
  const child = topology.spawn(ns, argv);
  const log = (): string => child.stderr() + child.stdout();
  const ifnames = [...new Set([...options.lower, ...options.upper].map((end) => end.ifname))];
  for (const deadline = Date.now() + START_TIMEOUT_MS; ; await delay(POLL_MS)) {
    const text = log();
    if (ifnames.every((ifname) => text.includes(`Sending on   Socket/${ifname}`))) break;
    if (!child.running()) throw new Error(`${argv.join(' ')} in ${ns} exited:\n${text}`);
    if (Date.now() > deadline) {
      await child.stop();
      throw new Error(`${argv.join(' ')} in ${ns} not listening within ${START_TIMEOUT_MS} ms:\n${text}`);
    }
  }
  const word = (type: string | undefined): string => type ?? '\\S+';
  return {
    process: child,
    argv,
    log,
    relayedUp: (type) => count(log(), new RegExp(`^Relaying ${word(type)} from \\S+ port \\d+ going up\\.`, 'gm')),
    relayedDown: (type) => count(log(), new RegExp(`^Relaying ${word(type)} to \\S+ port \\d+ down\\.`, 'gm')),
    stop: async () => {
      await child.stop();
    },
  };
};
