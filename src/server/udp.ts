// The UDP sockets a front-end receives on, all on the DHCP port with
// SO_REUSEADDR so several front-ends on one host all receive broadcasts: one
// per directly attached LAN (--interface), on 0.0.0.0 and bound to that
// interface, so it receives that LAN's broadcasts and its replies leave by
// it; and one on 0.0.0.0 (or a given address) bound to no interface, for
// relays wherever they are.
import dgram from 'node:dgram';
import { lookup, type LookupOneOptions } from 'node:dns';
import { networkInterfaces } from 'node:os';
import { ipv4Value } from '../net/ipv4.ts';
import { bindToDevice, onlyJoinedMulticast } from '../net/bind-to-device.ts';
import { isIPv6 } from 'node:net';

export interface ListeningSocket {
  socket: dgram.Socket;
  /** The directly attached LAN the socket is bound to, with its first IPv4 address (DHCPv6: its link-local one). */
  interface?: { name: string; address: string };
  /** DHCPv6: the socket receives only what was sent to ff02::1:2, and answers through `sender`. */
  multicast?: boolean;
  /** The socket replies go out by, when not this one. */
  sender?: dgram.Socket;
}

export const RECEIVE_BUFFER_BYTES = 4 << 20;

export const interfaceAddress = (name: string): string => {
  const addresses = networkInterfaces()[name];
  if (!addresses) throw new Error(`there is no network interface named ${name} (or it is down)`);
  const address = addresses.find((a) => a.family === 'IPv4')?.address;
  if (!address) throw new Error(`interface ${name} has no IPv4 address`);
  return address;
};

/**
 * The named interfaces that have an IPv4 address (served by DHCPv4) and an
 * IPv6 link-local one (served by DHCPv6): a LAN may be one family's only.
 * One that has neither, or does not exist, is refused.
 */
export const lanFamilies = (names: string[]): { v4: string[]; v6: string[] } => {
  const all = networkInterfaces();
  for (const name of names) {
    const addresses = all[name] ?? [];
    if (!addresses.some((a) => a.family === 'IPv4' || (a.family === 'IPv6' && a.address.startsWith('fe80:')))) {
      throw new Error(`there is no network interface named ${name} (or it is down)`);
    }
  }
  return {
    v4: names.filter((name) => all[name]!.some((a) => a.family === 'IPv4')),
    v6: names.filter((name) => all[name]!.some((a) => a.family === 'IPv6' && a.address.startsWith('fe80:'))),
  };
};

/** Every IPv4 address of this host. */
export const localAddresses = (): Set<string> =>
  new Set(Object.values(networkInterfaces()).flatMap((list) => (list ?? []).filter((a) => a.family === 'IPv4').map((a) => a.address)));

/**
 * Replies go to address literals: those need no resolver call (dgram's
 * default asks dns.lookup for every datagram sent).
 */
const literalLookup = (
  hostname: string,
  options: LookupOneOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void => {
  if (ipv4Value(hostname) !== undefined) callback(null, hostname, 4);
  else if (isIPv6(hostname.split('%')[0]!)) callback(null, hostname, 6);
  else lookup(hostname, options, callback);
};

/** A socket for relayed traffic on address, or, given an interface, for that LAN alone. */
export const openSocket = async (options: { port: number; address: string; interface?: string }): Promise<ListeningSocket> => {
  const lan = options.interface === undefined ? undefined : { name: options.interface, address: interfaceAddress(options.interface) };
  // Clients retransmit in bursts (a power cut ends, a relay restarts): 4 MiB
  // of queue rather than the kernel's default 208 KiB, up to net.core.rmem_max.
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: RECEIVE_BUFFER_BYTES, lookup: literalLookup });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    // A LAN's broadcasts reach only sockets on 0.0.0.0.
    socket.bind({ port: options.port, address: lan ? '0.0.0.0' : options.address }, () => {
      socket.off('error', reject);
      socket.setBroadcast(true);
      resolve();
    });
  });
  if (lan) {
    try {
      bindToDevice(socket, lan.name);
    } catch (error) {
      socket.close();
      throw error;
    }
  }
  return { socket, interface: lan };
};

