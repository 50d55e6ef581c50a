// What the Dhcp4 and Dhcp6 readers share: option-data resolved against the
// family's option table, options merged by code, settings that inherit from
// global to shared network to subnet, Kea identifiers, relay addresses,
// interfaces-config, the walk over shared networks and overlap finding.
// dhcp4.ts and dhcp6.ts hold what differs: subnets, pools, reservations.
import { OptionDataError } from '../dhcp/option-data.ts';
import type { OptionDef } from '../dhcp/option-table.ts';
import { ConfigReader, type JsonObject } from './reader.ts';

/** An option-data entry, resolved against the option table and checked. */
export interface OptionData {
  code: number;
  name: string;
  data: string;
  'csv-format': boolean;
  'always-send': boolean;
}

export interface ReadResult<T> {
  config: T;
  warnings: string[];
}

/** What differs between DHCPv4 and DHCPv6 where the readers share code. */
export interface Family {
  /** The option space option-data may name: only the family's standard one. */
  space: 'dhcp4' | 'dhcp6';
  /** The highest option code (8 or 16 bits). */
  maxCode: number;
  optionByName(name: string): OptionDef | undefined;
  optionByCode(code: number): OptionDef | undefined;
  /** Throws OptionDataError when the data does not fit the definition. */
  encodeOptionData(def: OptionDef, data: string, csvFormat: boolean): unknown;
  /** 'IPv4' or 'IPv6', for messages. */
  addressName: string;
  /** An address of the family as canonical text, or undefined. */
  canonicalAddress(text: string): string | undefined;
}

/**
 * Settings of the Kea process itself, in both Dhcp4 and Dhcp6: accepted with
 * a warning, since an operator's existing file has them and dhcpg has its
 * own way for each.
 */
export const KEA_PROCESS_KEYS = [
  'lease-database', 'hosts-database', 'hosts-databases', 'control-socket', 'loggers',
  'hooks-libraries', 'multi-threading', 'expired-leases-processing', 'dhcp-ddns',
  'sanity-checks', 'server-tag', 'dhcp-queue-control', 'host-reservation-identifiers',
  'calculate-tee-times', 'statistic-default-sample-count', 'statistic-default-sample-age',
];

/** Kea's interfaces-config settings about sockets, in both families: dhcpg opens its own. */
export const KEA_SOCKET_KEYS = [
  're-detect', 'service-sockets-max-retries', 'service-sockets-retry-wait-time', 'service-sockets-require-all',
];

export const OPTION_KEYS = ['name', 'code', 'data', 'csv-format', 'always-send', 'space'];
export const MAX_SECONDS = 2 ** 31 - 1;
/** Subnet ids are kept in a PostgreSQL integer. */
export const MAX_SUBNET_ID = 2 ** 31 - 1;

/** Later lists override earlier ones option by option (Kea's inheritance). */
export const mergeOptions = (...lists: OptionData[][]): OptionData[] => {
  const byCode = new Map<number, OptionData>();
  for (const list of lists) for (const option of list) byCode.set(option.code, option);
  return [...byCode.values()].sort((a, b) => a.code - b.code);
};

/** Kea writes identifiers as hex ("01:aa:bb", "aabb", "0x aabb") or as 'quoted text'. */
export const parseIdentifier = (text: string): Buffer | undefined => {
  const quoted = /^'(.*)'$/.exec(text);
  if (quoted) return quoted[1] ? Buffer.from(quoted[1], 'utf8') : undefined;
  const hex = text.replace(/^0x/i, '').replace(/[:\-\s]/g, '');
  return /^([0-9a-fA-F]{2})+$/.test(hex) ? Buffer.from(hex, 'hex') : undefined;
};

/**
 * Items whose ranges overlap one before them (by first address), each with
 * the one it overlaps: the reaching-furthest of those before it, so a pool
 * inside a large one is reported even when a smaller one lies between.
 */
