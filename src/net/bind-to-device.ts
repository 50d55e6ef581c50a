// Binding a UDP socket to one network interface (Linux SO_BINDTOIFINDEX),
// through the sockopt native module (a prebuilt N-API binary, so npm ci needs
// no compiler). A socket bound so receives only what arrived on that
// interface, so a front-end knows the LAN of every datagram, and everything it
// sends leaves by that interface whatever the host's routes: a broadcast to
// 255.255.255.255 needs no route, which a socket bound to no device does.
// Node's dgram can do neither. sockopt sets integer options only, hence the
// interface's index rather than SO_BINDTODEVICE's name.
import type dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { platform } from 'node:os';

const SOL_SOCKET = 1;
/** Linux 5.0 and later. */
const SO_BINDTOIFINDEX = 62;
const IPPROTO_IPV6 = 41;
const IPV6_MULTICAST_ALL = 29;

interface Sockopt {
  setsockopt(socket: dgram.Socket, level: number, name: number, value: number): void;
}

let sockopt: Sockopt | undefined;
const loadSockopt = (): Sockopt => {
  if (platform() !== 'linux') throw new Error(`serving an interface directly needs Linux (this is ${platform()}); relayed networks need no --interface`);
  try {
    sockopt ??= createRequire(import.meta.url)('sockopt') as Sockopt;
    return sockopt;
  } catch (error) {
    throw new Error(`serving an interface directly needs the npm module sockopt, which did not load (${(error as Error).message}): run npm ci`);
  }
};

/** The kernel's index of the interface, from sysfs. */
export const interfaceIndex = (name: string): number => {
  const index = /^[\w.:@-]+$/.test(name) ? Number(readOr(`/sys/class/net/${name}/ifindex`)) : Number.NaN;
  if (!Number.isInteger(index) || index <= 0) throw new Error(`there is no network interface named ${name}`);
  return index;
};

const readOr = (path: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

/** One integer option on a bound (so opened) socket. */
const setOption = (socket: dgram.Socket, level: number, name: number, value: number, what: string): void => {
  const module = loadSockopt();
  // sockopt finds the descriptor through dgram's _handle, which Node reports
  // as deprecated at every start; the descriptor has no other way out.
  const quiet = process.noDeprecation;
  process.noDeprecation = true;
  try {
    module.setsockopt(socket, level, name, value);
  } catch (error) {
    throw new Error(`could not ${what}: ${(error as Error).message}`);
  } finally {
    process.noDeprecation = quiet;
  }
};

/** Binds a bound (so opened) socket to the interface. */
export const bindToDevice = (socket: dgram.Socket, name: string): void =>
  setOption(socket, SOL_SOCKET, SO_BINDTOIFINDEX, interfaceIndex(name), `bind the DHCP socket to ${name}`);

/**
 * Linux hands a multicast datagram to every socket on its port that joined
 * no group, whoever joined it (IPV6_MULTICAST_ALL, on by default): the
 * DHCPv6 relays' socket would get a copy of every client's multicast that a
 * LAN's socket answers. Off, it gets only the groups it joined: none.
 */
export const onlyJoinedMulticast = (socket: dgram.Socket): void =>
  setOption(socket, IPPROTO_IPV6, IPV6_MULTICAST_ALL, 0, 'limit the DHCPv6 socket to its own multicast groups');
