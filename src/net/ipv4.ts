// IPv4 addresses as 32-bit unsigned numbers, for range arithmetic, and as
// the 4 bytes the wire carries.

/**
 * Dotted-quad text as a 32-bit unsigned number, or undefined. Strict like
 * inet_pton: four decimal parts of 0..255, no leading zeros, no shorthand.
 * A character loop: replies write several addresses each, and splitting and
 * matching every part showed in the front-end's profile.
 */
export const ipv4Value = (text: string): number | undefined => {
  let value = 0;
  let parts = 0;
  let part = -1; // -1: no digit yet in this part
  for (let index = 0; index <= text.length; index++) {
    const char = index < text.length ? text.charCodeAt(index) : 46; // a final '.'
    if (char === 46) {
      if (part < 0 || ++parts > 4) return undefined;
      value = value * 256 + part;
      part = -1;
    } else if (char >= 48 && char <= 57) {
      if (part === 0) return undefined; // a leading zero
      part = part < 0 ? char - 48 : part * 10 + char - 48;
      if (part > 255) return undefined;
    } else {
      return undefined;
    }
  }
  return parts === 4 ? value : undefined;
};

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

/** An address already known to be valid as a number (NaN for anything else). */
export const ipv4ToNumber = (address: string): number => ipv4Value(address) ?? NaN;

/** Whether an address lies in first..last (inclusive). */
export const ipv4InRange = (address: string, first: string, last: string): boolean => {
  const value = ipv4ToNumber(address);
  return value >= ipv4ToNumber(first) && value <= ipv4ToNumber(last);
};

export const numberToIpv4 = (value: number): string =>
  [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');

export interface Ipv4Range {
  first: number;
  last: number;
}

/** "192.0.2.0/24" as its network range; undefined when not a valid IPv4 prefix. */
export const parseIpv4Prefix = (text: string): (Ipv4Range & { length: number }) | undefined => {
  const match = /^([0-9.]+)\/(\d{1,2})$/.exec(text.trim());
  if (!match) return undefined;
  const address = ipv4Value(match[1]!);
  const length = Number(match[2]);
  if (address === undefined || length > 32) return undefined;
  const size = 2 ** (32 - length);
  const first = Math.floor(address / size) * size;
  return { first, last: first + size - 1, length };
};

/** A Kea pool: "first - last" or a prefix; undefined when malformed. */
export const parseIpv4Pool = (text: string): Ipv4Range | undefined => {
  const range = /^\s*([0-9.]+)\s*-\s*([0-9.]+)\s*$/.exec(text);
  if (range) {
    const first = ipv4Value(range[1]!);
    const last = ipv4Value(range[2]!);
    if (first === undefined || last === undefined) return undefined;
    return first <= last ? { first, last } : undefined;
  }
  return parseIpv4Prefix(text);
};
