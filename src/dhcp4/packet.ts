// The DHCPv4 message (RFC 2131, Section 2) and its wire codec.
//
// decodePacket reads untrusted datagrams: every read is bounds-checked, it
// never throws, and a datagram it will not accept comes back with a
// DropReason (a Prometheus label value) and a human-readable detail.
// encodePacket writes the options the way picky relays and old clients
// expect. The getters read the options the server acts on and cite where
// each is defined.

import { fqdnOptionName, nameText, type ClientName } from '../dhcp/client-name.ts';
import { dropped, type Decoded } from '../dhcp/decode-result.ts';
import { formatIpv4, ipv4Value } from '../net/ipv4.ts';

// RFC 2131, Section 4.1: servers listen on 67, clients on 68.
export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;

// RFC 2131, Section 2: the op field.
export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;

// RFC 2132, Section 9.6. decodePacket accepts every type IANA has assigned,
// 1..18 (RFC 3203 FORCERENEW, RFC 4388 / 6926 / 7724 leasequery, RFC 7724
// TLS); which of them the server answers is the dispatcher's business.
export const DHCPDISCOVER = 1;
export const DHCPOFFER = 2;
export const DHCPREQUEST = 3;
export const DHCPDECLINE = 4;
export const DHCPACK = 5;
export const DHCPNAK = 6;
export const DHCPRELEASE = 7;
export const DHCPINFORM = 8;
const LAST_MESSAGE_TYPE = 18;

// Option codes the codec itself interprets.
const PAD = 0; // RFC 2132, Section 3.1
const SUBNET_MASK = 1; // RFC 2132, Section 3.3
const HOST_NAME = 12; // RFC 2132, Section 3.14
const REQUESTED_ADDRESS = 50; // RFC 2132, Section 9.1
const LEASE_TIME = 51; // RFC 2132, Section 9.2
const OVERLOAD = 52; // RFC 2132, Section 9.3
const MESSAGE_TYPE = 53; // RFC 2132, Section 9.6
const SERVER_IDENTIFIER = 54; // RFC 2132, Section 9.7
const PARAMETER_REQUEST_LIST = 55; // RFC 2132, Section 9.8
const MAX_MESSAGE_SIZE = 57; // RFC 2132, Section 9.10
const CLIENT_IDENTIFIER = 61; // RFC 2132, Section 9.14
const RAPID_COMMIT = 80; // RFC 4039, Section 4
const CLIENT_FQDN = 81; // RFC 4702, Section 2
const RELAY_AGENT_INFORMATION = 82; // RFC 3046, Section 2.0
const SUBNET_SELECTION = 118; // RFC 3011, Section 3
const END = 255; // RFC 2132, Section 3.2

// RFC 2131, Section 2 (Figure 1): fixed header offsets.
const CHADDR_OFFSET = 28;
const CHADDR_SIZE = 16;
const SNAME_OFFSET = 44;
const SNAME_SIZE = 64;
const FILE_OFFSET = 108;
const FILE_SIZE = 128;
const COOKIE_OFFSET = 236;
const OPTIONS_OFFSET = 240;
// RFC 2131, Section 3: the first four octets of the options field.
const MAGIC_COOKIE = 0x63825363;

/** The largest UDP payload an IPv4 datagram can carry (65535 - 20 - 8); nothing bigger is a packet. */
export const MAX_PACKET_SIZE = 65507;
// RFC 1542, Section 2.1: BOOTP messages are at least 300 octets, and some
// relays still drop shorter ones.
const MIN_PACKET_SIZE = 300;
// RFC 2132, Section 9.10: no client may announce less than 576, an IP
// datagram size; the DHCP message must leave room for the IP and UDP headers.
const MIN_MAX_MESSAGE_SIZE = 576;
const IP_UDP_HEADERS = 28;

