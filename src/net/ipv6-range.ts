// IPv6 addresses as 128-bit unsigned bigints, for range arithmetic on
// prefixes and pools (a /64 holds 2^64 addresses: more than a number holds).
import { formatIpv6, parseIpv6 } from './ipv6.ts';

const MASK_64 = (1n << 64n) - 1n;

/** IPv6 text as a 128-bit number, or undefined (strict: see parseIpv6). */
export const ipv6Value = (text: string): bigint | undefined => {
  const bytes = parseIpv6(text);
  return bytes && (bytes.readBigUInt64BE(0) << 64n) | bytes.readBigUInt64BE(8);
};

/** A 128-bit number as RFC 5952 text. */
export const ipv6FromValue = (value: bigint): string => {
  const bytes = Buffer.alloc(16);
  bytes.writeBigUInt64BE((value >> 64n) & MASK_64, 0);
  bytes.writeBigUInt64BE(value & MASK_64, 8);
  return formatIpv6(bytes);
};

/** IPv6 text in RFC 5952 form, or undefined when it is not an address. */
export const canonicalIpv6 = (text: string): string | undefined => {
  const bytes = parseIpv6(text);
  return bytes && formatIpv6(bytes);
};

export interface Ipv6Range {
  first: bigint;
  last: bigint;
}

export interface Ipv6Prefix extends Ipv6Range {
  length: number;
  /** The address as written had bits set beyond the length (first is masked). */
  hostBits: boolean;
}

/** The addresses under `length` bits of `address`. */
export const ipv6PrefixRange = (address: bigint, length: number): Ipv6Range => {
  const size = 1n << BigInt(128 - length);
  const first = address - (address % size);
  return { first, last: first + size - 1n };
};

/** "2001:db8::/64" as its range; undefined unless an IPv6 address, a slash and 0..128. */
export const parseIpv6Prefix = (text: string): Ipv6Prefix | undefined => {
  const match = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(text.trim());
  if (!match) return undefined;
  const address = ipv6Value(match[1]!);
  const length = Number(match[2]);
  if (address === undefined || length > 128) return undefined;
  const range = ipv6PrefixRange(address, length);
  return { ...range, length, hostBits: range.first !== address };
};

/** A prefix as canonical CIDR text: its first address, a slash, its length. */
export const ipv6PrefixText = (prefix: { first: bigint; length: number }): string =>
  `${ipv6FromValue(prefix.first)}/${prefix.length}`;

/** A Kea pool: "first - last" (first <= last), or a prefix (with its length); undefined when malformed. */
export const parseIpv6Pool = (text: string): (Ipv6Range & Partial<Ipv6Prefix>) | undefined => {
  const range = /^\s*([0-9a-fA-F:.]+)\s*-\s*([0-9a-fA-F:.]+)\s*$/.exec(text);
  if (!range) return parseIpv6Prefix(text);
  const first = ipv6Value(range[1]!);
  const last = ipv6Value(range[2]!);
  if (first === undefined || last === undefined || first > last) return undefined;
  return { first, last };
};
