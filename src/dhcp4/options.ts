// The DHCPv4 option table: one entry per standard option, named the way ISC
// Kea's configuration names it and typed the way Kea's libdhcp++ standard
// option definitions type it. The same entry turns a Kea "option-data" value
// into wire bytes (encodeOptionData) and wire bytes back into that notation
// (formatOptionData, for logs).
//
// Where this table differs from Kea it says so next to the entry: options
// whose payload is an encapsulated option space are carried as raw bytes,
// and the few options the server itself writes are not configurable.

import { ipv4Value } from '../net/ipv4.ts';

/** A value, or one field of a record (Kea's option data types). */
export type FieldType =
  | 'binary'
  | 'boolean'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'int32'
  | 'ipv4-address'
  | 'string'
  | 'fqdn';

export type OptionType =
  | FieldType
  /** No payload: being present is the whole message (rapid-commit). */
  | 'empty'
  /** Fields in a fixed order; with `array` the last field repeats. */
  | 'record'
  /** RFC 3442 routes, written as Kea writes them: "10.0.0.0/8 - 10.1.1.1, ...". */
  | 'classless-route'
  /** Written by the server from protocol state, never from configuration. */
  | 'internal';

interface DefinitionBase {
  readonly code: number;
  readonly name: string;
  /** The value repeats (for a record: its last field repeats), like Kea's array flag. */
  readonly array: boolean;
}

export type OptionDef =
  | (DefinitionBase & { readonly type: Exclude<OptionType, 'record'> })
  | (DefinitionBase & { readonly type: 'record'; readonly fields: RecordFields });

/** A record's field types in wire order; Kea records have at least one. */
export type RecordFields = readonly [FieldType, ...FieldType[]];

/** Raised by encodeOptionData; the message names the option and what is wrong with the data. */
export class OptionDataError extends Error {
  override readonly name = 'OptionDataError';
}

const one = (code: number, name: string, type: Exclude<OptionType, 'record'>): OptionDef => ({
  code,
  name,
  type,
  array: false,
});
const list = (code: number, name: string, type: FieldType | 'classless-route'): OptionDef => ({
  code,
  name,
  type,
  array: true,
});
const record = (code: number, name: string, fields: RecordFields, array = false): OptionDef => ({
  code,
  name,
  type: 'record',
  fields,
  array,
});

