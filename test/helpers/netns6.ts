// IPv6 in test namespaces (test/helpers/netns.ts): hosts with link-local and
// documentation-prefix (2001:db8::/32) addresses on veths, LANs that carry
// DHCPv6 multicast, a router between a client LAN and a server, and readers
// of a namespace's addresses and routes for assertions.
//
// What was found on Debian 12 (kernel 6.x, iproute2 6.1), with kea-dhcp6 2.2,
// dhclient 4.4.3 and dhcpcd 9.4.1 (see test/helpers/dhcp6-clients.ts):
//
// - DAD. An address added without `nodad` (a link-local one included) is
//   "tentative" for about a second after the link comes up (one NS probe,
//   RetransTimer 1 s), and nothing can bind to it meanwhile:
//     dhclient -6   exits at once: "Can't bind to dhcp address: Cannot assign
//                   requested address";
//     kea-dhcp6     starts, but opens no socket on the interface
//                   (DHCPSRV_OPEN_SOCKET_FAIL ... Failed to open link-local
//                   socket, then DHCPSRV_NO_SOCKETS_OPEN) and never retries;
//     dhcpcd        waits by itself ("delaying DHCPv6 for LL address"), then
//                   also waits for DAD of each address it leases ("waiting for
//                   DHCPv6 DAD to complete"): 4.5 s instead of 1.1 s a lease.
//   So every namespace here gets accept_dad=0 (all and default) before its
//   interfaces exist, addresses are added with `nodad`, and hostOnLan6()
//   still waits until the link-local address is there and nothing is
//   tentative (linkLocal(), settled6()) before anyone starts a DHCP process
//   on it; the client runners check linkLocal() again. DAD only slows
//   tests: no two hosts here share an address unless a test wants them to.
// - The LAN is a Linux bridge in a namespace of its own, a dumb switch: IPv6
//   off in that namespace (the bridge and its ports send no DAD, MLD or RS of
//   their own) and multicast snooping off, so ff02::1:2 reaches every port
//   whether or not the listener's MLD report went by before it was plugged.
// - Clients send from their link-local address, port 546, to ff02::1:2
//   port 547 on their interface; servers answer to the link-local address,
//   port 546. A relay (dhcrelay -6) sends RELAY-FORW from its upstream
//   interface's global address, port 547, to the server (unicast, or
//   All_DHCP_Servers ff05::1:3 with `-u ifname`), and the server sends
//   RELAY-REPL back to that address, port 547 (RFC 8415, Section 19.1; a
//   different port only with a Relay Source Port option, RFC 8357). So a
//   server on the same link as its relay needs no route at all, and
//   relayedLan() gives it none.
import { exec, type BridgeRef, type Topology } from './netns.ts';

const POLL_MS = 50;
const LINK_LOCAL_TIMEOUT_MS = 5_000;

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const sysctl = async (ns: string, settings: Record<string, number>): Promise<void> => {
  await exec(ns, ['sysctl', '-qw', ...Object.entries(settings).map(([key, value]) => `${key}=${value}`)]);
};

export interface Ipv6Options {
  /** Duplicate address detection on interfaces created from now on (default off: see the top of this file). */
  dad?: boolean;
}

/**
 * IPv6 on for ns and every interface created in it from now on, DAD off
 * unless options.dad. Call before adding its interfaces: they copy the
 * namespace's defaults when they are created.
 */
export const enableIpv6 = async (ns: string, options: Ipv6Options = {}): Promise<void> => {
  const dad = options.dad ? 1 : 0;
  await sysctl(ns, {
    'net.ipv6.conf.all.disable_ipv6': 0,
    'net.ipv6.conf.default.disable_ipv6': 0,
    'net.ipv6.conf.all.accept_dad': dad,
    'net.ipv6.conf.default.accept_dad': dad,
  });
};

/** IPv6 off for ns and every interface created in it from now on (a switch's namespace). */
export const disableIpv6 = async (ns: string): Promise<void> => {
  await sysctl(ns, { 'net.ipv6.conf.all.disable_ipv6': 1, 'net.ipv6.conf.default.disable_ipv6': 1 });
};

/** Routing between interfaces of ns (a router's namespace). */
export const enableForwarding6 = async (ns: string): Promise<void> => {
  await sysctl(ns, { 'net.ipv6.conf.all.forwarding': 1 });
};

/** Adds an address (CIDR, e.g. '2001:db8:1::1/64') to ifname in ns, usable at once (nodad) unless dad. */
export const addAddress6 = async (ns: string, ifname: string, cidr: string, options: Ipv6Options = {}): Promise<void> => {
  await exec(ns, ['ip', '-6', 'addr', 'add', cidr, 'dev', ifname, ...(options.dad ? [] : ['nodad'])]);
};

