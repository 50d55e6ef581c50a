// The TypeScript face of the DHCPv4 lease engine: one typed function per
// message type, all sent to the one SQL entry point dhcpg.handle4 in batches.
import type { Db } from '../db/pool.ts';
import type { OptionData } from '../config/dhcp4.ts';
import { batcher, type EngineOptions, type EntryPoint } from './batcher.ts';

/** How a DHCPv4 client is identified (RFC 2131 section 4.2). */
export interface Client4 {
  hwType: number;
  hwAddress: Buffer;
  /** Option 61, when the client sent one. */
  clientId?: Buffer;
}

/** Where a message came from, for subnet selection (see sql/select_subnet4.sql). */
export interface Link4 {
  /** link-selection, subnet-selection, giaddr, ciaddr or the receiving interface's address. */
  selector?: string;
  /** giaddr, when no link-selection or subnet-selection overrides it. */
  relay?: string;
  /** Name of the receiving interface. */
  interface?: string;
}

export type RequestKind = 'selecting' | 'init-reboot' | 'renewing' | 'rebinding';

/** A row of type dhcpg.reply4: what the engine decided. */
export interface Reply4 {
  action: 'offer' | 'ack' | 'nak' | 'drop' | 'done';
  reason: string;
  address: string | null;
  subnet_id: number | null;
  valid_lifetime: number | null;
  renew_timer: number | null;
  rebind_timer: number | null;
  hostname: string | null;
  /** The client's reservation options, applied over the subnet's. */
  option_data: OptionData[] | null;
}

export interface MessageDetails {
  /** Relay agent circuit-id (option 82 sub-option 1), for reservations. */
  circuitId?: Buffer;
  hostname?: string;
  /** The engine's clock; tests move it, front-ends leave it to the database. */
  now?: Date;
}

/** One message as dhcpg.handle4 reads it (type dhcpg.message4; bytea as '\x' hex). */
interface Message4 {
  type: 'discover' | 'request' | 'release' | 'decline' | 'inform';
  request_kind?: RequestKind;
  hw_type: number;
  hw_address: string;
  client_id?: string;
  selector?: string;
  relay?: string;
  interface?: string;
  address?: string;
  circuit_id?: string;
  hostname?: string;
  rapid_commit?: boolean;
}

const hex = (bytes: Buffer | undefined): string | undefined => (bytes ? `\\x${bytes.toString('hex')}` : undefined);

/**
 * Every message with the same fields in the same order: one object shape for
 * JSON.stringify however the message came (fields left undefined are not
 * sent).
 */
const message4 = (
  type: Message4['type'], client: Client4, link: Link4 | undefined,
  fields: Pick<Message4, 'request_kind' | 'address' | 'circuit_id' | 'hostname' | 'rapid_commit'>,
): Message4 => ({
  type,
  request_kind: fields.request_kind,
  hw_type: client.hwType,
  hw_address: hex(client.hwAddress)!,
  client_id: hex(client.clientId),
  selector: link?.selector,
  relay: link?.relay,
  interface: link?.interface,
  address: fields.address,
  circuit_id: fields.circuit_id,
  hostname: fields.hostname,
  rapid_commit: fields.rapid_commit,
});

export interface LeaseEngine4 {
  discover(client: Client4, link: Link4, details?: MessageDetails & { requested?: string; rapidCommit?: boolean }): Promise<Reply4>;
  request(client: Client4, link: Link4, kind: RequestKind, address: string | undefined, details?: MessageDetails): Promise<Reply4>;
  release(client: Client4, address: string, details?: Pick<MessageDetails, 'now'>): Promise<Reply4>;
  decline(client: Client4, address: string, details?: Pick<MessageDetails, 'now'>): Promise<Reply4>;
  inform(client: Client4, link: Link4, details?: Pick<MessageDetails, 'circuitId'>): Promise<Reply4>;
}

/** dhcpg.handle4: rows of type dhcpg.reply4. */
const HANDLE4: EntryPoint<Message4, Reply4, Reply4> = {
  name: 'handle4',
  sql: 'select * from dhcpg.handle4($1::jsonb, coalesce($2::timestamptz, now()))',
  // The same test as dhcpg.handle4's: does the batch write anything that must last?
  durable: (message) => message.type === 'request' || message.type === 'release' || message.type === 'decline'
    || (message.type === 'discover' && message.rapid_commit === true),
  answer: (row) => row,
};

/** Messages go to dhcpg.handle4 in batches (see batcher.ts). */
export const leaseEngine4 = (db: Db, options: EngineOptions = {}): LeaseEngine4 => {
  const send = batcher(db, HANDLE4, options);
  return {
    discover: (client, link, details = {}) => send(message4('discover', client, link, {
      address: details.requested, circuit_id: hex(details.circuitId), hostname: details.hostname, rapid_commit: details.rapidCommit,
    }), details.now),
    request: (client, link, kind, address, details = {}) => send(message4('request', client, link, {
      request_kind: kind, address, circuit_id: hex(details.circuitId), hostname: details.hostname,
    }), details.now),
    release: (client, address, details = {}) => send(message4('release', client, undefined, { address }), details.now),
    decline: (client, address, details = {}) => send(message4('decline', client, undefined, { address }), details.now),
    inform: (client, link, details = {}) => send(message4('inform', client, link, { circuit_id: hex(details.circuitId) }), undefined),
  };
};
