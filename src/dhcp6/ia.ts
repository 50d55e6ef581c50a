// Identity associations (RFC 8415, Section 12) and what they carry: IA_NA,
// IA_TA and IA_PD options, the IAADDR and IAPREFIX options inside them, and
// status codes. Read from a client's message into values, and written from
// values into a server's answer.
import { dropped } from '../dhcp/decode-result.ts';
import { formatIpv6, ipv6Bytes } from '../net/ipv6.ts';
import { encodeOptions, readOptions, type Dhcp6Option, type Parsed } from './option-list.ts';

// RFC 8415, Sections 21.4 to 21.22: the option codes.
export const OPTION_IA_NA = 3;
export const OPTION_IA_TA = 4;
export const OPTION_IAADDR = 5;
export const OPTION_STATUS_CODE = 13;
export const OPTION_IA_PD = 25;
export const OPTION_IAPREFIX = 26;

// RFC 8415, Section 21.13: status codes.
export const STATUS_SUCCESS = 0;
export const STATUS_UNSPEC_FAIL = 1;
export const STATUS_NO_ADDRS_AVAIL = 2;
export const STATUS_NO_BINDING = 3;
export const STATUS_NOT_ON_LINK = 4;
export const STATUS_USE_MULTICAST = 5;
export const STATUS_NO_PREFIX_AVAIL = 6;

/** RFC 8415, Section 7.7: a lifetime of 0xffffffff is infinite. */
export const INFINITY = 0xffffffff;

/** RFC 8415, Section 21.13: a status code and a message for people. */
export interface Status {
  code: number;
  /** UTF-8 on the wire, not NUL-terminated; may be empty. */
  message: string;
}

/** RFC 8415, Section 21.6. */
export interface IaAddress {
  address: string;
  preferredLifetime: number;
  validLifetime: number;
  status?: Status;
  /** The address's other options, in order. */
  options: Dhcp6Option[];
}

/** RFC 8415, Section 21.22. */
export interface IaPrefix {
  /** The prefix with the bits past prefixLength zeroed (receivers ignore them). */
  prefix: string;
  prefixLength: number;
  preferredLifetime: number;
  validLifetime: number;
  status?: Status;
  options: Dhcp6Option[];
}

/** RFC 8415, Section 21.4: non-temporary addresses. */
export interface IaNa {
  iaid: number;
  t1: number;
  t2: number;
  addresses: IaAddress[];
  status?: Status;
  /** The IA's other options, in order. */
  options: Dhcp6Option[];
}

/** RFC 8415, Section 21.5: temporary addresses, no timers. */
export interface IaTa {
  iaid: number;
  addresses: IaAddress[];
  status?: Status;
  options: Dhcp6Option[];
}

/** RFC 8415, Section 21.21: delegated prefixes. */
export interface IaPd {
  iaid: number;
  t1: number;
  t2: number;
  prefixes: IaPrefix[];
  status?: Status;
  options: Dhcp6Option[];
}

// Fixed parts before the options, RFC 8415 Sections 21.4, 21.5, 21.6, 21.21,
// 21.22, 21.13.
const IA_FIXED = 12; // IA_NA and IA_PD: IAID, T1, T2
const IA_TA_FIXED = 4; // IAID
const IAADDR_FIXED = 24; // address, preferred and valid lifetimes
const IAPREFIX_FIXED = 25; // preferred and valid lifetimes, prefix length, prefix
const STATUS_FIXED = 2; // status code
const MAX_PREFIX_LENGTH = 128;

// ---------------------------------------------------------------------------
// Reading.

/** An IA_NA payload, or why it is malformed. */
export const readIaNa = (data: Buffer): Parsed<IaNa> => {
  if (data.length < IA_FIXED) return dropped('bad-ia', `IA_NA of ${data.length} bytes, its fixed part takes ${IA_FIXED}`);
  const inner = readInner(data, IA_FIXED, 'IA_NA', OPTION_IAADDR, readIaAddress);
  if (!inner.ok) return inner;
  const { items: addresses, status, options } = inner.value;
  return ok({ iaid: data.readUInt32BE(0), t1: data.readUInt32BE(4), t2: data.readUInt32BE(8), addresses, ...withStatus(status), options });
};

