// One received datagram to (at most) one reply: decode, check, one call to
// the lease engine, encode. Never throws: whatever goes wrong is a drop with
// a reason, which the caller logs and counts.
import {
  BOOTREQUEST, DHCPDECLINE, DHCPDISCOVER, DHCPINFORM, DHCPRELEASE, DHCPREQUEST,
  clientIdentifier, decodePacket, encodePacket, maxMessageSize, messageType,
  rapidCommit, relayAgentInfo, requestedAddress, serverIdentifier, subnetSelection,
  type Dhcp4Packet,
} from '../dhcp4/packet.ts';
import { databaseErrorKind } from '../db/errors.ts';
import type { Client4, LeaseEngine4, Link4, Reply4 } from '../engine/lease-engine.ts';
import { clientName, type IgnoredName } from './client-name.ts';
import type { FrontendConfig } from './config-cache.ts';
import { buildReply, configuredServerId, destinationOf, type Destination } from './reply.ts';
import { cachedSourceAddressTowards } from './udp.ts';

export interface Received {
  data: Buffer;
  from: Destination;
  /** The interface the datagram arrived on, when the socket is bound to one. */
  interface?: { name: string; address: string };
  /** DHCPv6: whether it was sent to ff02::1:2 (else by unicast to this host). */
  multicast?: boolean;
}

export interface Outcome {
  /** Message type name of the request, for metrics ('unknown' when undecodable). */
  type: string;
  reply?: { data: Buffer; to: Destination; type: string };
  /** Why nothing was sent, when nothing was. */
  drop?: string;
  /** Detail for the log. */
  detail?: string;
  /** The lease engine was asked (its round trip is measured). */
  asked?: boolean;
  /** Leases the reply grants: counted, and each logged with these fields ("lease granted"). */
  granted?: ({ address: string } & Record<string, unknown>)[];
  /** Fields of the debug line of a reply that grants nothing ("replied"). */
  replied?: Record<string, unknown>;
  /** Name options left out of the message (see client-name.ts). */
  ignoredNames?: IgnoredName[];
  /**
   * The database's error, when it says the database (not this message) is
   * unusable: the caller stops being ready until it answers again.
   */
  databaseError?: unknown;
}

export interface HandlerContext {
  engine: LeaseEngine4;
  config(): FrontendConfig;
  /** This host's IPv4 addresses: a REQUEST naming one of them is for us. */
  localAddresses(): Set<string>;
  /** Port replies to clients go to (68, or the test's). */
  clientPort: number;
  /** Whether the database and configuration are usable right now. */
  ready(): boolean;
}

export const MESSAGE_NAMES: Record<number, string> = {
  1: 'discover', 2: 'offer', 3: 'request', 4: 'decline', 5: 'ack', 6: 'nak', 7: 'release', 8: 'inform',
};

const ZERO = '0.0.0.0';

/** The client messages a server answers (RFC 2131 section 3). */
const ANSWERED: ReadonlySet<number> = new Set([DHCPDISCOVER, DHCPREQUEST, DHCPDECLINE, DHCPRELEASE, DHCPINFORM]);

/** This host's address towards a peer (the same for every front-end of a process). */
const sourceAddressTowards = cachedSourceAddressTowards();

const clientOf = (p: Dhcp4Packet): Client4 => ({ hwType: p.htype, hwAddress: p.chaddr, clientId: clientIdentifier(p) });

/** Subnet selection inputs (see sql/select_subnet4.sql for the order). */
const linkOf = (p: Dhcp4Packet, rx: Received, linkSelection: string | undefined): Link4 => {
  const selection = linkSelection ?? subnetSelection(p);
  if (p.giaddr !== ZERO) return { selector: selection ?? p.giaddr, relay: selection ? undefined : p.giaddr };
  return {
    selector: selection ?? (p.ciaddr !== ZERO ? p.ciaddr : rx.interface?.address),
    interface: rx.interface?.name,
  };
};

