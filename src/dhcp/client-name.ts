// A name a client sends about itself (DHCPv4 host name and client FQDN,
// DHCPv6 client FQDN) as the text the lease engine stores, or why it gives
// none a server can use.
import { isUtf8 } from 'node:buffer';
import { readDomainName } from './domain-name.ts';

/** Why a name option a client sent gives no name. */
export type NameProblem =
  | 'nul-byte' // a NUL inside the name: no name has one, and PostgreSQL text cannot hold it
  | 'invalid-utf8' // not UTF-8: what it spells is unknown, and PostgreSQL text is UTF-8
  | 'malformed'; // the option's own structure is broken (the FQDN option's fixed part or labels)

/** A name option as sent: its text, or why it has none a server can use. */
export type ClientName = { name: string } | { problem: NameProblem };

/**
 * Name bytes as text, or the problem: strictly UTF-8 (Buffer.toString would
 * turn bad bytes into U+FFFD, a name the client never sent) and NUL-free.
 */
export const nameText = (bytes: Buffer): ClientName => {
  if (bytes.includes(0)) return { problem: 'nul-byte' };
  if (!isUtf8(bytes)) return { problem: 'invalid-utf8' };
  return { name: bytes.toString('utf8') };
};

/**
 * The name field of a client FQDN option (RFC 4702, Section 2.3.1; RFC 4704,
 * Section 4.2): labels without compression filling `bytes`; a name without
 * the final root label is a partial name. Fully qualified names come out
 * with a final "."; undefined when there is no name (no labels at all).
 */
export const fqdnOptionName = (bytes: Buffer): ClientName | undefined => {
  const name = readDomainName(bytes, 0, { compression: false, partial: true });
  if (!name || name.end !== bytes.length) return { problem: 'malformed' };
  if (name.labels.length === 0) return undefined;
  const dotted = name.labels.flatMap((label, index) => (index === 0 ? [label] : [DOT, label]));
  return nameText(Buffer.concat(name.qualified ? [...dotted, DOT] : dotted));
};

const DOT = Buffer.from('.');
