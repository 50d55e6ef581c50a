// The TypeScript face of the lease engine: one typed function per SQL
// function, each one statement and one round trip. Placeholders carry explicit
// casts so the statements prepare identically on every connection.
import type { Db } from '../db/pool.ts';
import type { OptionData } from '../config/dhcp4.ts';

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

const CLIENT = `$1::smallint, $2::bytea, $3::bytea`;
const LINK = `$4::inet, $5::inet, $6::text`;

const first = (rows: Reply4[]): Reply4 => {
  if (!rows[0]) throw new Error('the lease engine returned no row');
  return rows[0];
};

const clientParams = (client: Client4): unknown[] => [client.hwType, client.hwAddress, client.clientId ?? null];
const linkParams = (link: Link4): unknown[] => [link.selector ?? null, link.relay ?? null, link.interface ?? null];

export interface LeaseEngine4 {
  discover(client: Client4, link: Link4, details?: MessageDetails & { requested?: string; rapidCommit?: boolean }): Promise<Reply4>;
  request(client: Client4, link: Link4, kind: RequestKind, address: string | undefined, details?: MessageDetails): Promise<Reply4>;
  release(client: Client4, address: string, details?: Pick<MessageDetails, 'now'>): Promise<Reply4>;
  decline(client: Client4, address: string, details?: Pick<MessageDetails, 'now'>): Promise<Reply4>;
  inform(client: Client4, link: Link4, details?: Pick<MessageDetails, 'circuitId'>): Promise<Reply4>;
}

export const leaseEngine4 = (db: Db): LeaseEngine4 => ({
  discover: async (client, link, details = {}) =>
    first(await db.query<Reply4>(
      'discover4',
      `select * from dhcpg.discover4(${CLIENT}, ${LINK}, $7::inet, $8::bytea, $9::text, $10::boolean,
                                     coalesce($11::timestamptz, now()))`,
      [...clientParams(client), ...linkParams(link), details.requested ?? null, details.circuitId ?? null,
        details.hostname ?? null, details.rapidCommit ?? false, details.now ?? null],
    )),
  request: async (client, link, kind, address, details = {}) =>
    first(await db.query<Reply4>(
      'request4',
      `select * from dhcpg.request4(${CLIENT}, ${LINK}, $7::text, $8::inet, $9::bytea, $10::text,
                                    coalesce($11::timestamptz, now()))`,
      [...clientParams(client), ...linkParams(link), kind, address ?? null, details.circuitId ?? null,
        details.hostname ?? null, details.now ?? null],
    )),
  release: async (client, address, details = {}) =>
    first(await db.query<Reply4>(
      'release4',
      `select * from dhcpg.release4(${CLIENT}, $4::inet, coalesce($5::timestamptz, now()))`,
      [...clientParams(client), address, details.now ?? null],
    )),
  decline: async (client, address, details = {}) =>
    first(await db.query<Reply4>(
      'decline4',
      `select * from dhcpg.decline4(${CLIENT}, $4::inet, coalesce($5::timestamptz, now()))`,
      [...clientParams(client), address, details.now ?? null],
    )),
  inform: async (client, link, details = {}) =>
    first(await db.query<Reply4>(
      'inform4',
      `select * from dhcpg.inform4(${CLIENT}, ${LINK}, $7::bytea)`,
      [...clientParams(client), ...linkParams(link), details.circuitId ?? null],
    )),
});
