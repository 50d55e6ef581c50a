// Domain names in DNS wire format (RFC 1035, Section 3.1): length-prefixed
// labels ending with the zero-length root label, as DHCPv4 and DHCPv6 options
// carry them.

// RFC 1035, Section 2.3.4.
const MAX_LABEL = 63;
const MAX_NAME = 255;

/**
 * A name written as text ("host.example.org", a final dot optional, "." the
 * root) to its wire form, uncompressed and fully qualified, as Kea writes it;
 * or what keeps the text from being a name.
 */
export const encodeDomainName = (text: string): { wire: Buffer } | { problem: string } => {
  if (text === '.') return { wire: Buffer.of(0) };
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name === '') return { problem: 'empty domain name' };
  const parts: Buffer[] = [];
  for (const label of name.split('.')) {
    const bytes = Buffer.from(label, 'utf8');
    if (bytes.length === 0) return { problem: `"${text}" is not a domain name (empty label)` };
    if (bytes.length > MAX_LABEL) return { problem: `"${text}" is not a domain name (label longer than ${MAX_LABEL} bytes)` };
    parts.push(Buffer.of(bytes.length), bytes);
  }
  parts.push(Buffer.of(0));
  const wire = Buffer.concat(parts);
  if (wire.length > MAX_NAME) return { problem: `"${text}" is not a domain name (longer than ${MAX_NAME} bytes)` };
  return { wire };
};

/** A name read from the wire. */
export interface WireName {
  /** The labels, without the root label. */
  readonly labels: Buffer[];
  /** Where the name's own bytes stop (after the root label, or the first pointer). */
  readonly end: number;
  /** Ended by the root label; a partial name (RFC 4702 / RFC 4704) is not. */
  readonly qualified: boolean;
}

export interface NameReading {
  /**
   * Follow compression pointers into the payload (RFC 1035, Section 4.1.4).
   * RFC 3397, Section 2 brought them to DHCPv4 names; RFC 8415, Section 10
   * forbids them in DHCPv6.
   */
  readonly compression: boolean;
  /** A name may stop at the payload's end without the root label (the client FQDN options). */
  readonly partial: boolean;
}

/**
 * The name at `at`, or undefined when it is malformed: a label running past
 * the payload, a reserved label type (0x40, 0x80), a pointer where none is
 * allowed, more than 255 bytes. Each pointer must go back before the stretch
 * of labels it ends, so reading always terminates.
 */
export const readDomainName = (payload: Buffer, at: number, reading: NameReading): WireName | undefined => {
  const labels: Buffer[] = [];
  let position = at;
  let stretchStart = at;
  let end: number | undefined;
  let wireLength = 1;
  for (;;) {
    const length = payload[position];
    if (length === undefined) {
      return reading.partial && end === undefined && position === payload.length
        ? { labels, end: position, qualified: false }
        : undefined;
    }
    if (length === 0) return { labels, end: end ?? position + 1, qualified: true };
    if (length >= 0xc0) {
      const low = payload[position + 1];
      if (!reading.compression || low === undefined) return undefined;
      const target = ((length & 0x3f) << 8) | low;
      if (target >= stretchStart) return undefined;
      end ??= position + 2;
      position = target;
      stretchStart = target;
      continue;
    }
    if (length > MAX_LABEL) return undefined;
    wireLength += length + 1;
    if (wireLength > MAX_NAME || position + 1 + length > payload.length) return undefined;
    labels.push(payload.subarray(position + 1, position + 1 + length));
    position += 1 + length;
  }
};
