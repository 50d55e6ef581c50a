// The UDP socket a front-end receives on: 0.0.0.0 (or a given address) on the
// DHCP port, with SO_REUSEADDR so several front-ends on one host all receive
// broadcasts. Node's dgram can neither bind to an interface nor tell which
// interface a broadcast came in on, so a front-end serves relayed traffic on
// any interface and directly attached clients on at most one interface (named
// with --interface); run one front-end per directly attached LAN.
import dgram from 'node:dgram';
import { lookup, type LookupOneOptions } from 'node:dns';
import { networkInterfaces } from 'node:os';
import { ipv4Value } from '../net/ipv4.ts';

export interface ListeningSocket {
  socket: dgram.Socket;
  /** The directly attached LAN, with its first IPv4 address. */
  interface?: { name: string; address: string };
}

export const RECEIVE_BUFFER_BYTES = 4 << 20;

export const interfaceAddress = (name: string): string => {
  const address = networkInterfaces()[name]?.find((a) => a.family === 'IPv4')?.address;
  if (!address) throw new Error(`interface ${name} has no IPv4 address`);
  return address;
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
  else lookup(hostname, options, callback);
};

export const openSocket = async (options: { port: number; address: string; interface?: string }): Promise<ListeningSocket> => {
  const lan = options.interface === undefined ? undefined : { name: options.interface, address: interfaceAddress(options.interface) };
  // Clients retransmit in bursts (a power cut ends, a relay restarts): 4 MiB
  // of queue rather than the kernel's default 208 KiB, up to net.core.rmem_max.
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: RECEIVE_BUFFER_BYTES, lookup: literalLookup });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ port: options.port, address: options.address }, () => {
      socket.off('error', reject);
      socket.setBroadcast(true);
      resolve();
    });
  });
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
