// IPv4 addresses as 32-bit unsigned numbers, for range arithmetic.
import { isIPv4 } from 'node:net';

export const ipv4ToNumber = (address: string): number =>
  address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);

export const numberToIpv4 = (value: number): string =>
  [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');

export interface Ipv4Range {
  first: number;
  last: number;
}

/** "192.0.2.0/24" as its network range; undefined when not a valid IPv4 prefix. */
export const parseIpv4Prefix = (text: string): (Ipv4Range & { length: number }) | undefined => {
  const match = /^([0-9.]+)\/(\d{1,2})$/.exec(text.trim());
  if (!match || !isIPv4(match[1]!) || Number(match[2]) > 32) return undefined;
  const length = Number(match[2]);
  const size = 2 ** (32 - length);
  const first = Math.floor(ipv4ToNumber(match[1]!) / size) * size;
  return { first, last: first + size - 1, length };
};

/** A Kea pool: "first - last" or a prefix; undefined when malformed. */
export const parseIpv4Pool = (text: string): Ipv4Range | undefined => {
  const range = /^\s*([0-9.]+)\s*-\s*([0-9.]+)\s*$/.exec(text);
  if (range) {
    if (!isIPv4(range[1]!) || !isIPv4(range[2]!)) return undefined;
    const first = ipv4ToNumber(range[1]!);
    const last = ipv4ToNumber(range[2]!);
    return first <= last ? { first, last } : undefined;
  }
  return parseIpv4Prefix(text);
};