export interface Dhcp4Packet {
  /** BOOTREQUEST (1) from clients and relays, BOOTREPLY (2) from servers. */
  op: number;
  /** Hardware address type, ARP numbering (1 = Ethernet). Any value is accepted. */
  htype: number;
  /** Hardware address length, 1..16; always chaddr.length. */
  hlen: number;
  /** Relay agents increment this as they forward. */
  hops: number;
  /** Transaction ID chosen by the client, echoed in replies. */
  xid: number;
  /** Seconds since the client began acquiring or renewing. */
  secs: number;
  /** Bit 15 (0x8000) is the broadcast flag (RFC 2131, Section 2). */
  flags: number;
  /** Client address, when the client is bound and can answer ARP. */
  ciaddr: string;
  /** "Your" address: the one the server offers or acknowledges. */
  yiaddr: string;
  /** Next server in bootstrap (TFTP), set by servers. */
  siaddr: string;
  /** Relay agent address, 0.0.0.0 when not relayed. */
  giaddr: string;
  /** The client's hardware address, hlen bytes. */
  chaddr: Buffer;
  /** Server host name, a NUL-terminated field of 64 bytes; '' when empty or carrying options. */
  sname: string;
  /** Boot file name, a NUL-terminated field of 128 bytes; '' when empty or carrying options. */
  file: string;
  /**
   * Option payloads by code. Decoding gathers them from the options field and,
   * when overloaded, the file and sname fields, and joins repeated instances
   * (RFC 3396); PAD, END and option overload (52) are framing and never appear.
   */
  options: Map<number, Buffer>;
}

/** Every DropReason, so the drops counter can start each label at zero. */
export const DROP_REASONS = [
  'oversize', // larger than any UDP payload
  'truncated-header', // shorter than the fixed header and magic cookie
  'bad-op', // op is neither BOOTREQUEST nor BOOTREPLY
  'bad-hlen', // hardware address length outside 1..16
  'bad-magic', // no DHCP magic cookie: plain BOOTP or not DHCP at all
  'option-overrun', // an option's length runs past the end of its field
  'no-end-option', // a field of options is not terminated by END
  'bad-overload', // option overload malformed, or found outside the options field
  'no-message-type', // no DHCP message type option
  'bad-option-length', // message type option not exactly one byte
  'bad-message-type', // message type outside 1..18
] as const;

export type DropReason = (typeof DROP_REASONS)[number];

export type DecodeResult = Decoded<Dhcp4Packet, DropReason>;

/** One option instance found in a field, as offsets into the datagram. */
interface OptionInstance {
  readonly code: number;
  readonly start: number;
  readonly end: number;
}

