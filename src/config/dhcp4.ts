// The supported subset of Kea's Dhcp4 configuration, checked and turned into
// the model that config/apply.ts writes. Values inherit as in Kea: global,
// then shared network, then subnet.
import { isIPv4 } from 'node:net';
import { OptionDataError } from '../dhcp/option-data.ts';
import { encodeOptionData, optionByCode, optionByName } from '../dhcp4/options.ts';
import { ipv4ToNumber, numberToIpv4, parseIpv4Pool, parseIpv4Prefix, type Ipv4Range } from '../net/ipv4.ts';
import { ConfigReader, type JsonObject } from './reader.ts';

/** An option-data entry, resolved against the option table and checked. */
export interface OptionData {
  code: number;
  name: string;
  data: string;
  'csv-format': boolean;
  'always-send': boolean;
}

export interface Pool4 extends Ipv4Range {
  optionData: OptionData[];
}

export interface Reservation4 {
  /** Null for a global reservation. */
  subnetId: number | null;
  hwAddress?: Buffer;
  clientId?: Buffer;
  circuitId?: Buffer;
  address?: string;
  hostname?: string;
  optionData: OptionData[];
}

export interface Subnet4 {
  id: number;
  prefix: string;
  range: Ipv4Range;
  sharedNetwork?: string;
  interface?: string;
  relayAddresses: string[];
  validLifetime: number;
  renewTimer?: number;
  rebindTimer?: number;
  offerLifetime: number;
  declineProbation: number;
  authoritative: boolean;
  /** Effective options: global, shared network and subnet merged by code. */
  optionData: OptionData[];
  pools: Pool4[];
}

export interface Config4 {
  /** The Dhcp4 object as given (minus nothing): what "config show" prints. */
  source: JsonObject;
  interfaces: string[];
  sharedNetworks: string[];
  subnets: Subnet4[];
  reservations: Reservation4[];
}

/** Kea's defaults where dhcpg has the same setting, and dhcpg's own for the rest. */
export const DEFAULTS = {
  validLifetime: 7200,
  offerLifetime: 60,
  declineProbation: 86400,
};

// Settings of the Kea process itself: accepted with a warning, since an
// operator's existing file has them and dhcpg has its own way for each.
const KEA_PROCESS_KEYS = [
  'lease-database', 'hosts-database', 'hosts-databases', 'control-socket', 'loggers',
  'hooks-libraries', 'multi-threading', 'expired-leases-processing', 'dhcp-ddns',
  'sanity-checks', 'server-tag', 'dhcp-queue-control', 'host-reservation-identifiers',
  'match-client-id', 'calculate-tee-times', 'statistic-default-sample-count',
  'statistic-default-sample-age',
];
const LIFETIME_KEYS = ['valid-lifetime', 'renew-timer', 'rebind-timer', 'offer-lifetime', 'authoritative'];
const GLOBAL_KEYS = [
  ...LIFETIME_KEYS, 'decline-probation-period', 'option-data', 'subnet4', 'shared-networks',
  'reservations', 'interfaces-config',
];
const SHARED_NETWORK_KEYS = [...LIFETIME_KEYS, 'name', 'subnet4', 'option-data', 'relay', 'interface'];
const SUBNET_KEYS = [...LIFETIME_KEYS, 'id', 'subnet', 'pools', 'option-data', 'reservations', 'relay', 'interface'];
const POOL_KEYS = ['pool', 'option-data'];
const RESERVATION_KEYS = ['hw-address', 'client-id', 'circuit-id', 'ip-address', 'hostname', 'option-data'];
const OPTION_KEYS = ['name', 'code', 'data', 'csv-format', 'always-send', 'space'];
const MAX_SECONDS = 2 ** 31 - 1;

interface Inherited {
  validLifetime?: number;
  renewTimer?: number;
  rebindTimer?: number;
  offerLifetime?: number;
  authoritative?: boolean;
  interface?: string;
  relayAddresses?: string[];
  optionData: OptionData[];
}

/** Later lists override earlier ones option by option (Kea's inheritance). */
const mergeOptions = (...lists: OptionData[][]): OptionData[] => {
  const byCode = new Map<number, OptionData>();
  for (const list of lists) for (const option of list) byCode.set(option.code, option);
  return [...byCode.values()].sort((a, b) => a.code - b.code);
};

