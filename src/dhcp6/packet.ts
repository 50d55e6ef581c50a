// The DHCPv6 message (RFC 8415, Section 8), the relay message around it
// (Section 9), and their wire codec.
//
// decodePacket6 reads untrusted datagrams: every read is bounds-checked, it
// never throws, and a datagram it will not accept comes back with a
// DropReason6 (a Prometheus label value) and a human-readable detail. It
// decodes relayed messages down to the client's, and the IAs of every
// message, since their inner options are what a server allocates from.
// encodePacket6 writes options in list order. The getters read the options
// the server acts on and cite where each is defined.

import { fqdnOptionName, type ClientName } from '../dhcp/client-name.ts';
import { dropped, type Decoded } from '../dhcp/decode-result.ts';
import { formatIpv6, ipv6Bytes } from '../net/ipv6.ts';
import { linkLayerOptionAddress, type HardwareAddress } from './hardware-address.ts';
import {
  OPTION_IA_NA,
  OPTION_IA_PD,
  OPTION_IA_TA,
  readIaNa,
  readIaPd,
  readIaTa,
  type IaNa,
  type IaPd,
  type IaTa,
} from './ia.ts';
import { optionsSize, readOptions, writeOptions, type Dhcp6Option, type Malformed, type Parsed } from './option-list.ts';

// RFC 8415, Section 7.2: clients listen on 546, servers and relays on 547.
export const DHCP6_CLIENT_PORT = 546;
export const DHCP6_SERVER_PORT = 547;

// RFC 8415, Section 7.3: message types.
export const SOLICIT = 1;
export const ADVERTISE = 2;
export const REQUEST = 3;
export const CONFIRM = 4;
export const RENEW = 5;
export const REBIND = 6;
export const REPLY = 7;
export const RELEASE = 8;
export const DECLINE = 9;
export const RECONFIGURE = 10;
export const INFORMATION_REQUEST = 11;
export const RELAY_FORW = 12;
export const RELAY_REPL = 13;

const MESSAGE_NAMES = [
  '',
  'SOLICIT',
  'ADVERTISE',
  'REQUEST',
  'CONFIRM',
  'RENEW',
  'REBIND',
  'REPLY',
  'RELEASE',
  'DECLINE',
  'RECONFIGURE',
  'INFORMATION-REQUEST',
  'RELAY-FORW',
  'RELAY-REPL',
] as const;

// Option codes the codec and the getters interpret (RFC 8415, Section 21,
// unless said otherwise).
export const OPTION_CLIENTID = 1; // Section 21.2
export const OPTION_SERVERID = 2; // Section 21.3
export const OPTION_ORO = 6; // Section 21.7
export const OPTION_ELAPSED_TIME = 8; // Section 21.9
export const OPTION_RELAY_MSG = 9; // Section 21.10
export const OPTION_RAPID_COMMIT = 14; // Section 21.14
export const OPTION_INTERFACE_ID = 18; // Section 21.18
export const OPTION_RECONF_ACCEPT = 20; // Section 21.20
export const OPTION_CLIENT_FQDN = 39; // RFC 4704
export const OPTION_CLIENT_LINKLAYER_ADDR = 79; // RFC 6939

/** The largest UDP payload an IPv6 datagram without jumbograms carries (65535 - 8). */
export const MAX_PACKET_SIZE_6 = 65527;
// RFC 8415, Section 8: msg-type and a 3-byte transaction-id.
const MESSAGE_HEADER = 4;
// RFC 8415, Section 9: msg-type, hop-count, link-address, peer-address.
const RELAY_HEADER = 34;
// RFC 8415, Section 7.6 and Section 19.1.1: a relay discards a Relay-forward
// whose hop-count has reached HOP_COUNT_LIMIT (8), and the first relay
// writes hop-count 0, so compliant relays nest a message in at most 9.
const HOP_COUNT_LIMIT = 8;
const MAX_RELAY_LAYERS = HOP_COUNT_LIMIT + 1;
// RFC 8415, Section 11.1: a 2-byte type, then 1 to 128 bytes.
const MIN_DUID = 3;
const MAX_DUID = 130;
const MAX_TRANSACTION_ID = 0xffffff;