/** Decodes a datagram; never throws, whatever the bytes. */
export const decodePacket = (buf: Buffer): DecodeResult => {
  if (buf.length > MAX_PACKET_SIZE) return dropped('oversize', `${buf.length} bytes, more than ${MAX_PACKET_SIZE}`);
  if (buf.length < OPTIONS_OFFSET) {
    return dropped('truncated-header', `${buf.length} bytes, the header and magic cookie take ${OPTIONS_OFFSET}`);
  }
  const op = buf.readUInt8(0);
  if (op !== BOOTREQUEST && op !== BOOTREPLY) return dropped('bad-op', `op ${op}`);
  const hlen = buf.readUInt8(2);
  if (hlen < 1 || hlen > CHADDR_SIZE) return dropped('bad-hlen', `hlen ${hlen}`);
  const cookie = buf.readUInt32BE(COOKIE_OFFSET);
  if (cookie !== MAGIC_COOKIE) return dropped('bad-magic', `magic cookie 0x${cookie.toString(16).padStart(8, '0')}`);

  const instances: OptionInstance[] = [];
  const optionsProblem = scanField(buf, OPTIONS_OFFSET, buf.length, 'options', instances);
  if (optionsProblem) return optionsProblem;

  // RFC 2132, Section 9.3: 1 = options continue in file, 2 = in sname, 3 = both.
  const overloadInstances = instances.filter((instance) => instance.code === OVERLOAD);
  let overload = 0;
  if (overloadInstances.length > 0) {
    const [only] = overloadInstances;
    const value = only !== undefined && only.end - only.start === 1 ? buf.readUInt8(only.start) : 0;
    if (overloadInstances.length !== 1 || value < 1 || value > 3) {
      return dropped('bad-overload', `option overload must be one byte of 1, 2 or 3`);
    }
    overload = value;
  }
  // RFC 3396, Section 5: the aggregate option buffer is the options field,
  // then file, then sname, in that order.
  if (overload & 1) {
    const problem = scanField(buf, FILE_OFFSET, FILE_OFFSET + FILE_SIZE, 'file', instances);
    if (problem) return problem;
  }
  if (overload & 2) {
    const problem = scanField(buf, SNAME_OFFSET, SNAME_OFFSET + SNAME_SIZE, 'sname', instances);
    if (problem) return problem;
  }

  const options = joinInstances(buf, instances);
  options.delete(OVERLOAD);

  const messageType = options.get(MESSAGE_TYPE);
  if (!messageType) return dropped('no-message-type', 'no option 53');
  if (messageType.length !== 1) return dropped('bad-option-length', `option 53 is ${messageType.length} bytes, not 1`);
  const type = messageType.readUInt8(0);
  if (type < 1 || type > LAST_MESSAGE_TYPE) return dropped('bad-message-type', `message type ${type}`);

  return {
    ok: true,
    packet: {
      op,
      htype: buf.readUInt8(1),
      hlen,
      hops: buf.readUInt8(3),
      xid: buf.readUInt32BE(4),
      secs: buf.readUInt16BE(8),
      flags: buf.readUInt16BE(10),
      ciaddr: formatIpv4(buf, 12),
      yiaddr: formatIpv4(buf, 16),
      siaddr: formatIpv4(buf, 20),
      giaddr: formatIpv4(buf, 24),
      chaddr: Buffer.from(buf.subarray(CHADDR_OFFSET, CHADDR_OFFSET + hlen)),
      sname: overload & 2 ? '' : readCString(buf, SNAME_OFFSET, SNAME_SIZE),
      file: overload & 1 ? '' : readCString(buf, FILE_OFFSET, FILE_SIZE),
      options,
    },
  };
};

// Walks one field of options from `start` to `end`, collecting instances.
// Each field is walked once, front to back, and overload is only honoured in
// the options field (where RFC 2131, Section 4.1 puts it), so no packet can
// send the decoder round in circles. RFC 2131, Section 4.1 requires END in
// every field once options overflow into file and sname; dhcpg requires it in
// the options field always, because without it a datagram cut short at an
// option boundary would look complete.
const scanField = (
  buf: Buffer,
  start: number,
  end: number,
  field: 'options' | 'file' | 'sname',
  instances: OptionInstance[],
): DecodeResult | undefined => {
  let position = start;
  for (;;) {
    if (position >= end) return dropped('no-end-option', `the ${field} field has no END option`);
    const code = buf.readUInt8(position);
    if (code === END) return undefined;
    if (code === PAD) {
      position++;
      continue;
    }
    if (position + 1 >= end) return dropped('option-overrun', `option ${code} at offset ${position} has no length`);
    const length = buf.readUInt8(position + 1);
    const dataEnd = position + 2 + length;
    if (dataEnd > end) {
      return dropped(
        'option-overrun',
        `option ${code} at offset ${position} claims ${length} bytes, the ${field} field has ${end - position - 2} left`,
      );
    }
    if (code === OVERLOAD && field !== 'options') {
      return dropped('bad-overload', `option overload inside the ${field} field`);
    }
    instances.push({ code, start: position + 2, end: dataEnd });
    position = dataEnd;
  }
};