/** One IPv6 address of an interface, as `ip -j -6 addr` shows it. */
export interface Address6 {
  ifname: string;
  address: string;
  prefixLength: number;
  /** 'link', 'global', 'host'. */
  scope: string;
  /** DAD still running: nothing can bind to it yet. */
  tentative: boolean;
  dadFailed: boolean;
  /** Preferred lifetime over (0): still valid, no longer chosen as a source. */
  deprecated: boolean;
  /** Added with lifetimes (by a DHCPv6 client or SLAAC), not forever. */
  dynamic: boolean;
  noPrefixRoute: boolean;
  /** Seconds left; undefined for forever. */
  validLifetime: number | undefined;
  preferredLifetime: number | undefined;
}

interface IpAddrJson {
  ifname: string;
  addr_info?: Array<{
    family: string;
    local: string;
    prefixlen: number;
    scope: string;
    tentative?: boolean;
    dadfailed?: boolean;
    deprecated?: boolean;
    dynamic?: boolean;
    noprefixroute?: boolean;
    valid_life_time?: number;
    preferred_life_time?: number;
  }>;
}

const FOREVER = 0xffffffff;
const lifetime = (value: number | undefined): number | undefined =>
  value === undefined || value === FOREVER ? undefined : value;

/** The IPv6 addresses in ns, of ifname only when given. */
export const addresses6 = async (ns: string, ifname?: string): Promise<Address6[]> => {
  const { stdout } = await exec(ns, ['ip', '-j', '-6', 'addr', 'show', ...(ifname ? ['dev', ifname] : [])]);
  const links = JSON.parse(stdout || '[]') as IpAddrJson[];
  return links.flatMap((link) =>
    (link.addr_info ?? [])
      .filter((info) => info.family === 'inet6')
      .map((info) => ({
        ifname: link.ifname,
        address: info.local,
        prefixLength: info.prefixlen,
        scope: info.scope,
        tentative: info.tentative === true,
        dadFailed: info.dadfailed === true,
        deprecated: info.deprecated === true,
        dynamic: info.dynamic === true,
        noPrefixRoute: info.noprefixroute === true,
        validLifetime: lifetime(info.valid_life_time),
        preferredLifetime: lifetime(info.preferred_life_time),
      })),
  );
};

/** The global-scope addresses on ifname in ns, as 'address/length'. */
export const globalAddresses6 = async (ns: string, ifname: string): Promise<string[]> =>
  (await addresses6(ns, ifname))
    .filter((a) => a.scope === 'global')
    .map((a) => `${a.address}/${a.prefixLength}`);

/**
 * The link-local address of ifname in ns once it is usable (present, not
 * tentative), polled for up to timeoutMs. Rejects if DAD failed or time ran out.
 */
export const linkLocal = async (ns: string, ifname: string, timeoutMs = LINK_LOCAL_TIMEOUT_MS): Promise<string> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await addresses6(ns, ifname)).find((a) => a.scope === 'link');
    if (found?.dadFailed) throw new Error(`DAD failed for ${found.address} on ${ifname} in ${ns}`);
    if (found && !found.tentative) return found.address;
    if (Date.now() > deadline) {
      throw new Error(`no usable link-local address on ${ifname} in ${ns} within ${timeoutMs} ms: ${JSON.stringify(found)}`);
    }
    await delay(POLL_MS);
  }
};

/** The MAC address of ifname in ns ('aa:bb:cc:dd:ee:ff'): what DUID-LL/LLT and dhclient's IAIDs are made of. */
export const macAddress = async (ns: string, ifname: string): Promise<string> => {
  const { stdout } = await exec(ns, ['ip', '-j', 'link', 'show', 'dev', ifname]);
  const [link] = JSON.parse(stdout) as Array<{ address?: string }>;
  if (!link?.address) throw new Error(`no MAC address on ${ifname} in ${ns}: ${stdout}`);
  return link.address;
};

/** Resolves once no address on ifname in ns is tentative any more (polled up to timeoutMs); rejects if DAD failed. */
export const settled6 = async (ns: string, ifname: string, timeoutMs = LINK_LOCAL_TIMEOUT_MS): Promise<Address6[]> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await addresses6(ns, ifname);
    const failed = all.find((a) => a.dadFailed);
    if (failed) throw new Error(`DAD failed for ${failed.address} on ${ifname} in ${ns}`);
    if (all.length > 0 && !all.some((a) => a.tentative)) return all;
    if (Date.now() > deadline) throw new Error(`addresses on ${ifname} in ${ns} still tentative after ${timeoutMs} ms: ${JSON.stringify(all)}`);
    await delay(POLL_MS);
  }
};

/** One IPv6 route, as `ip -j -6 route` shows it. */
export interface Route6 {
  /** 'default' or a prefix, e.g. '2001:db8:1::/64' (a /128 shows as the bare address). */
  dst: string;
  gateway: string | undefined;
  dev: string | undefined;
  /** 'unicast', or e.g. 'unreachable' for the reject route dhcpcd adds for a delegated prefix. */
  type: string;
  /** Who added it: 'kernel', 'boot' (ip route add), 'dhcp', 'ra'... */
  protocol: string;
  metric: number | undefined;
}

interface IpRouteJson {
  type?: string;
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  metric?: number;
}

