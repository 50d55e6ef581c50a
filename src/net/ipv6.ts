// IPv6 addresses as the 16 bytes the wire carries and the text configuration
// and logs use.
import { formatIpv4, ipv4Value } from './ipv4.ts';

const COLON = 0x3a;
const DOT = 0x2e;

/** The value of a hex digit's character code, or -1 (also for NaN, past the end). */
const hexDigit = (char: number): number => {
  if (char >= 0x30 && char <= 0x39) return char - 0x30;
  if (char >= 0x61 && char <= 0x66) return char - 0x57;
  if (char >= 0x41 && char <= 0x46) return char - 0x37;
  return -1;
};

/**
 * IPv6 text to 16 bytes, or undefined. Strict like inet_pton (RFC 4291,
 * Section 2.2): eight groups of 1..4 hex digits, at most one "::" standing
 * for one or more zero groups, a dotted quad only as the last 32 bits, no
 * zone index, no surrounding space. A character loop, as ipv4Value: every
 * relayed DHCPv6 reply writes several addresses, and splitting the text into
 * arrays of pieces was a fifth of what a front-end allocated per message.
 */
export const parseIpv6 = (text: string): Buffer | undefined => {
  const bytes = Buffer.alloc(16);
  let groups = 0;
  // Groups written before the "::", once it is seen.
  let gap = -1;
  let index = 0;
  if (text.charCodeAt(0) === COLON) {
    if (text.charCodeAt(1) !== COLON) return undefined;
    gap = 0;
    index = 2;
  }
  while (index < text.length) {
    const start = index;
    let value = 0;
    for (let digit; (digit = hexDigit(text.charCodeAt(index))) >= 0; index++) value = value * 16 + digit;
    if (text.charCodeAt(index) === DOT) {
      // A dotted quad: the rest of the text, two groups.
      const quad = groups <= 6 ? ipv4Value(text.slice(start)) : undefined;
      if (quad === undefined) return undefined;
      bytes.writeUInt32BE(quad, 2 * groups);
      groups += 2;
      break;
    }
    if (index === start || index - start > 4 || groups === 8) return undefined;
    bytes.writeUInt16BE(value, 2 * groups++);
    if (index === text.length) break;
    if (text.charCodeAt(index++) !== COLON || index === text.length) return undefined;
    if (text.charCodeAt(index) === COLON) {
      if (gap >= 0) return undefined;
      gap = groups;
      index++;
    }
  }
  if (gap < 0) return groups === 8 ? bytes : undefined;
  if (groups > 7) return undefined;
  // The groups after "::" go to the end; the zeros it stands for fill the middle.
  const tail = groups - gap;
  bytes.copyWithin(16 - 2 * tail, 2 * gap, 2 * groups);
  bytes.fill(0, 2 * gap, 16 - 2 * tail);
  return bytes;
};

/** parseIpv6 for text a program wrote: throws RangeError naming `what` when it is not an address. */
export const ipv6Bytes = (what: string, text: string): Buffer => {
  const bytes = parseIpv6(text);
  if (!bytes) throw new RangeError(`${what} "${text}" is not an IPv6 address`);
  return bytes;
};

/**
 * The 16 bytes at `offset` as RFC 5952 text: lower case, no leading zeros,
 * the longest run of two or more zero groups (the first of equal runs) as
 * "::", and IPv4-mapped addresses in mixed notation (Section 5), as
 * inet_ntop writes them. The caller has checked the bounds.
 */
export const formatIpv6 = (bytes: Buffer, offset = 0): string => {
  // Every relayed DHCPv6 message carries several addresses: written without
  // intermediate arrays (this was a front-end's busiest function of its own).
  const groups = new Uint16Array(8);
  for (let index = 0; index < 8; index++) groups[index] = (bytes[offset + 2 * index]! << 8) | bytes[offset + 2 * index + 1]!;
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return `::ffff:${formatIpv4(bytes, offset + 12)}`;
  }
  let runStart = -1;
  let runLength = 1;
  for (let start = 0; start < 8; start++) {
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > runLength) [runStart, runLength] = [start, end - start];
  }
  let text = '';
  for (let index = 0; index < 8; index++) {
    if (index === runStart) {
      text += '::';
      index += runLength - 1;
    } else {
      text += (index === 0 || index === runStart + runLength ? '' : ':') + groups[index]!.toString(16);
    }
  }
  return text;
};