// RFC 3396, Section 7: instances of one code are concatenated in the order
// they appear in the aggregate option buffer. The payloads are copied so the
// packet does not pin the receive buffer. One map, filled in one pass: most
// options come in one instance, and an array of parts per code was a sixth
// of what a front-end allocated per message.
const joinInstances = (buf: Buffer, instances: readonly OptionInstance[]): Map<number, Buffer> => {
  const options = new Map<number, Buffer>();
  for (const { code, start, end } of instances) {
    const part = buf.subarray(start, end);
    const earlier = options.get(code);
    options.set(code, earlier ? Buffer.concat([earlier, part]) : Buffer.from(part));
  }
  return options;
};

// RFC 2131, Section 2: sname and file are NUL-terminated strings. latin1
// maps bytes one to one, so what was read is what gets written back.
const readCString = (buf: Buffer, offset: number, size: number): string => {
  const field = buf.subarray(offset, offset + size);
  const nul = field.indexOf(0);
  return field.toString('latin1', 0, nul === -1 ? size : nul);
};

// ---------------------------------------------------------------------------
// Encoding.

// Never dropped to fit maxSize: the message type, the server identifier and
// lease time a client needs to accept the reply at all, the subnet mask it
// needs to configure the address, the relay information the relay needs to
// route it (RFC 3046, Section 2.2), and the echoed client identifier, which
// RFC 6842, Section 3 makes mandatory.
const ESSENTIAL_OPTIONS: ReadonlySet<number> = new Set([
  MESSAGE_TYPE,
  SERVER_IDENTIFIER,
  LEASE_TIME,
  SUBNET_MASK,
  RELAY_AGENT_INFORMATION,
  CLIENT_IDENTIFIER,
]);

export interface EncodeOptions {
  /**
   * The client's maximum DHCP message size (option 57). It counts the IP and
   * UDP headers (RFC 2132, Section 9.10 sets its floor at 576, an IP datagram
   * size), so the message itself is kept to maxSize - 28; values under 576
   * count as 576. Without it nothing is dropped.
   */
  maxSize?: number;
}

/**
 * Writes the header, magic cookie and options: 53 first, then ascending
 * codes, with 82 last (RFC 3046, Section 2.1), then END, padded with zeros to
 * 300 bytes. Payloads over 255 bytes become consecutive instances (RFC 3396,
 * Section 6). When the message would exceed maxSize, optional options are
 * dropped from the end (highest code first) until it fits; the essential
 * ones above never are, so a message made only of them may still exceed it.
 * Throws RangeError on a packet no wire format can carry (bad address text,
 * chaddr length not hlen, names too long, PAD/END/52 among the options,
 * numbers out of range), which are programming errors, not client input.
 */