/** The main-table IPv6 routes of ns. */
export const routes6 = async (ns: string): Promise<Route6[]> => {
  const { stdout } = await exec(ns, ['ip', '-j', '-6', 'route', 'show']);
  return (JSON.parse(stdout || '[]') as IpRouteJson[]).map((route) => ({
    dst: route.dst,
    gateway: route.gateway,
    dev: route.dev,
    type: route.type ?? 'unicast',
    protocol: route.protocol ?? 'boot',
    metric: route.metric,
  }));
};

/**
 * A LAN for IPv6: a bridge in a namespace of its own with IPv6 off there
 * and multicast snooping off, like an unmanaged switch.
 */
export const addLan6 = async (topology: Topology): Promise<BridgeRef> => {
  const ns = await topology.addNamespace();
  await disableIpv6(ns);
  const bridge = await topology.addBridge(ns);
  await exec(ns, ['ip', 'link', 'set', bridge.name, 'type', 'bridge', 'mcast_snooping', '0']);
  return bridge;
};

/** A namespace with IPv6 on (enableIpv6) and nothing else yet. */
export const addNamespace6 = async (topology: Topology, options: Ipv6Options = {}): Promise<string> => {
  const ns = await topology.addNamespace();
  await enableIpv6(ns, options);
  return ns;
};

export interface Attach6 {
  /** Default 'eth0'. */
  ifname?: string;
  /** CIDR addresses, added nodad (unless the namespace runs DAD). */
  addresses?: string[];
}

/** An interface of a host on a LAN, with its usable link-local address. */
export interface Host6 {
  ns: string;
  ifname: string;
  linkLocal: string;
}

/**
 * Plugs an existing IPv6 namespace (addNamespace6) into lan as
 * options.ifname, with the given addresses and nothing else (no route but
 * the prefixes' own); resolves once its link-local address and the others
 * are usable (none tentative: with DAD on, about a second).
 */
export const plugIntoLan6 = async (topology: Topology, lan: BridgeRef, ns: string, options: Attach6 = {}): Promise<Host6> => {
  const ifname = options.ifname ?? 'eth0';
  const { stdout } = await exec(ns, ['sysctl', '-n', 'net.ipv6.conf.default.accept_dad']);
  const dad = stdout.trim() !== '0';
  await topology.attachToBridge(lan, { ns, ifname });
  for (const cidr of options.addresses ?? []) await addAddress6(ns, ifname, cidr, { dad });
  const timeoutMs = dad ? 10_000 : LINK_LOCAL_TIMEOUT_MS;
  const address = await linkLocal(ns, ifname, timeoutMs);
  await settled6(ns, ifname, timeoutMs);
  return { ns, ifname, linkLocal: address };
};

/** A new host namespace on lan (see plugIntoLan6): a client with no address, or a server with its LAN address. */
export const hostOnLan6 = async (
  topology: Topology,
  lan: BridgeRef,
  options: Attach6 & Ipv6Options = {},
): Promise<Host6> => plugIntoLan6(topology, lan, await addNamespace6(topology, options), options);

/** What relayedLan6 built. */
export interface RelayedLan6 {
  /** The client LAN. */
  lan: BridgeRef;
  /** The router's namespace: eth0 on the client LAN, eth1 on the link to the server. */
  router: string;
  routerLan: Host6;
  routerUplink: Host6;
  /** The server's namespace: eth0 on the link to the router, with only its address there. */
  server: Host6;
  /** The router's and the server's addresses on the link, without length. */
  routerLinkAddress: string;
  serverAddress: string;
}

/**
 * A client LAN behind a router, and a server one link further: the router's
 * eth0 on a new LAN at relayed.router (CIDR, e.g. '2001:db8:2::1/64'),
 * its eth1 and the server's eth0 on a point-to-point link (link.router,
 * link.server, CIDR). The router forwards; the server gets its link address
 * only (it answers the relay on-link: see the top of this file). Start the
 * relay with startDhcrelay6 (test/helpers/dhcrelay6.ts) and a server in
 * server.ns.
 */
export const relayedLan6 = async (
  topology: Topology,
  relayed: { router: string },
  link: { router: string; server: string },
): Promise<RelayedLan6> => {
  const lan = await addLan6(topology);
  const router = await addNamespace6(topology);
  const routerLan = await plugIntoLan6(topology, lan, router, { ifname: 'eth0', addresses: [relayed.router] });
  const serverNs = await addNamespace6(topology);
  await topology.addVeth({ ns: router, ifname: 'eth1' }, { ns: serverNs, ifname: 'eth0' });
  await addAddress6(router, 'eth1', link.router);
  await addAddress6(serverNs, 'eth0', link.server);
  await enableForwarding6(router);
  return {
    lan,
    router,
    routerLan,
    routerUplink: { ns: router, ifname: 'eth1', linkLocal: await linkLocal(router, 'eth1') },
    server: { ns: serverNs, ifname: 'eth0', linkLocal: await linkLocal(serverNs, 'eth0') },
    routerLinkAddress: link.router.split('/')[0]!,
    serverAddress: link.server.split('/')[0]!,
  };
};
