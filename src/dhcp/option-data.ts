// Kea "option-data" text to option payloads and back, for any option
// definition (option-table.ts). Values are read the way Kea reads them, so a
// Kea configuration means the same bytes here.
import { readDomainName, encodeDomainName } from './domain-name.ts';
import type { FieldType, OptionDef, RecordFields } from './option-table.ts';
import { formatIpv4, parseIpv4 } from '../net/ipv4.ts';
import { formatIpv6, parseIpv6 } from '../net/ipv6.ts';

/** What differs between the families' payloads. */
export interface OptionRules {
  /**
   * Domain names read from payloads may end in compression pointers: RFC
   * 3397, Section 2 brought them to DHCPv4; RFC 8415, Section 10 forbids them
   * in DHCPv6. Names are always written uncompressed.
   */
  readonly nameCompression: boolean;
}

/** Raised by encodeOptionData; the message names the option and what is wrong with the data. */
export class OptionDataError extends Error {
  override readonly name = 'OptionDataError';
}

const fail = (def: OptionDef, problem: string): OptionDataError =>
  new OptionDataError(`option ${def.name}: ${problem}`);

// ---------------------------------------------------------------------------
// Configuration text to wire bytes.

/** See OptionTable.encode. */
export const encodeOptionData = (def: OptionDef, data: string, csvFormat: boolean, rules: OptionRules): Buffer => {
  if (def.type === 'internal') throw fail(def, 'is written by the server and cannot be configured');
  if (!csvFormat) {
    const bytes = decodeHex(def, data.trim());
    const fits = def.type === 'classless-route' ? readRoutes(bytes) !== undefined : fitsDefinition(def, bytes, rules);
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
    case 'ipv6-address': {
      const bytes = parseIpv6(value);
      if (!bytes) throw fail(def, `"${value}" is not an IPv6 address`);
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
      // No trailing NUL (RFC 2132, Section 2; RFC 8415, Section 21 strings
      // are not NUL-terminated either), and an empty string says nothing.
      if (value === '') throw fail(def, 'empty string');
      return Buffer.from(value, 'utf8');
    case 'tuple': {
      const bytes = Buffer.from(value, 'utf8');
      if (bytes.length > 0xffff) throw fail(def, `"${value.slice(0, 20)}..." is longer than 65535 bytes`);
      const length = Buffer.alloc(2);
      length.writeUInt16BE(bytes.length);
      return Buffer.concat([length, bytes]);
    }
    case 'fqdn': {
      const name = encodeDomainName(value);
      if ('problem' in name) throw fail(def, name.problem);
      return name.wire;
    }
    case 'binary':
      return decodeHex(def, value);
  }
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

/** See OptionTable.format. */
export const formatOptionData = (def: OptionDef, payload: Buffer, rules: OptionRules): string | undefined => {
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
  const spans = splitFields(def, payload, rules);
  if (!spans) return undefined;
  const texts: string[] = [];
  for (const span of spans) {
    const text = fieldText(span, payload, rules);
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
  'ipv6-address': 16,
};

const fitsDefinition = (def: OptionDef, payload: Buffer, rules: OptionRules): boolean =>
  def.type === 'empty' ? payload.length === 0 : splitFields(def, payload, rules) !== undefined;

// Cuts a payload into the fields its definition lists, or undefined when the
// sizes do not add up. Only called for value types and records.
const splitFields = (def: OptionDef, payload: Buffer, rules: OptionRules): Span[] | undefined => {
  const fields: readonly FieldType[] =
    def.type === 'record' ? def.fields : isFieldType(def.type) ? [def.type] : [];
  const last = fields[fields.length - 1];
  if (last === undefined) return undefined;
  const spans: Span[] = [];
  let at = 0;
  const take = (type: FieldType): boolean => {
    const end = fieldEnd(type, payload, at, rules);
    if (end === undefined) return false;
    spans.push({ type, start: at, end });
    at = end;
    return true;
  };
  for (const type of def.array ? fields.slice(0, -1) : fields) if (!take(type)) return undefined;
  // An array holds one value at least: Kea's csv notation has none for zero.
  if (def.array) do if (!take(last)) return undefined; while (at < payload.length);
  return at === payload.length ? spans : undefined;
};

const isFieldType = (type: OptionDef['type']): type is FieldType =>
  type !== 'empty' && type !== 'record' && type !== 'classless-route' && type !== 'internal';

// Where a field starting at `at` ends. Strings and binary take the rest of
// the payload, which is why Kea only allows them as a record's last field.
const fieldEnd = (type: FieldType, payload: Buffer, at: number, rules: OptionRules): number | undefined => {
  const size = FIXED_SIZES[type];
  if (size !== undefined) {
    if (at + size > payload.length) return undefined;
    if (type === 'boolean' && (payload[at] ?? 0) > 1) return undefined;
    return at + size;
  }
  if (type === 'fqdn') return readName(payload, at, rules)?.end;
  if (type === 'tuple') {
    if (at + 2 > payload.length) return undefined;
    const end = at + 2 + payload.readUInt16BE(at);
    return end <= payload.length ? end : undefined;
  }
  if (type === 'string' && at >= payload.length) return undefined; // a string holds a byte at least
  return payload.length;
};

const readName = (payload: Buffer, at: number, rules: OptionRules) =>
  readDomainName(payload, at, { compression: rules.nameCompression, partial: false });

const fieldText = ({ type, start, end }: Span, payload: Buffer, rules: OptionRules): string | undefined => {
  switch (type) {
    case 'ipv4-address':
      return formatIpv4(payload, start);
    case 'ipv6-address':
      return formatIpv6(payload, start);
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
      return escapedText(payload.subarray(start, stop));
    }
    case 'tuple':
      return escapedText(payload.subarray(start + 2, end));
    case 'fqdn': {
      const labels = readName(payload, start, rules)?.labels;
      if (!labels) return undefined;
      if (labels.length === 0) return '.';
      const texts = labels.map((label) => utf8(label));
      if (texts.some((text) => text === undefined || /[.,\\\s]/.test(text))) return undefined;
      return texts.join('.');
    }
  }
};

// Text as a csv value: commas and backslashes escaped the way splitValues reads them.
const escapedText = (bytes: Buffer): string | undefined =>
  utf8(bytes)?.replace(/\\/g, '\\\\').replace(/,/g, '\\,');

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const utf8 = (bytes: Buffer): string | undefined => {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
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