export const encodePacket = (p: Dhcp4Packet, opts: EncodeOptions = {}): Buffer => {
  if (p.chaddr.length !== p.hlen || p.hlen > CHADDR_SIZE) {
    throw new RangeError(`chaddr is ${p.chaddr.length} bytes, hlen is ${p.hlen} (at most ${CHADDR_SIZE})`);
  }
  for (const code of p.options.keys()) {
    if (!Number.isInteger(code) || code <= PAD || code >= END || code === OVERLOAD) {
      throw new RangeError(`option ${code} cannot be set; PAD, END and overload are written by the codec`);
    }
  }
  const sname = cString('sname', p.sname, SNAME_SIZE);
  const file = cString('file', p.file, FILE_SIZE);
  const addresses = [ipv4Of('ciaddr', p.ciaddr), ipv4Of('yiaddr', p.yiaddr), ipv4Of('siaddr', p.siaddr), ipv4Of('giaddr', p.giaddr)];

  const codes = optionOrder(p.options);
  const limit =
    opts.maxSize === undefined ? Infinity : Math.max(opts.maxSize, MIN_MAX_MESSAGE_SIZE) - IP_UDP_HEADERS;
  let size = OPTIONS_OFFSET + 1;
  for (const code of codes) size += encodedLength(p.options.get(code)!.length);
  for (let index = codes.length - 1; index >= 0 && size > limit; index--) {
    const code = codes[index]!;
    if (ESSENTIAL_OPTIONS.has(code)) continue;
    size -= encodedLength(p.options.get(code)!.length);
    codes.splice(index, 1);
  }

  // From the pool of small buffers rather than a fresh allocation each: one
  // reply per message adds up.
  const out = Buffer.allocUnsafe(Math.max(size, MIN_PACKET_SIZE)).fill(0);
  out.writeUInt8(p.op, 0);
  out.writeUInt8(p.htype, 1);
  out.writeUInt8(p.hlen, 2);
  out.writeUInt8(p.hops, 3);
  out.writeUInt32BE(p.xid, 4);
  out.writeUInt16BE(p.secs, 8);
  out.writeUInt16BE(p.flags, 10);
  for (const [index, address] of addresses.entries()) out.writeUInt32BE(address, 12 + 4 * index);
  p.chaddr.copy(out, CHADDR_OFFSET);
  out.write(sname, SNAME_OFFSET, 'latin1');
  out.write(file, FILE_OFFSET, 'latin1');
  out.writeUInt32BE(MAGIC_COOKIE, COOKIE_OFFSET);
  let position = OPTIONS_OFFSET;
  for (const code of codes) position = writeOption(out, position, code, p.options.get(code)!);
  out.writeUInt8(END, position); // the rest is already zero: PAD up to 300 bytes
  return out;
};

// 53 first, then ascending codes, 82 last. Sorted by insertion as they are
// read: a reply has a dozen options or so, and Array.prototype.sort copied
// the array at every reply.
const optionOrder = (options: ReadonlyMap<number, Buffer>): number[] => {
  const codes: number[] = [];
  for (const code of options.keys()) {
    if (code === MESSAGE_TYPE || code === RELAY_AGENT_INFORMATION) continue;
    let at = codes.length;
    codes.push(code);
    for (; at > 0 && codes[at - 1]! > code; at--) codes[at] = codes[at - 1]!;
    codes[at] = code;
  }
  if (options.has(MESSAGE_TYPE)) codes.unshift(MESSAGE_TYPE);
  if (options.has(RELAY_AGENT_INFORMATION)) codes.push(RELAY_AGENT_INFORMATION);
  return codes;
};

// Code and length bytes for every 255-byte chunk; an empty payload is one
// instance of length 0 (rapid commit, RFC 4039, Section 4).
const encodedLength = (payloadLength: number): number =>
  payloadLength + 2 * Math.max(1, Math.ceil(payloadLength / 255));

const writeOption = (out: Buffer, at: number, code: number, payload: Buffer): number => {
  let position = at;
  let offset = 0;
  do {
    const length = Math.min(255, payload.length - offset);
    out[position] = code;
    out[position + 1] = length;
    payload.copy(out, position + 2, offset, offset + length);
    position += 2 + length;
    offset += 255;
  } while (offset < payload.length);
  return position;
};

const ipv4Of = (field: string, text: string): number => {
  const value = ipv4Value(text);
  if (value === undefined) throw new RangeError(`${field} "${text}" is not an IPv4 address`);
  return value;
};

// A name filling its whole field goes out without the NUL, as decodePacket
// reads such a field, so what was decoded encodes again. latin1 writes one
// byte per character, so the length in characters is the length in bytes.
const cString = (field: string, text: string, size: number): string => {
  if (text.length > size) throw new RangeError(`${field} is ${text.length} bytes, the field holds ${size}`);
  return text;
};

/**
 * The skeleton of a reply (RFC 2131, Section 4.3.1, Table 3): op BOOTREPLY;
 * htype, hlen, xid, flags, giaddr and chaddr from the request; hops, secs and
 * the other addresses zero; the message type set; relay agent information
 * echoed unchanged (RFC 3046, Section 2.2) and the client identifier echoed
 * (RFC 6842, Section 3). Buffers are copied: changing the reply leaves the
 * request alone.
 */