/**
 * The address this host sends from towards `to`: the kernel's own route and
 * source address choice, read from a UDP socket connected to it (connecting
 * sends nothing). Undefined when there is no route.
 */
const sourceAddressTowards = (to: string): Promise<string | undefined> =>
  new Promise((resolve) => {
    const probe = dgram.createSocket('udp4');
    probe.connect(67, to, (error?: Error) => {
      const address = error ? undefined : probe.address().address;
      probe.close();
      resolve(address);
    });
  });

/**
 * sourceAddressTowards, remembered for ttlMs per destination. The cache is
 * emptied when it reaches maxEntries, so spoofed giaddrs cannot grow it.
 */
export const cachedSourceAddressTowards = (ttlMs = 10_000, maxEntries = 1024): ((to: string) => Promise<string | undefined>) => {
  const cache = new Map<string, { at: number; address: Promise<string | undefined> }>();
  return (to: string): Promise<string | undefined> => {
    const hit = cache.get(to);
    if (hit && Date.now() - hit.at <= ttlMs) return hit.address;
    if (cache.size >= maxEntries) cache.clear();
    const address = sourceAddressTowards(to);
    cache.set(to, { at: Date.now(), address });
    return address;
  };
};

/** RFC 8415, Section 7.1: the group every DHCPv6 server and relay on a link listens to. */
export const ALL_DHCP_RELAY_AGENTS_AND_SERVERS = 'ff02::1:2';

/** A DHCPv6 socket on port, bound to address (with a %scope for a link's group). */
const bindSocket6 = async (port: number, address: string): Promise<dgram.Socket> => {
  const socket = dgram.createSocket({ type: 'udp6', ipv6Only: true, reuseAddr: true, recvBufferSize: RECEIVE_BUFFER_BYTES, lookup: literalLookup });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ port, address }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return socket;
};

/**
 * The DHCPv6 socket for relays: bound to address, for unicast from relays
 * anywhere. Beside LANs' sockets it takes no multicast: those are theirs.
 */
export const openSocket6 = async (options: { port: number; address: string; besideLans?: boolean }): Promise<ListeningSocket> => {
  const socket = await bindSocket6(options.port, options.address);
  try {
    if (options.besideLans) onlyJoinedMulticast(socket);
  } catch (error) {
    socket.close();
    throw error;
  }
  return { socket };
};

/**
 * A LAN's two DHCPv6 sockets, both bound to its interface: one bound to
 * ff02::1:2 and in that group, which receives what clients and relays
 * multicast there, and one for unicast to this host on the LAN, which sends
 * every answer (from the link-local address, to the client's). A client's
 * unicast is told to use multicast (RFC 8415, Section 18.4): it can tell
 * the two apart only by the socket it arrived on.
 */
export const openLanSockets6 = async (port: number, name: string): Promise<ListeningSocket[]> => {
  const lan = { name, address: interfaceAddress6(name) };
  const unicast = await bindSocket6(port, '::');
  let group: dgram.Socket | undefined;
  try {
    bindToDevice(unicast, name);
    onlyJoinedMulticast(unicast);
    group = await bindSocket6(port, `${ALL_DHCP_RELAY_AGENTS_AND_SERVERS}%${name}`);
    bindToDevice(group, name);
    group.addMembership(ALL_DHCP_RELAY_AGENTS_AND_SERVERS, `::%${name}`);
  } catch (error) {
    unicast.close();
    group?.close();
    throw error;
  }
  return [{ socket: unicast, interface: lan }, { socket: group, interface: lan, multicast: true, sender: unicast }];
};

/** The interface's link-local address: the one its clients are answered from. */
const interfaceAddress6 = (name: string): string => {
  const addresses = networkInterfaces()[name];
  if (!addresses) throw new Error(`there is no network interface named ${name} (or it is down)`);
  const address = addresses.find((a) => a.family === 'IPv6' && a.address.startsWith('fe80:'))?.address;
  if (!address) throw new Error(`interface ${name} has no IPv6 link-local address`);
  return address;
};