/** An IA_TA payload, or why it is malformed. */
export const readIaTa = (data: Buffer): Parsed<IaTa> => {
  if (data.length < IA_TA_FIXED) return dropped('bad-ia', `IA_TA of ${data.length} bytes, its fixed part takes ${IA_TA_FIXED}`);
  const inner = readInner(data, IA_TA_FIXED, 'IA_TA', OPTION_IAADDR, readIaAddress);
  if (!inner.ok) return inner;
  const { items: addresses, status, options } = inner.value;
  return ok({ iaid: data.readUInt32BE(0), addresses, ...withStatus(status), options });
};

/** An IA_PD payload, or why it is malformed. */
export const readIaPd = (data: Buffer): Parsed<IaPd> => {
  if (data.length < IA_FIXED) return dropped('bad-ia', `IA_PD of ${data.length} bytes, its fixed part takes ${IA_FIXED}`);
  const inner = readInner(data, IA_FIXED, 'IA_PD', OPTION_IAPREFIX, readIaPrefix);
  if (!inner.ok) return inner;
  const { items: prefixes, status, options } = inner.value;
  return ok({ iaid: data.readUInt32BE(0), t1: data.readUInt32BE(4), t2: data.readUInt32BE(8), prefixes, ...withStatus(status), options });
};

const readIaAddress = (data: Buffer): Parsed<IaAddress> => {
  if (data.length < IAADDR_FIXED) return dropped('bad-iaaddr', `IAADDR of ${data.length} bytes, its fixed part takes ${IAADDR_FIXED}`);
  const inner = readInner(data, IAADDR_FIXED, 'IAADDR');
  if (!inner.ok) return inner;
  const { status, options } = inner.value;
  return ok({
    address: formatIpv6(data),
    preferredLifetime: data.readUInt32BE(16),
    validLifetime: data.readUInt32BE(20),
    ...withStatus(status),
    options,
  });
};

const readIaPrefix = (data: Buffer): Parsed<IaPrefix> => {
  if (data.length < IAPREFIX_FIXED) {
    return dropped('bad-iaprefix', `IAPREFIX of ${data.length} bytes, its fixed part takes ${IAPREFIX_FIXED}`);
  }
  const prefixLength = data.readUInt8(8);
  if (prefixLength > MAX_PREFIX_LENGTH) return dropped('bad-iaprefix', `IAPREFIX with prefix length ${prefixLength}`);
  const inner = readInner(data, IAPREFIX_FIXED, 'IAPREFIX');
  if (!inner.ok) return inner;
  const { status, options } = inner.value;
  return ok({
    prefix: formatIpv6(networkOf(data.subarray(9, 25), prefixLength)),
    prefixLength,
    preferredLifetime: data.readUInt32BE(0),
    validLifetime: data.readUInt32BE(4),
    ...withStatus(status),
    options,
  });
};

// RFC 8415, Section 21.13: a status-code payload, or why it is malformed.
const readStatus = (data: Buffer): Parsed<Status> =>
  data.length < STATUS_FIXED
    ? dropped('bad-status-code', `status code of ${data.length} bytes, its code takes ${STATUS_FIXED}`)
    : ok({ code: data.readUInt16BE(0), message: data.toString('utf8', STATUS_FIXED) });

interface Inner<T> {
  items: T[];
  status: Status | undefined;
  options: Dhcp6Option[];
}

// The options after a fixed part: the repeated kind (`itemCode`, read by
// `readItem`), at most one status code, and the rest kept as they are.
const readInner = <T>(
  data: Buffer,
  fixed: number,
  where: string,
  itemCode?: number,
  readItem?: (data: Buffer) => Parsed<T>,
): Parsed<Inner<T>> => {
  const all = readOptions(data, fixed, data.length, where);
  if (!all.ok) return all;
  const inner: Inner<T> = { items: [], status: undefined, options: [] };
  for (const option of all.value) {
    if (option.code === itemCode && readItem) {
      const item = readItem(option.data);
      if (!item.ok) return { ...item, detail: `${where}: ${item.detail}` };
      inner.items.push(item.value);
    } else if (option.code === OPTION_STATUS_CODE) {
      const status = readStatus(option.data);
      if (!status.ok) return { ...status, detail: `${where}: ${status.detail}` };
      if (inner.status) return dropped('bad-status-code', `${where}: more than one status code`);
      inner.status = status.value;
    } else {
      inner.options.push(option);
    }
  }
  return ok(inner);
};

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const withStatus = (status: Status | undefined): { status?: Status } => (status ? { status } : {});