export const createHandler = (context: HandlerContext) => async (rx: Received): Promise<Outcome> => {
  const decoded = decodePacket(rx.data);
  if (!decoded.ok) return { type: 'unknown', drop: decoded.reason, detail: decoded.detail };
  const request = decoded.packet;
  const code = messageType(request)!;
  const type = MESSAGE_NAMES[code] ?? `type-${code}`;
  if (request.op !== BOOTREQUEST) return { type, drop: 'not-a-request' };
  if (!ANSWERED.has(code)) {
    return { type, drop: 'unsupported-message' };
  }
  const relay = relayAgentInfo(request);
  if (relay && !relay.ok) return { type, drop: 'bad-relay-agent-info', detail: relay.detail };
  const relayInfo = relay?.info;
  if (!context.ready()) return { type, drop: 'not-ready' };

  const client = clientOf(request);
  const link = linkOf(request, rx, relayInfo?.linkSelection);
  const { hostname, ignored: ignoredNames } = clientName(request);
  const details = { circuitId: relayInfo?.circuitId, hostname };

  let decision: Reply4;
  let wantsRapidCommit = false;
  try {
    switch (code) {
      case DHCPDISCOVER:
        wantsRapidCommit = rapidCommit(request);
        decision = await context.engine.discover(client, link, { ...details, requested: requestedAddress(request), rapidCommit: wantsRapidCommit });
        break;
      case DHCPREQUEST: {
        const serverId = serverIdentifier(request);
        if (serverId !== undefined) {
          // SELECTING: the client names the server whose offer it takes.
          const ours = context.config().serverIds.has(serverId) || context.localAddresses().has(serverId)
            || serverId === relayInfo?.serverIdOverride;
          if (!ours) return { type, drop: 'other-server', detail: serverId };
          decision = await context.engine.request(client, link, 'selecting', requestedAddress(request) ?? (request.ciaddr !== ZERO ? request.ciaddr : undefined), details);
        } else if (request.ciaddr !== ZERO) {
          // RENEWING (unicast) and REBINDING (broadcast) are answered alike:
          // a UDP socket cannot tell which destination address was used.
          decision = await context.engine.request(client, link, 'renewing', request.ciaddr, details);
        } else {
          decision = await context.engine.request(client, link, 'init-reboot', requestedAddress(request), details);
        }
        break;
      }
      case DHCPDECLINE: {
        const address = requestedAddress(request);
        if (!address) return { type, drop: 'decline-without-address' };
        decision = await context.engine.decline(client, address);
        break;
      }
      case DHCPRELEASE:
        if (request.ciaddr === ZERO) return { type, drop: 'release-without-address' };
        decision = await context.engine.release(client, request.ciaddr);
        break;
      default:
        decision = await context.engine.inform(client, { ...link, selector: request.ciaddr !== ZERO ? request.ciaddr : link.selector }, details);
    }
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    // Data the database refused fails this message alone (the engine sent
    // the rest of its batch again without it); any other error is the
    // database's.
    if (databaseErrorKind(error) === 'rejected') return { type, drop: 'database-rejected', detail };
    return { type, drop: 'database-error', detail, databaseError: error };
  }

  if (decision.action === 'drop' || decision.action === 'done') {
    return { type, asked: true, drop: decision.action === 'drop' ? decision.reason : undefined, ignoredNames };
  }
  const config = context.config();
  const subnet = decision.subnet_id === null ? undefined : config.subnets.get(decision.subnet_id);
  // Without a configured identifier: the address this host answers from,
  // towards the relay or the client that sent by unicast, else the directly
  // attached LAN's. Any other (the first local address is often 127.0.0.1)
  // leaves clients unable to renew or release by unicast.
  const answeredPeer = request.giaddr !== ZERO ? request.giaddr : request.ciaddr !== ZERO ? request.ciaddr : undefined;
  const serverId = configuredServerId(subnet) ?? relayInfo?.serverIdOverride
    ?? (answeredPeer === undefined ? undefined : await sourceAddressTowards(answeredPeer))
    ?? rx.interface?.address ?? [...context.localAddresses()][0] ?? ZERO;
  const reply = buildReply({
    request,
    decision,
    subnet,
    serverId,
    rapidCommit: wantsRapidCommit && decision.action === 'ack',
  });
  const replyType = MESSAGE_NAMES[reply.options.get(53)![0]!]!;
  return {
    type,
    asked: true,
    granted: replyType === 'ack' && decision.address
      ? [{ address: decision.address, subnet: decision.subnet_id, chaddr: request.chaddr.toString('hex', 0, 6), reason: decision.reason }]
      : undefined,
    replied: { address: decision.address, reason: decision.reason },
    ignoredNames,
    reply: {
      data: encodePacket(reply, { maxSize: maxMessageSize(request) }),
      to: destinationOf(request, reply, rx.from, context.clientPort),
      type: replyType,
    },
  };
};