/** A message between a client and a server (RFC 8415, Section 8). */
export interface Dhcp6Message {
  msgType: number;
  /** 24 bits, chosen by the client and echoed in the answer. */
  transactionId: number;
  /** In wire order, repeats kept. */
  options: Dhcp6Option[];
}

/** A message between a relay agent and a server (RFC 8415, Section 9). */
export interface Dhcp6Relay {
  /** RELAY_FORW or RELAY_REPL. */
  msgType: number;
  /** How many relays forwarded the message before this one (0: the first). */
  hopCount: number;
  /** An address on the client's link, or :: (RFC 8415, Section 19.1.1). */
  linkAddress: string;
  /** Where the relay got the message from: the client, or the next relay in. */
  peerAddress: string;
  /** The relay's own options in wire order (Interface-Id, Remote-Id, ...), without the Relay Message option. */
  options: Dhcp6Option[];
  /** The message carried in the Relay Message option (RFC 8415, Section 21.10). */
  relayed: Dhcp6Packet;
}

export type Dhcp6Packet = Dhcp6Message | Dhcp6Relay;

export const isRelay = (p: Dhcp6Packet): p is Dhcp6Relay => 'relayed' in p;

/** Every DropReason6, so the drops counter can start each label at zero. */
export const DROP_REASONS_6 = [
  'oversize', // larger than any UDP payload
  'truncated-header', // shorter than the 4-byte message header
  'truncated-relay-header', // a relay message shorter than its 34-byte header
  'unknown-message-type', // not one of RFC 8415's 13 (leasequery and later types included: dhcpg serves none)
  'wrong-direction', // a type the other side receives: ADVERTISE, REPLY, RECONFIGURE, RELAY-REPL at a server
  'option-overrun', // an option's header or data runs past the end of what holds it
  'no-relay-message', // a relay message without the Relay Message option
  'duplicate-relay-message', // a relay message with more than one
  'relay-too-deep', // nested in more relay messages than compliant relays make
  'bad-ia', // IA_NA or IA_PD shorter than 12 bytes, IA_TA shorter than 4
  'bad-iaaddr', // IAADDR shorter than 24 bytes
  'bad-iaprefix', // IAPREFIX shorter than 25 bytes or a prefix length over 128
  'bad-status-code', // inside an IA: shorter than 2 bytes, or twice in one place
] as const;

export type DropReason6 = (typeof DROP_REASONS_6)[number];

export type DecodeResult6 = Decoded<Dhcp6Packet, DropReason6>;

/**
 * Who decodes: a server takes what clients and relays send it (RELAY-FORW
 * around client messages); a client, or a relay's server side, takes what
 * servers send (RELAY-REPL around server messages).
 */
export type Receiver = 'server' | 'client';

// RFC 8415, Section 7.3: each type travels one way.
const RECEIVED_BY: Readonly<Record<Receiver, ReadonlySet<number>>> = {
  server: new Set([SOLICIT, REQUEST, CONFIRM, RENEW, REBIND, RELEASE, DECLINE, INFORMATION_REQUEST, RELAY_FORW]),
  client: new Set([ADVERTISE, REPLY, RECONFIGURE, RELAY_REPL]),
};

/** Decodes a datagram; never throws, whatever the bytes. */
export const decodePacket6 = (buf: Buffer, receiver: Receiver = 'server'): DecodeResult6 => {
  if (buf.length > MAX_PACKET_SIZE_6) return dropped('oversize', `${buf.length} bytes, more than ${MAX_PACKET_SIZE_6}`);
  // One copy, so the packet does not pin the receive buffer; every option is a view of it.
  return decodeLayer(Buffer.from(buf), receiver, 0);
};