// The prefix with every bit past `length` cleared.
const networkOf = (prefix: Buffer, length: number): Buffer => {
  const network = Buffer.from(prefix);
  for (let bit = length; bit < 128; bit++) network[bit >> 3] = network[bit >> 3]! & ~(0x80 >> (bit & 7));
  return network;
};

// ---------------------------------------------------------------------------
// Writing. Each throws RangeError on values the wire cannot carry (numbers
// outside 32 bits, text that is not an IPv6 address, a prefix length over
// 128): programming errors, not client input.

/** An IA_NA option: addresses, then the status, then the other options. */
export const iaNaOption = (ia: IaNa): Dhcp6Option => ({
  code: OPTION_IA_NA,
  data: Buffer.concat([
    uint32s('IA_NA', ia.iaid, ia.t1, ia.t2),
    encodeOptions([...ia.addresses.map(iaAddressOption), ...statusOptions(ia.status), ...ia.options]),
  ]),
});

/** An IA_TA option: addresses, then the status, then the other options. */
export const iaTaOption = (ia: IaTa): Dhcp6Option => ({
  code: OPTION_IA_TA,
  data: Buffer.concat([
    uint32s('IA_TA', ia.iaid),
    encodeOptions([...ia.addresses.map(iaAddressOption), ...statusOptions(ia.status), ...ia.options]),
  ]),
});

/** An IA_PD option: prefixes, then the status, then the other options. */
export const iaPdOption = (ia: IaPd): Dhcp6Option => ({
  code: OPTION_IA_PD,
  data: Buffer.concat([
    uint32s('IA_PD', ia.iaid, ia.t1, ia.t2),
    encodeOptions([...ia.prefixes.map(iaPrefixOption), ...statusOptions(ia.status), ...ia.options]),
  ]),
});

const iaAddressOption = (address: IaAddress): Dhcp6Option => ({
  code: OPTION_IAADDR,
  data: Buffer.concat([
    ipv6Bytes('IAADDR address', address.address),
    uint32s('IAADDR', address.preferredLifetime, address.validLifetime),
    encodeOptions([...statusOptions(address.status), ...address.options]),
  ]),
});

const iaPrefixOption = (prefix: IaPrefix): Dhcp6Option => {
  if (!Number.isInteger(prefix.prefixLength) || prefix.prefixLength < 0 || prefix.prefixLength > MAX_PREFIX_LENGTH) {
    throw new RangeError(`IAPREFIX prefix length ${prefix.prefixLength} is not 0..${MAX_PREFIX_LENGTH}`);
  }
  return {
    code: OPTION_IAPREFIX,
    data: Buffer.concat([
      uint32s('IAPREFIX', prefix.preferredLifetime, prefix.validLifetime),
      Buffer.of(prefix.prefixLength),
      ipv6Bytes('IAPREFIX prefix', prefix.prefix),
      encodeOptions([...statusOptions(prefix.status), ...prefix.options]),
    ]),
  };
};

/** RFC 8415, Section 21.13: the code, then the message as UTF-8 without a NUL. */
export const statusCodeOption = (status: Status): Dhcp6Option => {
  if (!Number.isInteger(status.code) || status.code < 0 || status.code > 0xffff) {
    throw new RangeError(`status code ${status.code} is not 0..65535`);
  }
  const data = Buffer.alloc(STATUS_FIXED + Buffer.byteLength(status.message, 'utf8'));
  data.writeUInt16BE(status.code);
  data.write(status.message, STATUS_FIXED, 'utf8');
  return { code: OPTION_STATUS_CODE, data };
};

const statusOptions = (status: Status | undefined): Dhcp6Option[] => (status ? [statusCodeOption(status)] : []);

const uint32s = (where: string, ...values: number[]): Buffer => {
  const out = Buffer.alloc(4 * values.length);
  values.forEach((value, index) => {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`${where}: ${value} is not a 32-bit unsigned number`);
    out.writeUInt32BE(value, 4 * index);
  });
  return out;
};
