// The supported subset of Kea's Dhcp4 configuration, checked and turned into
// the model that config/apply.ts writes. Values inherit as in Kea: global,
// then shared network, then subnet.
import { isIPv4 } from 'node:net';
import { encodeOptionData, optionByCode, optionByName } from '../dhcp4/options.ts';
import { ipv4ToNumber, numberToIpv4, parseIpv4Pool, parseIpv4Prefix, type Ipv4Range } from '../net/ipv4.ts';
import {
  KEA_PROCESS_KEYS, KEA_SOCKET_KEYS, KeaReader, MAX_SECONDS, MAX_SUBNET_ID, overlapping,
  type Family, type OptionData, type ReadResult, type Settings,
} from './common.ts';
import type { JsonObject } from './reader.ts';

export type { OptionData, ReadResult } from './common.ts';

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

// Kea process settings (common.ts) and the DHCPv4-only one.
const PROCESS_KEYS = [...KEA_PROCESS_KEYS, 'match-client-id'];
const LIFETIME_KEYS = ['valid-lifetime', 'renew-timer', 'rebind-timer', 'offer-lifetime', 'authoritative'];
const GLOBAL_KEYS = [
  ...LIFETIME_KEYS, 'decline-probation-period', 'option-data', 'subnet4', 'shared-networks',
  'reservations', 'interfaces-config',
];
const SHARED_NETWORK_KEYS = [...LIFETIME_KEYS, 'name', 'subnet4', 'option-data', 'relay', 'interface'];
const SUBNET_KEYS = [...LIFETIME_KEYS, 'id', 'subnet', 'pools', 'option-data', 'reservations', 'relay', 'interface'];
const POOL_KEYS = ['pool', 'option-data'];
const RESERVATION_KEYS = ['hw-address', 'client-id', 'circuit-id', 'ip-address', 'hostname', 'option-data'];

/** The settings a shared network or a subnet may override (relay and option-data besides). */
const INHERITED = {
  validLifetime: ['valid-lifetime', 'seconds'],
  renewTimer: ['renew-timer', 'seconds'],
  rebindTimer: ['rebind-timer', 'seconds'],
  offerLifetime: ['offer-lifetime', 'seconds'],
  authoritative: ['authoritative', 'boolean'],
  interface: ['interface', 'string'],
} as const;
type Inherited = Settings<typeof INHERITED>;

const DHCP4: Family = {
  space: 'dhcp4',
  maxCode: 254,
  optionByName,
  optionByCode,
  encodeOptionData,
  addressName: 'IPv4',
  canonicalAddress: (text) => (isIPv4(text) ? text : undefined),
};

class Dhcp4Reader extends KeaReader {
  reservation(value: unknown, path: string, subnet: Subnet4 | undefined): Reservation4 | undefined {
    const entry = this.object(value, path, RESERVATION_KEYS);
    if (!entry) return undefined;
    const reservation: Reservation4 = { subnetId: subnet?.id ?? null, optionData: this.optionData(entry, path) };
    const identifier = this.identifier(entry, path, ['hw-address', 'client-id', 'circuit-id'] as const);
    if (!identifier) return undefined;
    if (identifier.key === 'hw-address') reservation.hwAddress = identifier.value;
    if (identifier.key === 'client-id') reservation.clientId = identifier.value;
    if (identifier.key === 'circuit-id') reservation.circuitId = identifier.value;

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
    const id = this.integer(entry, 'id', path, 1, MAX_SUBNET_ID);
    if (entry.id === undefined) this.problem(`${path}.id`, 'required: dhcpg keeps leases by subnet id');
    const prefixText = this.string(entry, 'subnet', path);
    const range = prefixText === undefined ? undefined : parseIpv4Prefix(prefixText);
    if (!range) this.problem(`${path}.subnet`, 'must be an IPv4 prefix such as 192.0.2.0/24');
    const settings = this.inherited(entry, path, parent, INHERITED, SUBNET_KEYS);
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
    const span = (range: Ipv4Range) => [BigInt(range.first), BigInt(range.last)] as const;
    for (const [subnet, other] of overlapping(subnets, (s) => span(s.range))) {
      this.problem(`subnet ${subnet.prefix}`, `overlaps subnet ${other.prefix}`);
    }
    const text = (pool: Ipv4Range) => `${numberToIpv4(pool.first)} - ${numberToIpv4(pool.last)}`;
    for (const [pool, other] of overlapping(subnets.flatMap((s) => s.pools), span)) {
      this.problem(`pool ${text(pool)}`, `overlaps pool ${text(other)}`);
    }
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

/** Checks a Dhcp4 object; throws ConfigInvalid listing every problem. */
export const readDhcp4 = (value: unknown, options: { allowUnsupported?: boolean } = {}): ReadResult<Config4> => {
  const reader = new Dhcp4Reader(options.allowUnsupported ?? false, DHCP4);
  const root = reader.object(value, 'Dhcp4', GLOBAL_KEYS, PROCESS_KEYS) ?? {};
  const global = reader.inherited(root, 'Dhcp4', { optionData: [] }, INHERITED, GLOBAL_KEYS);
  const declineProbation = reader.integer(root, 'decline-probation-period', 'Dhcp4', 0, MAX_SECONDS);
  const interfaces = reader.interfaces(root, 'Dhcp4', ['dhcp-socket-type', 'outbound-interface', ...KEA_SOCKET_KEYS]);

  const subnets: Subnet4[] = [];
  const reservations: Reservation4[] = [];
  reader.array(root, 'subnet4', 'Dhcp4').forEach((value, index) => {
    const subnet = reader.subnet(value, `Dhcp4.subnet4[${index}]`, global, undefined, reservations);
    if (subnet) subnets.push(subnet);
  });
  const sharedNetworks = reader.sharedNetworks(root, 'Dhcp4', 'subnet4', SHARED_NETWORK_KEYS,
    (entry, path) => reader.inherited(entry, path, global, INHERITED, SHARED_NETWORK_KEYS),
    (value, path, settings, name) => {
      const subnet = reader.subnet(value, path, settings, name, reservations);
      if (subnet) subnets.push(subnet);
    }).map((network) => network.name);

  reader.array(root, 'reservations', 'Dhcp4').forEach((value, index) => {
    const reservation = reader.reservation(value, `Dhcp4.reservations[${index}]`, undefined);
    if (reservation) reservations.push(reservation);
  });

  if (declineProbation !== undefined) for (const subnet of subnets) subnet.declineProbation = declineProbation;
  reader.crossChecks(subnets, reservations);
  reader.finish();
  return { config: { source: root, interfaces, sharedNetworks, subnets, reservations }, warnings: reader.warnings };
};
