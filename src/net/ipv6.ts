// IPv6 addresses as the 16 bytes the wire carries and the text configuration
// and logs use.
import { formatIpv4, ipv4Value } from './ipv4.ts';

/**
 * IPv6 text to 16 bytes, or undefined. Strict like inet_pton (RFC 4291,
 * Section 2.2): eight groups of 1..4 hex digits, at most one "::" standing
 * for one or more zero groups, a dotted quad only as the last 32 bits, no
 * zone index, no surrounding space.
 */
export const parseIpv6 = (text: string): Buffer | undefined => {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = groupsOf(halves[0] ?? '', halves.length === 1);
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '', true) : [];
  if (!head || !tail) return undefined;
  const count = head.length + tail.length;
  if (halves.length === 2 ? count > 7 : count !== 8) return undefined;
  const bytes = Buffer.alloc(16);
  head.forEach((group, index) => bytes.writeUInt16BE(group, 2 * index));
  tail.forEach((group, index) => bytes.writeUInt16BE(group, 2 * (8 - tail.length + index)));
  return bytes;
};

/** parseIpv6 for text a program wrote: throws RangeError naming `what` when it is not an address. */
export const ipv6Bytes = (what: string, text: string): Buffer => {
  const bytes = parseIpv6(text);
  if (!bytes) throw new RangeError(`${what} "${text}" is not an IPv6 address`);
  return bytes;
};

// The 16-bit groups of one side of "::"; a dotted quad may end the last side.
const groupsOf = (part: string, last: boolean): number[] | undefined => {
  if (part === '') return [];
  const pieces = part.split(':');
  const groups: number[] = [];
  for (const [index, piece] of pieces.entries()) {
    if (last && index === pieces.length - 1 && piece.includes('.')) {
      const value = ipv4Value(piece);
      if (value === undefined) return undefined;
      groups.push(value >>> 16, value & 0xffff);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
      groups.push(parseInt(piece, 16));
    } else {
      return undefined;
    }
  }
  return groups;
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
