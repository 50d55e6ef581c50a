// DHCPv6 options as they sit on the wire (RFC 8415, Section 21.1): a 2-byte
// code, a 2-byte length, the data; in messages, relay messages, IAs and
// addresses alike. Kept as an ordered list: DHCPv6 repeats options on
// purpose (an IA_NA per IA, an IAADDR per address).
import { dropped } from '../dhcp/decode-result.ts';
import type { DropReason6 } from './packet.ts';

export interface Dhcp6Option {
  readonly code: number;
  readonly data: Buffer;
}

/** Why a part of a message cannot be read: the message is dropped for it. */
export type Malformed = { ok: false; reason: DropReason6; detail: string };

/** A part of a message read from the wire, or why it cannot be. */
export type Parsed<T> = { ok: true; value: T } | Malformed;

const OPTION_HEADER = 4;
const MAX_OPTION_DATA = 0xffff;

/**
 * The options in buf[start, end), or option-overrun when one's header or
 * data runs past `end`. `where` names the area for the detail. The data are
 * views of `buf`.
 */
export const readOptions = (buf: Buffer, start: number, end: number, where: string): Parsed<Dhcp6Option[]> => {
  const options: Dhcp6Option[] = [];
  let position = start;
  while (position < end) {
    if (position + OPTION_HEADER > end) {
      return dropped('option-overrun', `${where}: ${end - position} bytes at offset ${position}, too few for an option header`);
    }
    const code = buf.readUInt16BE(position);
    const length = buf.readUInt16BE(position + 2);
    const dataEnd = position + OPTION_HEADER + length;
    if (dataEnd > end) {
      return dropped(
        'option-overrun',
        `${where}: option ${code} at offset ${position} claims ${length} bytes, ${end - position - OPTION_HEADER} left`,
      );
    }
    options.push({ code, data: buf.subarray(position + OPTION_HEADER, dataEnd) });
    position = dataEnd;
  }
  return { ok: true, value: options };
};

/** The options' size on the wire. */
export const optionsSize = (options: readonly Dhcp6Option[]): number =>
  options.reduce((size, option) => size + OPTION_HEADER + option.data.length, 0);

/**
 * Writes the options at `at` in list order and returns where they end.
 * Throws RangeError on a code or length the 2-byte fields cannot carry.
 */
export const writeOptions = (out: Buffer, at: number, options: readonly Dhcp6Option[]): number => {
  let position = at;
  for (const { code, data } of options) {
    if (!Number.isInteger(code) || code < 0 || code > 0xffff) throw new RangeError(`option code ${code} is not 0..65535`);
    if (data.length > MAX_OPTION_DATA) throw new RangeError(`option ${code} holds ${data.length} bytes, at most ${MAX_OPTION_DATA}`);
    out.writeUInt16BE(code, position);
    out.writeUInt16BE(data.length, position + 2);
    data.copy(out, position + OPTION_HEADER);
    position += OPTION_HEADER + data.length;
  }
  return position;
};

/** The options as one buffer, the payload of an option that holds options. */
export const encodeOptions = (options: readonly Dhcp6Option[]): Buffer => {
  const out = Buffer.alloc(optionsSize(options));
  writeOptions(out, 0, options);
  return out;
};