export const OPTION_DEFINITIONS: readonly OptionDef[] = [
  one(1, 'subnet-mask', 'ipv4-address'), // RFC 2132, Section 3.3
  one(2, 'time-offset', 'int32'), // RFC 2132, Section 3.4
  list(3, 'routers', 'ipv4-address'), // RFC 2132, Section 3.5
  list(4, 'time-servers', 'ipv4-address'), // RFC 2132, Section 3.6
  list(5, 'name-servers', 'ipv4-address'), // RFC 2132, Section 3.7
  list(6, 'domain-name-servers', 'ipv4-address'), // RFC 2132, Section 3.8
  list(7, 'log-servers', 'ipv4-address'), // RFC 2132, Section 3.9
  list(8, 'cookie-servers', 'ipv4-address'), // RFC 2132, Section 3.10
  list(9, 'lpr-servers', 'ipv4-address'), // RFC 2132, Section 3.11
  list(10, 'impress-servers', 'ipv4-address'), // RFC 2132, Section 3.12
  list(11, 'resource-location-servers', 'ipv4-address'), // RFC 2132, Section 3.13
  one(12, 'host-name', 'string'), // RFC 2132, Section 3.14
  one(13, 'boot-size', 'uint16'), // RFC 2132, Section 3.15
  one(14, 'merit-dump', 'string'), // RFC 2132, Section 3.16
  one(15, 'domain-name', 'string'), // RFC 2132, Section 3.17
  one(16, 'swap-server', 'ipv4-address'), // RFC 2132, Section 3.18
  one(17, 'root-path', 'string'), // RFC 2132, Section 3.19
  one(18, 'extensions-path', 'string'), // RFC 2132, Section 3.20
  one(19, 'ip-forwarding', 'boolean'), // RFC 2132, Section 4.1
  one(20, 'non-local-source-routing', 'boolean'), // RFC 2132, Section 4.2
  list(21, 'policy-filter', 'ipv4-address'), // RFC 2132, Section 4.3 (address/mask pairs)
  one(22, 'max-dgram-reassembly', 'uint16'), // RFC 2132, Section 4.4
  one(23, 'default-ip-ttl', 'uint8'), // RFC 2132, Section 4.5
  one(24, 'path-mtu-aging-timeout', 'uint32'), // RFC 2132, Section 4.6
  list(25, 'path-mtu-plateau-table', 'uint16'), // RFC 2132, Section 4.7
  one(26, 'interface-mtu', 'uint16'), // RFC 2132, Section 5.1
  one(27, 'all-subnets-local', 'boolean'), // RFC 2132, Section 5.2
  one(28, 'broadcast-address', 'ipv4-address'), // RFC 2132, Section 5.3
  one(29, 'perform-mask-discovery', 'boolean'), // RFC 2132, Section 5.4
  one(30, 'mask-supplier', 'boolean'), // RFC 2132, Section 5.5
  one(31, 'router-discovery', 'boolean'), // RFC 2132, Section 5.6
  one(32, 'router-solicitation-address', 'ipv4-address'), // RFC 2132, Section 5.7
  list(33, 'static-routes', 'ipv4-address'), // RFC 2132, Section 5.8 (destination/router pairs)
  one(34, 'trailer-encapsulation', 'boolean'), // RFC 2132, Section 6.1
  one(35, 'arp-cache-timeout', 'uint32'), // RFC 2132, Section 6.2
  one(36, 'ieee802-3-encapsulation', 'boolean'), // RFC 2132, Section 6.3
  one(37, 'default-tcp-ttl', 'uint8'), // RFC 2132, Section 7.1
  one(38, 'tcp-keepalive-interval', 'uint32'), // RFC 2132, Section 7.2
  one(39, 'tcp-keepalive-garbage', 'boolean'), // RFC 2132, Section 7.3
  one(40, 'nis-domain', 'string'), // RFC 2132, Section 8.1
  list(41, 'nis-servers', 'ipv4-address'), // RFC 2132, Section 8.2
  list(42, 'ntp-servers', 'ipv4-address'), // RFC 2132, Section 8.3
  // RFC 2132, Section 8.4. Kea encapsulates a vendor option space here; we
  // carry the already encoded sub-options, written as hex.
  one(43, 'vendor-encapsulated-options', 'binary'),
  list(44, 'netbios-name-servers', 'ipv4-address'), // RFC 2132, Section 8.5
  list(45, 'netbios-dd-server', 'ipv4-address'), // RFC 2132, Section 8.6
  one(46, 'netbios-node-type', 'uint8'), // RFC 2132, Section 8.7
  one(47, 'netbios-scope', 'string'), // RFC 2132, Section 8.8
  list(48, 'font-servers', 'ipv4-address'), // RFC 2132, Section 8.9
  list(49, 'x-display-manager', 'ipv4-address'), // RFC 2132, Section 8.10
  one(50, 'dhcp-requested-address', 'ipv4-address'), // RFC 2132, Section 9.1
  one(51, 'dhcp-lease-time', 'uint32'), // RFC 2132, Section 9.2
  one(52, 'dhcp-option-overload', 'internal'), // RFC 2132, Section 9.3 (framing, handled by the codec)
  one(53, 'dhcp-message-type', 'internal'), // RFC 2132, Section 9.6
  one(54, 'dhcp-server-identifier', 'ipv4-address'), // RFC 2132, Section 9.7
  list(55, 'dhcp-parameter-request-list', 'uint8'), // RFC 2132, Section 9.8
  one(56, 'dhcp-message', 'string'), // RFC 2132, Section 9.9
  one(57, 'dhcp-max-message-size', 'uint16'), // RFC 2132, Section 9.10
  one(58, 'dhcp-renewal-time', 'uint32'), // RFC 2132, Section 9.11
  one(59, 'dhcp-rebinding-time', 'uint32'), // RFC 2132, Section 9.12
  one(60, 'vendor-class-identifier', 'string'), // RFC 2132, Section 9.13
  one(61, 'dhcp-client-identifier', 'binary'), // RFC 2132, Section 9.14
  one(62, 'nwip-domain-name', 'string'), // RFC 2242
  one(63, 'nwip-suboptions', 'binary'), // RFC 2242
  one(64, 'nisplus-domain-name', 'string'), // RFC 2132, Section 8.11
  list(65, 'nisplus-servers', 'ipv4-address'), // RFC 2132, Section 8.12
  one(66, 'tftp-server-name', 'string'), // RFC 2132, Section 9.4
  one(67, 'boot-file-name', 'string'), // RFC 2132, Section 9.5
  list(68, 'mobile-ip-home-agent', 'ipv4-address'), // RFC 2132, Section 8.13
  list(69, 'smtp-server', 'ipv4-address'), // RFC 2132, Section 8.14
  list(70, 'pop-server', 'ipv4-address'), // RFC 2132, Section 8.15
  list(71, 'nntp-server', 'ipv4-address'), // RFC 2132, Section 8.16
  list(72, 'www-server', 'ipv4-address'), // RFC 2132, Section 8.17
  list(73, 'finger-server', 'ipv4-address'), // RFC 2132, Section 8.18
  list(74, 'irc-server', 'ipv4-address'), // RFC 2132, Section 8.19
  list(75, 'streettalk-server', 'ipv4-address'), // RFC 2132, Section 8.20
  list(76, 'streettalk-directory-assistance-server', 'ipv4-address'), // RFC 2132, Section 8.21
  one(77, 'user-class', 'binary'), // RFC 3004, Section 4
  record(78, 'slp-directory-agent', ['boolean', 'ipv4-address'], true), // RFC 2610, Section 3
  record(79, 'slp-service-scope', ['boolean', 'string']), // RFC 2610, Section 4
  one(80, 'rapid-commit', 'empty'), // RFC 4039, Section 4 (Kea has no name for it)
  record(81, 'fqdn', ['uint8', 'uint8', 'uint8', 'fqdn']), // RFC 4702, Section 2
  one(82, 'dhcp-agent-options', 'internal'), // RFC 3046, Section 2.0 (the relay's, echoed back)
  list(85, 'nds-servers', 'ipv4-address'), // RFC 2241
  one(86, 'nds-tree-name', 'string'), // RFC 2241
  one(87, 'nds-context', 'string'), // RFC 2241
  list(88, 'bcms-controller-names', 'fqdn'), // RFC 4280, Section 4
  list(89, 'bcms-controller-address', 'ipv4-address'), // RFC 4280, Section 4
  one(90, 'authenticate', 'binary'), // RFC 3118, Section 2
  one(91, 'client-last-transaction-time', 'uint32'), // RFC 4388
  list(92, 'associated-ip', 'ipv4-address'), // RFC 4388
  list(93, 'client-system', 'uint16'), // RFC 4578, Section 2.1
  record(94, 'client-ndi', ['uint8', 'uint8', 'uint8']), // RFC 4578, Section 2.2
  record(97, 'uuid-guid', ['uint8', 'binary']), // RFC 4578, Section 2.3
  one(98, 'uap-servers', 'string'), // RFC 2485
  one(99, 'geoconf-civic', 'binary'), // RFC 4776
  one(100, 'pcode', 'string'), // RFC 4833
  one(101, 'tcode', 'string'), // RFC 4833
  one(108, 'v6-only-preferred', 'uint32'), // RFC 8925, Section 3.1
  list(112, 'netinfo-server-address', 'ipv4-address'), // RFC 3679
  one(113, 'netinfo-server-tag', 'string'), // RFC 3679
  one(114, 'v4-captive-portal', 'string'), // RFC 8910, Section 2.1
  one(116, 'auto-config', 'uint8'), // RFC 2563
  list(117, 'name-service-search', 'uint16'), // RFC 2937
  one(118, 'subnet-selection', 'ipv4-address'), // RFC 3011, Section 3
  list(119, 'domain-search', 'fqdn'), // RFC 3397, Section 2
  list(121, 'classless-static-route', 'classless-route'), // RFC 3442
  record(124, 'vivco-suboptions', ['uint32', 'binary']), // RFC 3925, Section 3
  list(136, 'pana-agent', 'ipv4-address'), // RFC 5192
  one(137, 'v4-lost', 'fqdn'), // RFC 5223
  list(138, 'capwap-ac-v4', 'ipv4-address'), // RFC 5417
  list(141, 'sip-ua-cs-domains', 'fqdn'), // RFC 6011
  record(146, 'rdnss-selection', ['uint8', 'ipv4-address', 'ipv4-address', 'fqdn'], true), // RFC 6731
  record(151, 'status-code', ['uint8', 'string']), // RFC 6926
  one(152, 'base-time', 'uint32'), // RFC 6926
  one(153, 'start-time-of-state', 'uint32'), // RFC 6926
  one(154, 'query-start-time', 'uint32'), // RFC 6926
  one(155, 'query-end-time', 'uint32'), // RFC 6926
  one(156, 'dhcp-state', 'uint8'), // RFC 6926
  one(157, 'data-source', 'uint8'), // RFC 6926
  one(213, 'v4-access-domain', 'fqdn'), // RFC 5986
];