// A message or relay message inside `relays` relay messages.
const decodeLayer = (buf: Buffer, receiver: Receiver, relays: number): DecodeResult6 => {
  const msgType = buf[0];
  if (msgType === undefined) return dropped('truncated-header', 'no bytes');
  const name = MESSAGE_NAMES[msgType];
  if (!name) return dropped('unknown-message-type', `message type ${msgType}`);
  if (!RECEIVED_BY[receiver].has(msgType)) {
    return dropped('wrong-direction', `${name} is not sent to a ${receiver}`);
  }
  if (msgType === RELAY_FORW || msgType === RELAY_REPL) return decodeRelay(buf, receiver, relays + 1);
  if (buf.length < MESSAGE_HEADER) {
    return dropped('truncated-header', `${buf.length} bytes, the header takes ${MESSAGE_HEADER}`);
  }
  const options = readOptions(buf, MESSAGE_HEADER, buf.length, name);
  if (!options.ok) return options;
  const problem = iaProblem(options.value);
  if (problem) return { ...problem, detail: `${name}: ${problem.detail}` };
  return { ok: true, packet: { msgType, transactionId: buf.readUIntBE(1, 3), options: options.value } };
};

// The relay message that is the `layer`th from the outside.
const decodeRelay = (buf: Buffer, receiver: Receiver, layer: number): DecodeResult6 => {
  if (layer > MAX_RELAY_LAYERS) return dropped('relay-too-deep', `more than ${MAX_RELAY_LAYERS} relay messages deep`);
  if (buf.length < RELAY_HEADER) {
    return dropped('truncated-relay-header', `relay ${layer}: ${buf.length} bytes, the header takes ${RELAY_HEADER}`);
  }
  const options = readOptions(buf, RELAY_HEADER, buf.length, `relay ${layer}`);
  if (!options.ok) return options;
  const messages = options.value.filter((option) => option.code === OPTION_RELAY_MSG);
  const [message] = messages;
  if (!message) return dropped('no-relay-message', `relay ${layer} carries no message`);
  if (messages.length > 1) return dropped('duplicate-relay-message', `relay ${layer} carries ${messages.length} messages`);
  const relayed = decodeLayer(message.data, receiver, layer);
  if (!relayed.ok) return { ...relayed, detail: `relay ${layer}: ${relayed.detail}` };
  return {
    ok: true,
    packet: {
      msgType: buf.readUInt8(0),
      hopCount: buf.readUInt8(1),
      linkAddress: formatIpv6(buf, 2),
      peerAddress: formatIpv6(buf, 18),
      options: options.value.filter((option) => option.code !== OPTION_RELAY_MSG),
      relayed: relayed.packet,
    },
  };
};

const IA_READERS = new Map<number, (data: Buffer) => Parsed<unknown>>([
  [OPTION_IA_NA, readIaNa],
  [OPTION_IA_TA, readIaTa],
  [OPTION_IA_PD, readIaPd],
]);

// The first malformed IA, if any.
const iaProblem = (options: readonly Dhcp6Option[]): Malformed | undefined => {
  for (const option of options) {
    const result = IA_READERS.get(option.code)?.(option.data);
    if (result && !result.ok) return result;
  }
  return undefined;
};

// ---------------------------------------------------------------------------
// Encoding.

/**
 * Writes a message, or a relay message with its Relay Message option last
 * (after the relay's own options, as Kea writes it) holding the relayed
 * message. Options go out in list order. Throws RangeError on a packet no
 * wire format can carry (a transaction ID over 24 bits, bad address text,
 * an option over 65535 bytes, more than a UDP payload in all, a relay type
 * without relay fields or the reverse), which are programming errors, not
 * client input.
 */
export const encodePacket6 = (p: Dhcp6Packet): Buffer => {
  const size = packetSize(p);
  if (size > MAX_PACKET_SIZE_6) throw new RangeError(`the packet is ${size} bytes, a UDP payload holds ${MAX_PACKET_SIZE_6}`);
  const out = Buffer.alloc(size);
  writePacket(out, 0, p);
  return out;
};

const packetSize = (p: Dhcp6Packet): number =>
  isRelay(p)
    ? RELAY_HEADER + optionsSize(p.options) + 4 + packetSize(p.relayed)
    : MESSAGE_HEADER + optionsSize(p.options);