/** Kea writes identifiers as hex ("01:aa:bb", "aabb", "0x aabb") or as 'quoted text'. */
const parseIdentifier = (text: string): Buffer | undefined => {
  const quoted = /^'(.*)'$/.exec(text);
  if (quoted) return quoted[1] ? Buffer.from(quoted[1], 'utf8') : undefined;
  const hex = text.replace(/^0x/i, '').replace(/[:\-\s]/g, '');
  return /^([0-9a-fA-F]{2})+$/.test(hex) ? Buffer.from(hex, 'hex') : undefined;
};

class Dhcp4Reader extends ConfigReader {
  optionData(object: JsonObject, path: string): OptionData[] {
    const options: OptionData[] = [];
    this.array(object, 'option-data', path).forEach((value, index) => {
      const where = `${path}.option-data[${index}]`;
      const entry = this.object(value, where, OPTION_KEYS);
      if (!entry) return;
      const space = this.string(entry, 'space', where) ?? 'dhcp4';
      if (space !== 'dhcp4') {
        this.problem(`${where}.space`, `option space "${space}" is not supported (only dhcp4)`);
        return;
      }
      const name = this.string(entry, 'name', where);
      const code = this.integer(entry, 'code', where, 1, 254);
      const definition = name !== undefined ? optionByName(name) : code !== undefined ? optionByCode(code) : undefined;
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
        encodeOptionData(definition, data, csvFormat);
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

  /** Settings a shared network or a subnet may override. */
  inherited(object: JsonObject, path: string, parent: Inherited): Inherited {
    const seconds = (key: string) => this.integer(object, key, path, 1, MAX_SECONDS);
    const relay = object.relay === undefined ? undefined : this.relay(object.relay, `${path}.relay`);
    return {
      validLifetime: seconds('valid-lifetime') ?? parent.validLifetime,
      renewTimer: seconds('renew-timer') ?? parent.renewTimer,
      rebindTimer: seconds('rebind-timer') ?? parent.rebindTimer,
      offerLifetime: seconds('offer-lifetime') ?? parent.offerLifetime,
      authoritative: this.boolean(object, 'authoritative', path) ?? parent.authoritative,
      interface: this.string(object, 'interface', path) ?? parent.interface,
      relayAddresses: relay ?? parent.relayAddresses,
      optionData: mergeOptions(parent.optionData, this.optionData(object, path)),
    };
  }

  relay(value: unknown, path: string): string[] {
    const relay = this.object(value, path, ['ip-addresses', 'ip-address']);
    if (!relay) return [];
    const addresses = this.array(relay, 'ip-addresses', path);
    const single = this.string(relay, 'ip-address', path);
    const all = single === undefined ? addresses : [...addresses, single];
    return all.filter((address, index) => {
      if (typeof address === 'string' && isIPv4(address)) return true;
      this.problem(`${path}.ip-addresses[${index}]`, 'must be an IPv4 address');
      return false;
    }) as string[];
  }

  reservation(value: unknown, path: string, subnet: Subnet4 | undefined): Reservation4 | undefined {
    const entry = this.object(value, path, RESERVATION_KEYS);
    if (!entry) return undefined;
    const reservation: Reservation4 = { subnetId: subnet?.id ?? null, optionData: this.optionData(entry, path) };
    const identifiers = ['hw-address', 'client-id', 'circuit-id'] as const;
    const given = identifiers.filter((key) => entry[key] !== undefined);
    if (given.length !== 1) {
      this.problem(path, 'needs exactly one of hw-address, client-id, circuit-id');
      return undefined;
    }
    const key = given[0]!;
    const text = this.string(entry, key, path);
    const identifier = text === undefined ? undefined : parseIdentifier(text);
    if (!identifier) {
      this.problem(`${path}.${key}`, "must be hex bytes (aa:bb:cc) or 'quoted text'");
      return undefined;
    }
    if (key === 'hw-address') reservation.hwAddress = identifier;
    if (key === 'client-id') reservation.clientId = identifier;
    if (key === 'circuit-id') reservation.circuitId = identifier;

    const address = this.string(entry, 'ip-address', path);
    if (address !== undefined) {
      if (!isIPv4(address)) {
        this.problem(`${path}.ip-address`, 'must be an IPv4 address');
      } else if (subnet && !(ipv4ToNumber(address) >= subnet.range.first && ipv4ToNumber(address) <= subnet.range.last)) {
        this.problem(`${path}.ip-address`, `${address} is outside subnet ${subnet.prefix}`);
      } else {
        reservation.address = address;
      }
    }
    const hostname = this.string(entry, 'hostname', path);
    if (hostname) reservation.hostname = hostname;
    return reservation;
  }

  pools(object: JsonObject, path: string, subnet: Subnet4): Pool4[] {
    const pools: Pool4[] = [];
    this.array(object, 'pools', path).forEach((value, index) => {
      const where = `${path}.pools[${index}]`;
      const entry = this.object(value, where, POOL_KEYS);
      if (!entry) return;
      const text = this.string(entry, 'pool', where);
      const parsed = text === undefined ? undefined : parseIpv4Pool(text);
      if (!parsed) {
        this.problem(`${where}.pool`, 'must be "first - last" or a prefix such as 192.0.2.0/26');
        return;
      }
      if (parsed.first < subnet.range.first || parsed.last > subnet.range.last) {
        this.problem(`${where}.pool`, `${text} is not inside subnet ${subnet.prefix}`);
        return;
      }
      // The subnet's network and broadcast addresses are never handed out.
      const hasBroadcast = subnet.range.last - subnet.range.first >= 3;
      const first = hasBroadcast ? Math.max(parsed.first, subnet.range.first + 1) : parsed.first;
      const last = hasBroadcast ? Math.min(parsed.last, subnet.range.last - 1) : parsed.last;
      if (first > last) {
        this.problem(`${where}.pool`, `${text} holds no usable address`);
        return;
      }
      pools.push({ first, last, optionData: this.optionData(entry, where) });
    });
    return pools;
  }

  subnet(value: unknown, path: string, parent: Inherited, sharedNetwork: string | undefined,
         reservations: Reservation4[]): Subnet4 | undefined {
    const entry = this.object(value, path, SUBNET_KEYS);
    if (!entry) return undefined;
    const id = this.integer(entry, 'id', path, 1, 2 ** 31 - 1);
    if (entry.id === undefined) this.problem(`${path}.id`, 'required: dhcpg keeps leases by subnet id');
    const prefixText = this.string(entry, 'subnet', path);
    const range = prefixText === undefined ? undefined : parseIpv4Prefix(prefixText);
    if (!range) this.problem(`${path}.subnet`, 'must be an IPv4 prefix such as 192.0.2.0/24');
    const settings = this.inherited(entry, path, parent);
    if (id === undefined || !range) return undefined;
    const subnet: Subnet4 = {
      id,
      prefix: `${numberToIpv4(range.first)}/${range.length}`,
      range,
      sharedNetwork,
      interface: settings.interface,
      relayAddresses: settings.relayAddresses ?? [],
      validLifetime: settings.validLifetime ?? DEFAULTS.validLifetime,
      renewTimer: settings.renewTimer,
      rebindTimer: settings.rebindTimer,
      offerLifetime: settings.offerLifetime ?? DEFAULTS.offerLifetime,
      declineProbation: DEFAULTS.declineProbation,
      authoritative: settings.authoritative ?? false,
      optionData: settings.optionData,
      pools: [],
    };
    subnet.pools = this.pools(entry, path, subnet);
    this.array(entry, 'reservations', path).forEach((value, index) => {
      const reservation = this.reservation(value, `${path}.reservations[${index}]`, subnet);
      if (reservation) reservations.push(reservation);
    });
    return subnet;
  }

  /** Checks that span subnets: unique ids and prefixes, no overlapping pools, unique reserved addresses. */
  crossChecks(subnets: Subnet4[], reservations: Reservation4[]): void {
    const seen = new Map<number, string>();
    for (const subnet of subnets) {
      const other = seen.get(subnet.id);
      if (other) this.problem(`subnet ${subnet.prefix}`, `id ${subnet.id} is also used by subnet ${other}`);
      seen.set(subnet.id, subnet.prefix);
    }
    const sorted = [...subnets].sort((a, b) => a.range.first - b.range.first);
    sorted.forEach((subnet, index) => {
      const next = sorted[index + 1];
      if (next && next.range.first <= subnet.range.last) {
        this.problem(`subnet ${next.prefix}`, `overlaps subnet ${subnet.prefix}`);
      }
    });
    const pools = subnets.flatMap((subnet) => subnet.pools).sort((a, b) => a.first - b.first);
    pools.forEach((pool, index) => {
      const next = pools[index + 1];
      if (next && next.first <= pool.last) {
        this.problem(`pool ${numberToIpv4(next.first)} - ${numberToIpv4(next.last)}`,
          `overlaps pool ${numberToIpv4(pool.first)} - ${numberToIpv4(pool.last)}`);
      }
    });
    const reserved = new Set<string>();
    for (const reservation of reservations) {
      if (!reservation.address) continue;
      if (reserved.has(reservation.address)) this.problem(`reservation ${reservation.address}`, 'address reserved twice');
      reserved.add(reservation.address);
      if (reservation.subnetId === null && !subnets.some((s) =>
        ipv4ToNumber(reservation.address!) >= s.range.first && ipv4ToNumber(reservation.address!) <= s.range.last)) {
        this.problem(`Dhcp4.reservations ${reservation.address}`, 'is in no configured subnet');
      }
    }
  }
}

export interface ReadResult<T> {
  config: T;
  warnings: string[];
}

/** Checks a Dhcp4 object; throws ConfigInvalid listing every problem. */
export const readDhcp4 = (value: unknown, options: { allowUnsupported?: boolean } = {}): ReadResult<Config4> => {
  const reader = new Dhcp4Reader(options.allowUnsupported ?? false);
  const root = reader.object(value, 'Dhcp4', GLOBAL_KEYS, KEA_PROCESS_KEYS) ?? {};
  const global = reader.inherited(root, 'Dhcp4', { optionData: [] });
  const declineProbation = reader.integer(root, 'decline-probation-period', 'Dhcp4', 0, MAX_SECONDS);

  const interfacesConfig = root['interfaces-config'] === undefined ? {}
    : reader.object(root['interfaces-config'], 'Dhcp4.interfaces-config', ['interfaces'],
        ['dhcp-socket-type', 'outbound-interface', 're-detect', 'service-sockets-max-retries',
         'service-sockets-retry-wait-time', 'service-sockets-require-all']) ?? {};
  const interfaces = reader.array(interfacesConfig, 'interfaces', 'Dhcp4.interfaces-config')
    .filter((name): name is string => typeof name === 'string');

  const subnets: Subnet4[] = [];
  const reservations: Reservation4[] = [];
  reader.array(root, 'subnet4', 'Dhcp4').forEach((value, index) => {
    const subnet = reader.subnet(value, `Dhcp4.subnet4[${index}]`, global, undefined, reservations);
    if (subnet) subnets.push(subnet);
  });

  const sharedNetworks: string[] = [];
  reader.array(root, 'shared-networks', 'Dhcp4').forEach((value, index) => {
    const path = `Dhcp4.shared-networks[${index}]`;
    const entry = reader.object(value, path, SHARED_NETWORK_KEYS);
    if (!entry) return;
    const name = reader.string(entry, 'name', path);
    if (!name) {
      reader.problem(`${path}.name`, 'required');
      return;
    }
    if (sharedNetworks.includes(name)) reader.problem(`${path}.name`, `"${name}" is used twice`);
    sharedNetworks.push(name);
    const settings = reader.inherited(entry, path, global);
    reader.array(entry, 'subnet4', path).forEach((subnetValue, subnetIndex) => {
      const subnet = reader.subnet(subnetValue, `${path}.subnet4[${subnetIndex}]`, settings, name, reservations);
      if (subnet) subnets.push(subnet);
    });
  });

  reader.array(root, 'reservations', 'Dhcp4').forEach((value, index) => {
    const reservation = reader.reservation(value, `Dhcp4.reservations[${index}]`, undefined);
    if (reservation) reservations.push(reservation);
  });

  if (declineProbation !== undefined) for (const subnet of subnets) subnet.declineProbation = declineProbation;
  reader.crossChecks(subnets, reservations);
  reader.finish();
  return { config: { source: root, interfaces, sharedNetworks, subnets, reservations }, warnings: reader.warnings };
};
