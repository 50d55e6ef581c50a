// What a front-end keeps in memory between configuration changes: each
// subnet's options already encoded to wire bytes, so answering a packet costs
// one database round trip and no option parsing. Reloaded on NOTIFY and after
// every reconnect (frontend.ts).
import type { OptionData } from '../config/common.ts';
import type { Db } from '../db/pool.ts';
import { encodeOptionData, optionByCode } from '../dhcp4/options.ts';
import { encodeOptionData6, optionByCode6 } from '../dhcp6/options.ts';
import { formatIpv4, ipv4ToNumber, parseIpv4Prefix } from '../net/ipv4.ts';

/** Options ready to copy into a reply. */
export interface EncodedOptions {
  payloads: Map<number, Buffer>;
  /** Codes sent even when the client did not ask for them (Kea's always-send). */
  alwaysSend: Set<number>;
}

export interface CachedPool extends EncodedOptions {
  first: number;
  last: number;
}

export interface CachedSubnet {
  id: number;
  /** Option 1 for replies on this subnet (RFC 2132, Section 3.3). */
  subnetMask: Buffer;
  options: EncodedOptions;
  /** Pools that carry options of their own. */
  pools: CachedPool[];
}

export interface CachedSubnet6 {
  id: number;
  /** CIDR text, for CONFIRM's on-link check. */
  prefix: string;
  interface: string | null;
  options: EncodedOptions;
}

export interface FrontendConfig {
  serial: number;
  subnets: Map<number, CachedSubnet>;
  /** Every configured dhcp-server-identifier: a REQUEST naming one is for us. */
  serverIds: Set<string>;
  /** The DHCPv6 server DUID every front-end presents (dhcpg.server). */
  duid: Buffer;
  subnets6: Map<number, CachedSubnet6>;
}

/** The shape of dhcpg.frontend_config() (sql/frontend_config.sql). */
interface FrontendConfigRow {
  serial: number;
  subnets4: {
    id: number;
    prefix: string;
    optionData: OptionData[];
    pools: { first: string; last: string; optionData: OptionData[] }[];
  }[];
  duid: string;
  subnets6: { id: number; prefix: string; interface: string | null; optionData: OptionData[] }[];
}

const SERVER_IDENTIFIER = 54;

/** An option-data encoder for one family's option table (config apply validated every entry). */
const optionsEncoder = (table: { byCode: typeof optionByCode; encode: typeof encodeOptionData }) =>
  (list: OptionData[] | null | undefined): EncodedOptions => {
    const encoded: EncodedOptions = { payloads: new Map(), alwaysSend: new Set() };
    for (const option of list ?? []) {
      const definition = table.byCode(option.code);
      if (!definition) continue;
      encoded.payloads.set(option.code, table.encode(definition, option.data, option['csv-format']));
      if (option['always-send']) encoded.alwaysSend.add(option.code);
    }
    return encoded;
  };

export const encodeOptions = optionsEncoder({ byCode: optionByCode, encode: encodeOptionData });
export const encodeOptions6 = optionsEncoder({ byCode: optionByCode6, encode: encodeOptionData6 });

const maskOf = (prefixLength: number): Buffer => {
  const mask = Buffer.alloc(4);
  mask.writeUInt32BE(prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0);
  return mask;
};

export const loadFrontendConfig = async (db: Db): Promise<FrontendConfig> => {
  const [row] = await db.query<{ config: FrontendConfigRow }>('frontend-config', 'select dhcpg.frontend_config() as config');
  const config = row!.config;
  const subnets = new Map<number, CachedSubnet>();
  const serverIds = new Set<string>();
  for (const subnet of config.subnets4) {
    const options = encodeOptions(subnet.optionData);
    const serverId = options.payloads.get(SERVER_IDENTIFIER);
    if (serverId) serverIds.add(formatIpv4(serverId));
    subnets.set(subnet.id, {
      id: subnet.id,
      subnetMask: maskOf(parseIpv4Prefix(subnet.prefix)!.length),
      options,
      pools: subnet.pools.map((pool) => ({
        first: ipv4ToNumber(pool.first),
        last: ipv4ToNumber(pool.last),
        ...encodeOptions(pool.optionData),
      })),
    });
  }
  const subnets6 = new Map(config.subnets6.map((subnet) => [subnet.id, {
    id: subnet.id, prefix: subnet.prefix, interface: subnet.interface, options: encodeOptions6(subnet.optionData),
  }]));
  return { serial: config.serial, subnets, serverIds, duid: Buffer.from(config.duid, 'hex'), subnets6 };
};