const writePacket = (out: Buffer, at: number, p: Dhcp6Packet): number => {
  const relayType = p.msgType === RELAY_FORW || p.msgType === RELAY_REPL;
  if (!isRelay(p)) {
    if (relayType || !isByte(p.msgType)) throw new RangeError(`message type ${p.msgType} is not a client or server message`);
    if (!Number.isInteger(p.transactionId) || p.transactionId < 0 || p.transactionId > MAX_TRANSACTION_ID) {
      throw new RangeError(`transaction ID ${p.transactionId} is not 24 bits`);
    }
    out.writeUInt8(p.msgType, at);
    out.writeUIntBE(p.transactionId, at + 1, 3);
    return writeOptions(out, at + MESSAGE_HEADER, p.options);
  }
  if (!relayType) throw new RangeError(`message type ${p.msgType} is not a relay message`);
  if (!isByte(p.hopCount)) throw new RangeError(`hop count ${p.hopCount} is not 0..255`);
  if (p.options.some((option) => option.code === OPTION_RELAY_MSG)) {
    throw new RangeError('the Relay Message option is written from relayed, not from options');
  }
  out.writeUInt8(p.msgType, at);
  out.writeUInt8(p.hopCount, at + 1);
  ipv6Bytes('link-address', p.linkAddress).copy(out, at + 2);
  ipv6Bytes('peer-address', p.peerAddress).copy(out, at + 18);
  const position = writeOptions(out, at + RELAY_HEADER, p.options);
  out.writeUInt16BE(OPTION_RELAY_MSG, position);
  // Within MAX_PACKET_SIZE_6 in all, the relayed message fits the option's length.
  out.writeUInt16BE(packetSize(p.relayed), position + 2);
  return writePacket(out, position + 4, p.relayed);
};

const isByte = (value: number): boolean => Number.isInteger(value) && value >= 0 && value <= 0xff;

/**
 * The skeleton of a server's answer (ADVERTISE or REPLY) to a client's
 * message: its transaction ID, the client's Client Identifier echoed, which
 * RFC 8415, Section 18.3 requires of every answer to a message that has one,
 * and the server's own DUID as Server Identifier. Buffers are copied:
 * changing the answer leaves the request alone.
 */
export const replyFromRequest = (request: Dhcp6Message, msgType: number, serverDuid: Buffer): Dhcp6Message => {
  const client = clientId(request);
  return {
    msgType,
    transactionId: request.transactionId,
    options: [
      ...(client ? [{ code: OPTION_CLIENTID, data: Buffer.from(client) }] : []),
      { code: OPTION_SERVERID, data: Buffer.from(serverDuid) },
    ],
  };
};

/**
 * An answer to a relayed message, wrapped to go back through the same relays
 * (RFC 8415, Section 19.3): a RELAY-REPL for each RELAY-FORW, outermost
 * first, with its hop count and link and peer addresses, and its Interface-Id
 * option copied, as Section 21.18 requires.
 */
export const relayReplyTo = (forward: Dhcp6Relay, answer: Dhcp6Message): Dhcp6Relay => ({
  msgType: RELAY_REPL,
  hopCount: forward.hopCount,
  linkAddress: forward.linkAddress,
  peerAddress: forward.peerAddress,
  options: forward.options
    .filter((option) => option.code === OPTION_INTERFACE_ID)
    .map((option) => ({ code: option.code, data: Buffer.from(option.data) })),
  relayed: isRelay(forward.relayed) ? relayReplyTo(forward.relayed, answer) : answer,
});

// ---------------------------------------------------------------------------
// Getters. Each returns undefined (or the documented default) when the option
// is absent, given more than once where the RFC allows one, or its payload
// does not have the length its RFC gives it, so a malformed option reads as
// an absent one.

const only = (options: readonly Dhcp6Option[], code: number): Buffer | undefined => {
  let found: Buffer | undefined;
  for (const option of options) {
    if (option.code !== code) continue;
    if (found) return undefined;
    found = option.data;
  }
  return found;
};

const has = (options: readonly Dhcp6Option[], code: number): boolean => options.some((option) => option.code === code);