export const overlapping = <T>(items: readonly T[], range: (item: T) => readonly [bigint, bigint]): [T, T][] => {
  const sorted = [...items].sort((a, b) => {
    const [x, y] = [range(a)[0], range(b)[0]];
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const pairs: [T, T][] = [];
  let furthest: T | undefined;
  for (const item of sorted) {
    if (furthest !== undefined && range(item)[0] <= range(furthest)[1]) pairs.push([item, furthest]);
    if (furthest === undefined || range(item)[1] > range(furthest)[1]) furthest = item;
  }
  return pairs;
};

/** How an inherited setting is read. */
type Kind = 'seconds' | 'seconds-or-zero' | 'boolean' | 'string';
type KindValue<K extends Kind> = K extends 'boolean' ? boolean : K extends 'string' ? string : number;

/** Field name in the model -> [Kea key, kind]; order is reading (and so problem) order. */
export type SettingsSpec = Readonly<Record<string, readonly [key: string, kind: Kind]>>;

/** Settings of one level (global, shared network or subnet), the parent's filled in. */
export type Settings<S extends SettingsSpec> = { -readonly [F in keyof S]?: KindValue<S[F][1]> } & {
  relayAddresses?: string[];
  optionData: OptionData[];
};

export class KeaReader extends ConfigReader {
  constructor(allowUnsupported: boolean, readonly family: Family) {
    super(allowUnsupported);
  }

  optionData(object: JsonObject, path: string): OptionData[] {
    const { space: familySpace, maxCode } = this.family;
    const options: OptionData[] = [];
    this.array(object, 'option-data', path).forEach((value, index) => {
      const where = `${path}.option-data[${index}]`;
      const entry = this.object(value, where, OPTION_KEYS);
      if (!entry) return;
      const space = this.string(entry, 'space', where) ?? familySpace;
      if (space !== familySpace) {
        this.problem(`${where}.space`, `option space "${space}" is not supported (only ${familySpace})`);
        return;
      }
      const name = this.string(entry, 'name', where);
      const code = this.integer(entry, 'code', where, 1, maxCode);
      const definition = name !== undefined ? this.family.optionByName(name)
        : code !== undefined ? this.family.optionByCode(code) : undefined;
      if (!definition) {
        this.problem(where, name !== undefined || code !== undefined
          ? `unknown option ${name ?? code}`
          : 'needs a "name" or a "code"');
        return;
      }
      if (code !== undefined && code !== definition.code) {
        this.problem(where, `option ${definition.name} has code ${definition.code}, not ${code}`);
        return;
      }
      const data = this.string(entry, 'data', where) ?? '';
      const csvFormat = this.boolean(entry, 'csv-format', where) ?? true;
      try {
        this.family.encodeOptionData(definition, data, csvFormat);
      } catch (error) {
        if (!(error instanceof OptionDataError)) throw error;
        this.problem(`${where}.data`, error.message);
        return;
      }
      options.push({
        code: definition.code,
        name: definition.name,
        data,
        'csv-format': csvFormat,
        'always-send': this.boolean(entry, 'always-send', where) ?? false,
      });
    });
    return options;
  }

  /** A relay's addresses, canonical; Kea's older single "ip-address" too. */
  relay(value: unknown, path: string): string[] {
    const relay = this.object(value, path, ['ip-addresses', 'ip-address']);
    if (!relay) return [];
    const addresses = this.array(relay, 'ip-addresses', path);
    const single = this.string(relay, 'ip-address', path);
    const all = single === undefined ? addresses : [...addresses, single];
    const canonical: string[] = [];
    all.forEach((address, index) => {
      const text = typeof address === 'string' ? this.family.canonicalAddress(address) : undefined;
      if (text === undefined) this.problem(`${path}.ip-addresses[${index}]`, `must be an ${this.family.addressName} address`);
      else canonical.push(text);
    });
    return canonical;
  }

  /**
   * The settings a level may set, over its parent's. Only keys in `allowed`
   * are read: one the level does not support was reported (or, with
   * --allow-unsupported, warned as ignored) and is ignored indeed.
   */
  inherited<S extends SettingsSpec>(object: JsonObject, path: string, parent: Settings<S>, spec: S,
                                    allowed: readonly string[]): Settings<S> {
    const read = (key: string) => allowed.includes(key) && object[key] !== undefined;
    const relay = read('relay') ? this.relay(object.relay, `${path}.relay`) : undefined;
    const settings: Record<string, unknown> = { ...parent };
    for (const [field, [key, kind]] of Object.entries(spec)) {
      if (!read(key)) continue;
      const value = kind === 'seconds' ? this.integer(object, key, path, 1, MAX_SECONDS)
        : kind === 'seconds-or-zero' ? this.integer(object, key, path, 0, MAX_SECONDS)
        : kind === 'boolean' ? this.boolean(object, key, path)
        : this.string(object, key, path);
      if (value !== undefined) settings[field] = value;
    }
    settings.relayAddresses = relay ?? parent.relayAddresses;
    settings.optionData = mergeOptions(parent.optionData, this.optionData(object, path));
    return settings as Settings<S>;
  }

  /**
   * The one identifier a reservation gives, of `keys`, as bytes; a problem
   * and undefined when there is none, more than one, or a malformed one.
   */
  identifier<K extends string>(entry: JsonObject, path: string, keys: readonly K[],
                               maxLength: Partial<Record<K, number>> = {}): { key: K; value: Buffer } | undefined {
    const given = keys.filter((key) => entry[key] !== undefined);
    if (given.length !== 1) {
      this.problem(path, `needs exactly one of ${keys.join(', ')}`);
      return undefined;
    }
    const key = given[0]!;
    const text = this.string(entry, key, path);
    const value = text === undefined ? undefined : parseIdentifier(text);
    if (!value) {
      this.problem(`${path}.${key}`, "must be hex bytes (aa:bb:cc) or 'quoted text'");
      return undefined;
    }
    const max = maxLength[key];
    if (max !== undefined && value.length > max) {
      this.problem(`${path}.${key}`, `is ${value.length} bytes long, at most ${max} allowed`);
      return undefined;
    }
    return { key, value };
  }

  /** interfaces-config.interfaces; `ignored` are the family's socket settings, warned about. */
  interfaces(root: JsonObject, rootPath: string, ignored: readonly string[]): string[] {
    const path = `${rootPath}.interfaces-config`;
    const config = root['interfaces-config'] === undefined ? {}
      : this.object(root['interfaces-config'], path, ['interfaces'], ignored) ?? {};
    return this.array(config, 'interfaces', path).filter((name): name is string => typeof name === 'string');
  }

  /**
   * Walks shared-networks: each needs a unique name; `inherit` reads its
   * settings, and `subnet` is called for each entry of its `subnetKey` list
   * with them. Returns the networks in order.
   */
  sharedNetworks<T>(
    root: JsonObject, rootPath: string, subnetKey: string, keys: readonly string[],
    inherit: (entry: JsonObject, path: string, name: string) => T,
    subnet: (value: unknown, path: string, settings: T, network: string) => void,
  ): { name: string; path: string }[] {
    const networks: { name: string; path: string }[] = [];
    this.array(root, 'shared-networks', rootPath).forEach((value, index) => {
      const path = `${rootPath}.shared-networks[${index}]`;
      const entry = this.object(value, path, keys);
      if (!entry) return;
      const name = this.string(entry, 'name', path);
      if (!name) {
        this.problem(`${path}.name`, 'required');
        return;
      }
      if (networks.some((network) => network.name === name)) this.problem(`${path}.name`, `"${name}" is used twice`);
      networks.push({ name, path });
      const settings = inherit(entry, path, name);
      this.array(entry, subnetKey, path).forEach((subnetValue, subnetIndex) =>
        subnet(subnetValue, `${path}.${subnetKey}[${subnetIndex}]`, settings, name));
    });
    return networks;
  }
}