export const replyFromRequest = (req: Dhcp4Packet, messageType: number): Dhcp4Packet => {
  const options = new Map<number, Buffer>([[MESSAGE_TYPE, Buffer.of(messageType)]]);
  for (const code of [CLIENT_IDENTIFIER, RELAY_AGENT_INFORMATION]) {
    const payload = req.options.get(code);
    if (payload) options.set(code, Buffer.from(payload));
  }
  return {
    op: BOOTREPLY,
    htype: req.htype,
    hlen: req.hlen,
    hops: 0,
    xid: req.xid,
    secs: 0,
    flags: req.flags,
    ciaddr: '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: req.giaddr,
    chaddr: Buffer.from(req.chaddr),
    sname: '',
    file: '',
    options,
  };
};

// ---------------------------------------------------------------------------
// Getters. Each returns undefined (or the documented default) when the option
// is absent or its payload does not have the length its RFC gives it, so a
// malformed option reads as an absent one.

const fixed = (p: Dhcp4Packet, code: number, length: number): Buffer | undefined => {
  const payload = p.options.get(code);
  return payload?.length === length ? payload : undefined;
};

/** RFC 2132, Section 9.6: DHCPDISCOVER (1) .. DHCPINFORM (8) and later types up to 18. */
export const messageType = (p: Dhcp4Packet): number | undefined => fixed(p, MESSAGE_TYPE, 1)?.readUInt8(0);

/** RFC 2132, Section 9.1: the address a client asks for in DISCOVER or INIT-REBOOT REQUEST. */
export const requestedAddress = (p: Dhcp4Packet): string | undefined => {
  const payload = fixed(p, REQUESTED_ADDRESS, 4);
  return payload && formatIpv4(payload);
};

/** RFC 2132, Section 9.7: which server the client chose (SELECTING REQUEST, RELEASE, DECLINE). */
export const serverIdentifier = (p: Dhcp4Packet): string | undefined => {
  const payload = fixed(p, SERVER_IDENTIFIER, 4);
  return payload && formatIpv4(payload);
};

/** RFC 2132, Section 9.14: type byte and identifier, raw; undefined if shorter than its 2-byte minimum. */
export const clientIdentifier = (p: Dhcp4Packet): Buffer | undefined => {
  const payload = p.options.get(CLIENT_IDENTIFIER);
  return payload && payload.length >= 2 ? payload : undefined;
};

/** RFC 2132, Section 9.8: requested option codes in the client's order; [] when absent. */
export const parameterRequestList = (p: Dhcp4Packet): number[] => [...(p.options.get(PARAMETER_REQUEST_LIST) ?? [])];

/**
 * RFC 2132, Section 9.10: the largest message the client accepts, an IP
 * datagram size. Every client accepts 576, so that is the default and the
 * floor.
 */
export const maxMessageSize = (p: Dhcp4Packet): number =>
  Math.max(fixed(p, MAX_MESSAGE_SIZE, 2)?.readUInt16BE(0) ?? 0, MIN_MAX_MESSAGE_SIZE);

/**
 * RFC 2132, Section 3.14, as UTF-8 without the trailing NULs RFC 2132,
 * Section 2 tells receivers to drop. Undefined when absent or empty.
 */
export const hostName = (p: Dhcp4Packet): ClientName | undefined => {
  const payload = p.options.get(HOST_NAME);
  const bytes = payload && withoutTrailingNuls(payload);
  return bytes?.length ? nameText(bytes) : undefined;
};

/**
 * RFC 4702, Section 2: the client's name from its FQDN option, without the
 * flags. Fully qualified names end with "." (in the canonical wire encoding,
 * RFC 4702, Section 2.3.1, that is the terminating root label; in the
 * deprecated ASCII encoding, what the client wrote). Undefined when absent or
 * the name is empty.
 */