const duid = (options: readonly Dhcp6Option[], code: number): Buffer | undefined => {
  const data = only(options, code);
  return data && data.length >= MIN_DUID && data.length <= MAX_DUID ? data : undefined;
};

/** The client's message inside any relay messages, and the relays outermost first. */
export const relayChain = (p: Dhcp6Packet): { message: Dhcp6Message; relays: Dhcp6Relay[] } => {
  const relays: Dhcp6Relay[] = [];
  let layer = p;
  while (isRelay(layer)) {
    relays.push(layer);
    layer = layer.relayed;
  }
  return { message: layer, relays };
};

/** RFC 8415, Section 21.2: the client's DUID. */
export const clientId = (m: Dhcp6Message): Buffer | undefined => duid(m.options, OPTION_CLIENTID);

/** RFC 8415, Section 21.3: the DUID of the server the client chose. */
export const serverId = (m: Dhcp6Message): Buffer | undefined => duid(m.options, OPTION_SERVERID);

// decodePacket6 drops messages with a malformed IA, so these skip one only in
// a message built in code.
const readAll = <T>(m: Dhcp6Message, code: number, read: (data: Buffer) => Parsed<T>): T[] =>
  m.options.flatMap((option) => {
    if (option.code !== code) return [];
    const result = read(option.data);
    return result.ok ? [result.value] : [];
  });

/** RFC 8415, Section 21.4: the IA_NAs in order, with their addresses. */
export const iaNas = (m: Dhcp6Message): IaNa[] => readAll(m, OPTION_IA_NA, readIaNa);

/** RFC 8415, Section 21.5: the IA_TAs in order, with their addresses. */
export const iaTas = (m: Dhcp6Message): IaTa[] => readAll(m, OPTION_IA_TA, readIaTa);

/** RFC 8415, Section 21.21: the IA_PDs in order, with their prefixes. */
export const iaPds = (m: Dhcp6Message): IaPd[] => readAll(m, OPTION_IA_PD, readIaPd);

/** RFC 8415, Section 21.7: requested option codes in the client's order; [] when absent. */
export const oro = (m: Dhcp6Message): number[] => {
  const data = only(m.options, OPTION_ORO);
  if (!data || data.length % 2 !== 0) return [];
  return Array.from({ length: data.length / 2 }, (_, index) => data.readUInt16BE(2 * index));
};

/** RFC 8415, Section 21.9: hundredths of a second since the client began; 0xffff means longer. */
export const elapsedTime = (m: Dhcp6Message): number | undefined => {
  const data = only(m.options, OPTION_ELAPSED_TIME);
  return data?.length === 2 ? data.readUInt16BE(0) : undefined;
};

/** RFC 8415, Section 21.14: the client takes a REPLY in answer to its SOLICIT. */
export const rapidCommit = (m: Dhcp6Message): boolean => has(m.options, OPTION_RAPID_COMMIT);

/** RFC 8415, Section 21.20: the client accepts RECONFIGURE messages. */
export const reconfigureAccept = (m: Dhcp6Message): boolean => has(m.options, OPTION_RECONF_ACCEPT);

/**
 * RFC 4704, Section 4: the client's name from its FQDN option, without the
 * flags byte. Fully qualified names end with "."; undefined when absent or
 * the name is empty.
 */
export const clientFqdn = (m: Dhcp6Message): ClientName | undefined => {
  const data = only(m.options, OPTION_CLIENT_FQDN);
  if (!data) return undefined;
  if (data.length < 1) return { problem: 'malformed' };
  return fqdnOptionName(data.subarray(1));
};

/** RFC 8415, Section 21.18: the relay's name for the client's link, to echo back. */
export const interfaceId = (r: Dhcp6Relay): Buffer | undefined => only(r.options, OPTION_INTERFACE_ID);

/**
 * RFC 6939: the client's link-layer address as the first-hop relay (the
 * innermost, relayChain's last) saw it.
 */
export const clientLinkLayerAddress = (r: Dhcp6Relay): HardwareAddress | undefined => {
  const data = only(r.options, OPTION_CLIENT_LINKLAYER_ADDR);
  return data && linkLayerOptionAddress(data);
};
