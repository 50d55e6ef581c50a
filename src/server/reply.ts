// Building a reply from the engine's decision and addressing it (RFC 2131,
// sections 4.1 and 4.3).
import {
  DHCPACK, DHCPNAK, DHCPOFFER, replyFromRequest, parameterRequestList, hostName,
  type Dhcp4Packet,
} from '../dhcp4/packet.ts';
import { formatIpv4, ipv4ToNumber, parseIpv4 } from '../net/ipv4.ts';
import type { Reply4 } from '../engine/lease-engine.ts';
import { encodeOptions, type CachedSubnet, type EncodedOptions } from './config-cache.ts';

// RFC 2132 option codes the reply sets itself.
const SUBNET_MASK = 1; // Section 3.3
const HOST_NAME = 12; // Section 3.14
const LEASE_TIME = 51; // Section 9.2
const SERVER_IDENTIFIER = 54; // Section 9.7
const RENEWAL_TIME = 58; // Section 9.11
const REBINDING_TIME = 59; // Section 9.12
const RAPID_COMMIT = 80; // RFC 4039, Section 4

const uint32 = (value: number): Buffer => {
  const buffer = Buffer.allocUnsafe(4);
  buffer.writeUInt32BE(value);
  return buffer;
};

/**
 * Configured options, most specific last: subnet (already merged with shared
 * network and global), pool, reservation. Sent when the client asked for them
 * (option 55) or when marked always-send.
 */
const addConfiguredOptions = (reply: Dhcp4Packet, request: Dhcp4Packet, layers: EncodedOptions[]): void => {
  const requested = parameterRequestList(request);
  for (const layer of layers) {
    for (const [code, payload] of layer.payloads) {
      if (code === SERVER_IDENTIFIER) continue; // set by the caller
      if (requested.includes(code) || layer.alwaysSend.has(code)) reply.options.set(code, payload);
      else reply.options.delete(code);
    }
  }
};

export interface ReplyContext {
  request: Dhcp4Packet;
  decision: Reply4;
  subnet: CachedSubnet | undefined;
  serverId: string;
  /** The client asked for rapid commit and got an ACK to its DISCOVER. */
  rapidCommit?: boolean;
}

/** The dhcp-server-identifier configured for this subnet (or inherited), if any. */
export const configuredServerId = (subnet: CachedSubnet | undefined): string | undefined => {
  const configured = subnet?.options.payloads.get(SERVER_IDENTIFIER);
  return configured ? formatIpv4(configured) : undefined;
};

/** DHCPOFFER / DHCPACK / DHCPNAK for the engine's decision. */
export const buildReply = ({ request, decision, subnet, serverId, rapidCommit }: ReplyContext): Dhcp4Packet => {
  const type = decision.action === 'offer' ? DHCPOFFER : decision.action === 'nak' ? DHCPNAK : DHCPACK;
  const reply = replyFromRequest(request, type);
  reply.options.set(SERVER_IDENTIFIER, parseIpv4(serverId)!);
  // RFC 2131, Table 3: a NAK carries no configuration.
  if (type === DHCPNAK) return reply;

  const inform = decision.address === null;
  if (inform) {
    reply.ciaddr = request.ciaddr;
  } else {
    reply.yiaddr = decision.address!;
    reply.options.set(LEASE_TIME, uint32(decision.valid_lifetime!));
    if (decision.renew_timer) reply.options.set(RENEWAL_TIME, uint32(decision.renew_timer));
    if (decision.rebind_timer) reply.options.set(REBINDING_TIME, uint32(decision.rebind_timer));
  }
  if (subnet) {
    reply.options.set(SUBNET_MASK, subnet.subnetMask);
    const address = decision.address ? ipv4ToNumber(decision.address) : undefined;
    const pool = address === undefined ? undefined : subnet.pools.find((p) => address >= p.first && address <= p.last);
    const layers = [subnet.options];
    if (pool) layers.push(pool);
    if (decision.option_data) layers.push(encodeOptions(decision.option_data));
    addConfiguredOptions(reply, request, layers);
    // Option 1 is always sent: clients cannot configure the address without it.
    if (!reply.options.has(SUBNET_MASK)) reply.options.set(SUBNET_MASK, subnet.subnetMask);
  }
  // A host name from a reservation is told to the client.
  const sent = hostName(request);
  if (decision.hostname && !(sent && 'name' in sent && sent.name === decision.hostname)) {
    reply.options.set(HOST_NAME, Buffer.from(decision.hostname, 'utf8'));
  }
  if (rapidCommit) reply.options.set(RAPID_COMMIT, Buffer.alloc(0));
  return reply;
};

export interface Destination {
  address: string;
  port: number;
}

/**
 * RFC 2131, Section 4.1: to the relay when there is one, broadcast for a NAK,
 * to ciaddr when the client has an address, broadcast when the client asked
 * for it, else to the new address (which, without writing the client's MAC
 * into the ARP cache, a UDP socket cannot reach: broadcast instead).
 * The relay is answered on the port it sent from (67 for a real relay).
 */
export const destinationOf = (request: Dhcp4Packet, reply: Dhcp4Packet, from: Destination, clientPort: number): Destination => {
  if (request.giaddr !== '0.0.0.0') return { address: request.giaddr, port: from.port };
  const type = reply.options.get(53)?.[0];
  if (type !== DHCPNAK && request.ciaddr !== '0.0.0.0') return { address: request.ciaddr, port: clientPort };
  return { address: '255.255.255.255', port: clientPort };
};
