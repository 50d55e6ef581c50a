// Writing DHCPv6 test fixtures field by field (RFC 8415, Sections 8, 9 and
// 21.1), so each test says exactly which bytes it feeds the codec.

export const u16 = (value: number): number[] => [value >> 8, value & 0xff];
export const u32 = (value: number): number[] => [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
export const zeros = (count: number): number[] => new Array<number>(count).fill(0);
export const ascii = (text: string): number[] => [...Buffer.from(text, 'latin1')];
/** Bytes written as hex, spaces allowed for readability. */
export const hex = (text: string): number[] => [...Buffer.from(text.replace(/\s/g, ''), 'hex')];
/** One option: code, length, data. */
export const option = (code: number, ...data: number[]): number[] => [...u16(code), ...u16(data.length), ...data];
/** A domain name in DNS wire format: length-prefixed labels, then the root label. */
export const wireName = (...labels: string[]): number[] => [...labels.flatMap((label) => [label.length, ...ascii(label)]), 0];
/** A RELAY-FORW (12) or RELAY-REPL (13) header: type, hop count, link and peer addresses (16 bytes each). */
export const relayHeader = (msgType: number, hopCount: number, linkAddress: number[], peerAddress: number[]): number[] => {
  if (linkAddress.length !== 16 || peerAddress.length !== 16) throw new Error('addresses are 16 bytes');
  return [msgType, hopCount, ...linkAddress, ...peerAddress];
};
