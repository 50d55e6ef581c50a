// The TypeScript face of the DHCPv6 lease engine: messages as dhcpg.handle6
// reads them (sql/handle6.sql), sent to it in batches (batcher.ts).
import type { Db } from '../db/pool.ts';
import { batcher, type EngineOptions, type EntryPoint } from './batcher.ts';

/** One IA of a message: what the client holds or would like (its IAADDR / IAPREFIX). */
export interface Ia6 {
  kind: 'na' | 'pd';
  iaid: number;
  /** Addresses ("2001:db8::5") or prefixes ("2001:db8:1::/56"). */
  hints?: string[];
}

/** A client message, decoded (byte strings as hex without a prefix). */
export interface Message6 {
  type: 'solicit' | 'request' | 'renew' | 'rebind' | 'release' | 'decline';
  duid: string;
  /** From a DUID-LL or DUID-LLT, or the relay's client link-layer address (RFC 6939). */
  hw_address?: string;
  /** The closest relay's link-address, for subnet selection. */
  link?: string;
  /** The receiving interface of a directly attached client. */
  interface?: string;
  /** The closest relay's Interface-Id. */
  interface_id?: string;
  rapid_commit?: boolean;
  hostname?: string;
  ias: Ia6[];
}

export interface Lease6 {
  /** An address as a /128, or a delegated prefix. */
  prefix: string;
  preferred: number;
  valid: number;
}

/** What dhcpg.handle6 decided about one message. */
export interface Answer6 {
  action: 'advertise' | 'reply' | 'drop';
  reason: string;
  subnet_id?: number;
  hostname?: string | null;
  ias: { kind: 'na' | 'pd'; iaid: number; t1: number; t2: number; status: string | null; leases: Lease6[] }[];
}

const HANDLE6: EntryPoint<Message6, { answer: Answer6 }, Answer6> = {
  name: 'handle6',
  sql: 'select handle6 as answer from dhcpg.handle6($1::jsonb, coalesce($2::timestamptz, now())) handle6',
  // The same test as dhcpg.handle6's: an ADVERTISE grants nothing.
  durable: (message) => message.type !== 'solicit' || message.rapid_commit === true,
  answer: (row) => row.answer,
};

export interface LeaseEngine6 {
  handle(message: Message6, now?: Date): Promise<Answer6>;
}

export const leaseEngine6 = (db: Db, options: EngineOptions = {}): LeaseEngine6 => {
  const send = batcher(db, HANDLE6, options);
  return { handle: (message, now) => send(message, now) };
};