const byCode = new Map(OPTION_DEFINITIONS.map((def) => [def.code, def]));
const byName = new Map(OPTION_DEFINITIONS.map((def) => [def.name, def]));

export const optionByCode = (code: number): OptionDef | undefined => byCode.get(code);
export const optionByName = (name: string): OptionDef | undefined => byName.get(name);

// ---------------------------------------------------------------------------
// IPv4 addresses, shared with the packet codec.

/** Dotted-quad text to 4 bytes, or undefined (see ipv4Value). */
export const parseIpv4 = (text: string): Buffer | undefined => {
  const value = ipv4Value(text);
  if (value === undefined) return undefined;
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeUInt32BE(value);
  return bytes;
};

/** The 4 bytes at `offset` as dotted-quad text; the caller has checked the bounds. */
export const formatIpv4 = (bytes: Buffer, offset = 0): string =>
  `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;

// ---------------------------------------------------------------------------
// Configuration text to wire bytes.

const fail = (def: OptionDef, problem: string): OptionDataError =>
  new OptionDataError(`option ${def.name}: ${problem}`);

/**
 * Converts a Kea `option-data` `data` string into the option's payload, as
 * Kea does. With csvFormat the data is comma-separated values typed by the
 * definition (\, is a comma inside a value, "\\," in JSON); without it, hex bytes
 * ("0A0B0C", "0x0a0b0c", "0a:0b:0c" or "0a 0b 0c") that must fit the
 * definition. Throws OptionDataError.
 */
export const encodeOptionData = (def: OptionDef, data: string, csvFormat = true): Buffer => {
  if (def.type === 'internal') throw fail(def, 'is written by the server and cannot be configured');
  if (!csvFormat) {
    const bytes = decodeHex(def, data.trim());
    const fits = def.type === 'classless-route' ? readRoutes(bytes) !== undefined : fitsDefinition(def, bytes);
    if (!fits) throw fail(def, `${bytes.length} bytes of hex do not fit its definition (${describeDefinition(def)})`);
    return bytes;
  }
  if (def.type === 'empty') {
    if (data.trim() !== '') throw fail(def, 'takes no data');
    return Buffer.alloc(0);
  }
  const values = splitValues(data);
  if (values.length === 0) throw fail(def, 'no value given');
  if (def.type === 'classless-route') return Buffer.concat(values.map((value) => encodeRoute(def, value)));
  if (def.type === 'record') return encodeRecord(def, def.fields, values);
  if (!def.array && values.length > 1) {
    // Kea silently keeps the first value; a config that says more means something else.
    throw fail(def, `takes one value, got ${values.length} (write a comma inside a value as "\\,")`);
  }
  const type = def.type;
  return Buffer.concat(values.map((value) => encodeField(def, type, value)));
};

const describeDefinition = (def: OptionDef): string => {
  const base = def.type === 'record' ? `record of ${def.fields.join(', ')}` : def.type;
  return def.array ? `${base}, repeated` : base;
};

// Kea splits csv data with str::tokens(data, ",", escape): a backslash
// escapes a comma or a backslash, empty tokens are dropped, each value is
// trimmed.
const splitValues = (data: string): string[] => {
  const values: string[] = [];
  let current = '';
  for (let i = 0; i < data.length; i++) {
    const char = data[i];
    const next = data[i + 1];
    if (char === '\\' && (next === ',' || next === '\\')) {
      current += next;
      i++;
    } else if (char === ',') {
      if (current !== '') values.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (current !== '') values.push(current);
  return values.map((value) => value.trim());
};

// Values beyond the listed fields repeat the last one, for array records.
const encodeRecord = (def: OptionDef, fields: RecordFields, values: string[]): Buffer => {
  if (values.length < fields.length || (!def.array && values.length > fields.length)) {
    const expected = def.array ? `at least ${fields.length}` : `${fields.length}`;
    throw fail(def, `takes ${expected} values (${fields.join(', ')}), got ${values.length}`);
  }
  const last = fields[fields.length - 1] ?? fields[0];
  return Buffer.concat(values.map((value, index) => encodeField(def, fields[index] ?? last, value)));
};

const INTEGER_RANGES = {
  uint8: [0, 0xff],
  uint16: [0, 0xffff],
  uint32: [0, 0xffffffff],
  int32: [-0x80000000, 0x7fffffff],
} as const;

const encodeField = (def: OptionDef, type: FieldType, value: string): Buffer => {
  switch (type) {
    case 'ipv4-address': {
      const bytes = parseIpv4(value);
      if (!bytes) throw fail(def, `"${value}" is not an IPv4 address`);
      return bytes;
    }
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'int32': {
      // Kea reads integers with lexical_cast<int64_t>: decimal, optional sign.
      if (!/^[+-]?\d+$/.test(value)) throw fail(def, `"${value}" is not an integer`);
      const number = Number(value);
      const [min, max] = INTEGER_RANGES[type];
      if (number < min || number > max) throw fail(def, `"${value}" is out of range for ${type} (${min}..${max})`);
      const bytes = Buffer.alloc(type === 'uint8' ? 1 : type === 'uint16' ? 2 : 4);
      if (type === 'int32') bytes.writeInt32BE(number);
      else bytes.writeUIntBE(number, 0, bytes.length);
      return bytes;
    }
    case 'boolean': {
      // Kea's convertToBool: true/false in any case, or the integers 1/0.
      const lower = value.toLowerCase();
      if (lower === 'true') return Buffer.of(1);
      if (lower === 'false') return Buffer.of(0);
      const number = /^[+-]?\d+$/.test(value) ? Number(value) : NaN;
      if (number === 0 || number === 1) return Buffer.of(number);
      throw fail(def, `"${value}" is not a boolean (true, false, 1 or 0)`);
    }
    case 'string':
      // RFC 2132, Section 2: strings carry no trailing NUL; options hold at least one byte.
      if (value === '') throw fail(def, 'empty string');
      return Buffer.from(value, 'utf8');
    case 'fqdn':
      return encodeFqdn(def, value);
    case 'binary':
      return decodeHex(def, value);
  }
};

// A domain name in DNS wire format (RFC 1035, Section 3.1), uncompressed and
// fully qualified, as Kea writes it. "." is the root name.
const encodeFqdn = (def: OptionDef, text: string): Buffer => {
  if (text === '.') return Buffer.of(0);
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name === '') throw fail(def, 'empty domain name');
  const parts: Buffer[] = [];
  for (const label of name.split('.')) {
    const bytes = Buffer.from(label, 'utf8');
    if (bytes.length === 0) throw fail(def, `"${text}" is not a domain name (empty label)`);
    if (bytes.length > 63) throw fail(def, `"${text}" is not a domain name (label longer than 63 bytes)`);
    parts.push(Buffer.of(bytes.length), bytes);
  }
  parts.push(Buffer.of(0));
  const wire = Buffer.concat(parts);
  if (wire.length > 255) throw fail(def, `"${text}" is not a domain name (longer than 255 bytes)`);
  return wire;
};

// RFC 3442: a route is the prefix width, the significant octets of the
// destination, then the router. Kea's text form is "10.0.0.0/8 - 10.1.1.1".
const encodeRoute = (def: OptionDef, text: string): Buffer => {
  const parts = text.split('-').map((part) => part.trim()).filter((part) => part !== '');
  const [prefix, routerText] = parts;
  if (parts.length !== 2 || prefix === undefined || routerText === undefined) {
    throw fail(def, `"${text}" is not a route (write "10.229.0.128/25 - 10.229.0.1")`);
  }
  const [destinationText = '', widthText = ''] = prefix.split('/');
  const destination = parseIpv4(destinationText);
  if (!destination || !/^\d{1,2}$/.test(widthText) || Number(widthText) > 32) {
    throw fail(def, `"${prefix}" is not an IPv4 prefix (a.b.c.d/0..32)`);
  }
  const width = Number(widthText);
  // Kea sends host bits as written; a client would install a different route than the one meant.
  if (width < 32 && destination.readUInt32BE() % 2 ** (32 - width) !== 0) {
    throw fail(def, `"${prefix}" has host bits set`);
  }
  const router = parseIpv4(routerText);
  if (!router) throw fail(def, `"${routerText}" is not an IPv4 address`);
  return Buffer.concat([Buffer.of(width), destination.subarray(0, Math.ceil(width / 8)), router]);
};

// Kea's decodeFormattedHexString: octets separated by colons or spaces, or a
// run of hex digits with an optional 0x prefix (an odd count gets a leading 0).
const decodeHex = (def: OptionDef, text: string): Buffer => {
  const bad = (): OptionDataError => fail(def, `"${text}" is not a hex string`);
  const separator = text.includes(':') ? ':' : text.includes(' ') ? ' ' : undefined;
  if (separator !== undefined) {
    const octets = text.split(separator);
    if (octets.some((octet) => !/^[0-9a-fA-F]{1,2}$/.test(octet))) throw bad();
    return Buffer.from(octets.map((octet) => parseInt(octet, 16)));
  }
  const digits = /^0x/i.test(text) ? text.slice(2) : text;
  if (!/^[0-9a-fA-F]*$/.test(digits)) throw bad();
  return Buffer.from(digits.length % 2 === 0 ? digits : `0${digits}`, 'hex');
};

// ---------------------------------------------------------------------------
// Wire bytes to configuration text.

/**
 * The payload in the notation encodeOptionData reads, or undefined when it
 * does not fit the definition or holds text that notation cannot carry (bytes
 * that are not UTF-8, dots inside a domain label). Internal options come out
 * as hex.
 */
export const formatOptionData = (def: OptionDef, payload: Buffer): string | undefined => {
  switch (def.type) {
    case 'internal':
      return payload.toString('hex').toUpperCase();
    case 'empty':
      return payload.length === 0 ? '' : undefined;
    case 'classless-route':
      return readRoutes(payload)
        ?.map(({ destination, width, router }) => `${destination}/${width} - ${router}`)
        .join(', ');
  }
  const spans = splitFields(def, payload);
  if (!spans) return undefined;
  const texts: string[] = [];
  for (const span of spans) {
    const text = fieldText(span, payload);
    if (text === undefined) return undefined;
    texts.push(text);
  }
  return texts.join(', ');
};

/** Where one field of a payload lies. */
interface Span {
  readonly type: FieldType;
  readonly start: number;
  readonly end: number;
}

const FIXED_SIZES: Partial<Record<FieldType, number>> = {
  boolean: 1,
  uint8: 1,
  uint16: 2,
  uint32: 4,
  int32: 4,
  'ipv4-address': 4,
};

const fitsDefinition = (def: OptionDef, payload: Buffer): boolean =>
  def.type === 'empty' ? payload.length === 0 : splitFields(def, payload) !== undefined;

// Cuts a payload into the fields its definition lists, or undefined when the
// sizes do not add up. Only called for value types and records.
const splitFields = (def: OptionDef, payload: Buffer): Span[] | undefined => {
  const fields: readonly FieldType[] =
    def.type === 'record' ? def.fields : isFieldType(def.type) ? [def.type] : [];
  const last = fields[fields.length - 1];
  if (last === undefined) return undefined;
  const spans: Span[] = [];
  let at = 0;
  const take = (type: FieldType): boolean => {
    const end = fieldEnd(type, payload, at);
    if (end === undefined) return false;
    spans.push({ type, start: at, end });
    at = end;
    return true;
  };
  for (const type of def.array ? fields.slice(0, -1) : fields) if (!take(type)) return undefined;
  if (def.array) while (at < payload.length) if (!take(last)) return undefined;
  return at === payload.length ? spans : undefined;
};

const isFieldType = (type: OptionType): type is FieldType =>
  type !== 'empty' && type !== 'record' && type !== 'classless-route' && type !== 'internal';

// Where a field starting at `at` ends. Strings and binary take the rest of
// the payload, which is why Kea only allows them as a record's last field.
const fieldEnd = (type: FieldType, payload: Buffer, at: number): number | undefined => {
  const size = FIXED_SIZES[type];
  if (size !== undefined) {
    if (at + size > payload.length) return undefined;
    if (type === 'boolean' && (payload[at] ?? 0) > 1) return undefined;
    return at + size;
  }
  if (type === 'fqdn') return readName(payload, at)?.end;
  if (type === 'string' && at >= payload.length) return undefined; // RFC 2132, Section 2: at least one byte
  return payload.length;
};

const fieldText = ({ type, start, end }: Span, payload: Buffer): string | undefined => {
  switch (type) {
    case 'ipv4-address':
      return formatIpv4(payload, start);
    case 'boolean':
      return payload[start] === 1 ? 'true' : 'false';
    case 'uint8':
    case 'uint16':
    case 'uint32':
      return String(payload.readUIntBE(start, end - start));
    case 'int32':
      return String(payload.readInt32BE(start));
    case 'binary':
      return payload.toString('hex', start, end).toUpperCase();
    case 'string': {
      // RFC 2132, Section 2: receivers must be prepared to drop trailing NULs.
      let stop = end;
      while (stop > start && payload[stop - 1] === 0) stop--;
      const text = utf8(payload.subarray(start, stop));
      return text?.replace(/\\/g, '\\\\').replace(/,/g, '\\,');
    }
    case 'fqdn': {
      const labels = readName(payload, start)?.labels;
      if (!labels) return undefined;
      if (labels.length === 0) return '.';
      const texts = labels.map((label) => utf8(label));
      if (texts.some((text) => text === undefined || /[.,\\\s]/.test(text))) return undefined;
      return texts.join('.');
    }
  }
};

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const utf8 = (bytes: Buffer): string | undefined => {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
};

// A domain name at `at` in DNS wire format, following compression pointers
// (RFC 3397, Section 2 allows them in domain-search; they point into the
// option's own payload, RFC 1035, Section 4.1.4). Each pointer must go back
// before the stretch of labels it ends, so reading always terminates.
// `end` is where the name's own bytes stop in the payload.
const readName = (payload: Buffer, at: number): { labels: Buffer[]; end: number } | undefined => {
  const labels: Buffer[] = [];
  let position = at;
  let stretchStart = at;
  let end: number | undefined;
  let wireLength = 1;
  for (;;) {
    const length = payload[position];
    if (length === undefined) return undefined;
    if (length === 0) return { labels, end: end ?? position + 1 };
    if (length >= 0xc0) {
      const low = payload[position + 1];
      if (low === undefined) return undefined;
      const target = ((length & 0x3f) << 8) | low;
      if (target >= stretchStart) return undefined;
      end ??= position + 2;
      position = target;
      stretchStart = target;
      continue;
    }
    if (length > 63) return undefined; // 0x40 and 0x80 label types are not defined
    wireLength += length + 1;
    if (wireLength > 255 || position + 1 + length > payload.length) return undefined;
    labels.push(payload.subarray(position + 1, position + 1 + length));
    position += 1 + length;
  }
};

interface Route {
  readonly destination: string;
  readonly width: number;
  readonly router: string;
}

// RFC 3442: one or more of width, ceil(width / 8) destination octets, router.
const readRoutes = (payload: Buffer): Route[] | undefined => {
  const routes: Route[] = [];
  let at = 0;
  while (at < payload.length) {
    const width = payload[at] ?? 0;
    if (width > 32) return undefined;
    const octets = Math.ceil(width / 8);
    if (at + 1 + octets + 4 > payload.length) return undefined;
    const destination = Buffer.alloc(4);
    payload.copy(destination, 0, at + 1, at + 1 + octets);
    routes.push({ destination: formatIpv4(destination), width, router: formatIpv4(payload, at + 1 + octets) });
    at += 1 + octets + 4;
  }
  return routes.length > 0 ? routes : undefined;
};