export const clientFqdn = (p: Dhcp4Packet): ClientName | undefined => {
  const payload = p.options.get(CLIENT_FQDN);
  if (!payload) return undefined;
  if (payload.length < 3) return { problem: 'malformed' };
  const flags = payload.readUInt8(0);
  const name = payload.subarray(3);
  // The E flag (RFC 4702, Section 2.1): canonical wire format, else the deprecated ASCII.
  if (flags & 0x04) return fqdnOptionName(name);
  const bytes = withoutTrailingNuls(name);
  return bytes.length ? nameText(bytes) : undefined;
};

const withoutTrailingNuls = (bytes: Buffer): Buffer => {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return bytes.subarray(0, end);
};

/** RFC 2132, Section 9.2: lease time in seconds, as the client asks for it or the server grants it. */
export const leaseTime = (p: Dhcp4Packet): number | undefined => fixed(p, LEASE_TIME, 4)?.readUInt32BE(0);

/** RFC 4039, Section 4: the client takes an ACK in answer to its DISCOVER. */
export const rapidCommit = (p: Dhcp4Packet): boolean => p.options.has(RAPID_COMMIT);

/** RFC 3011, Section 3: the subnet the client (or a relay on its behalf) wants an address from. */
export const subnetSelection = (p: Dhcp4Packet): string | undefined => {
  const payload = fixed(p, SUBNET_SELECTION, 4);
  return payload && formatIpv4(payload);
};

/** Relay agent information (RFC 3046) with the sub-options the server acts on. */
export interface RelayAgentInfo {
  /** The whole option, to echo back. */
  raw: Buffer;
  /** Sub-option 1, RFC 3046, Section 3.1. */
  circuitId?: Buffer;
  /** Sub-option 2, RFC 3046, Section 3.2. */
  remoteId?: Buffer;
  /** Sub-option 5, RFC 3527, Section 3: the link to allocate on, instead of giaddr. */
  linkSelection?: string;
  /** Sub-option 11, RFC 5107, Section 4: the address to put in option 54. */
  serverIdOverride?: string;
}

export type RelayAgentInfoResult = { ok: true; info: RelayAgentInfo } | { ok: false; raw: Buffer; detail: string };

/**
 * Option 82 parsed into sub-options, undefined when absent. A malformed
 * option (a sub-option running past the end, an address sub-option that is
 * not 4 bytes, a sub-option the server acts on given twice) comes back as
 * ok: false with a detail to log: the relay is buggy and which identity it
 * meant cannot be known.
 */
export const relayAgentInfo = (p: Dhcp4Packet): RelayAgentInfoResult | undefined => {
  const raw = p.options.get(RELAY_AGENT_INFORMATION);
  if (!raw) return undefined;
  const bad = (detail: string): RelayAgentInfoResult => ({ ok: false, raw, detail });
  const info: RelayAgentInfo = { raw };
  const seen = new Set<number>();
  let position = 0;
  // RFC 3046, Section 2.0: a sequence of SubOpt / Len / Value.
  while (position < raw.length) {
    const code = raw.readUInt8(position);
    if (position + 1 >= raw.length) return bad(`sub-option ${code} at offset ${position} has no length`);
    const length = raw.readUInt8(position + 1);
    const value = raw.subarray(position + 2, position + 2 + length);
    if (value.length !== length) {
      return bad(`sub-option ${code} at offset ${position} claims ${length} bytes, ${value.length} left`);
    }
    position += 2 + length;
    if (code !== 1 && code !== 2 && code !== 5 && code !== 11) continue;
    if (seen.has(code)) return bad(`sub-option ${code} appears twice`);
    seen.add(code);
    if ((code === 5 || code === 11) && length !== 4) return bad(`sub-option ${code} is ${length} bytes, not 4`);
    if (code === 1) info.circuitId = value;
    else if (code === 2) info.remoteId = value;
    else if (code === 5) info.linkSelection = formatIpv4(value);
    else info.serverIdOverride = formatIpv4(value);
  }
  return { ok: true, info };
};
