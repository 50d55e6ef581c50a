// The supported subset of Kea's Dhcp6 configuration, checked and turned into
// the model the database apply writes. Values inherit as in Kea: global,
// then shared network, then subnet; what the families share is in common.ts.
import { encodeOptionData6, optionByCode6, optionByName6 } from '../dhcp6/options.ts';
import {
  canonicalIpv6, ipv6FromValue, ipv6PrefixRange, ipv6PrefixText, ipv6Value, parseIpv6Pool, parseIpv6Prefix,
  type Ipv6Range,
} from '../net/ipv6-range.ts';
import {
  KEA_PROCESS_KEYS, KEA_SOCKET_KEYS, KeaReader, MAX_SECONDS, MAX_SUBNET_ID, overlapping,
  type Family, type OptionData, type ReadResult, type Settings,
} from './common.ts';
import type { JsonObject } from './reader.ts';

export interface AddressPool6 {
  /** First and last address, RFC 5952 text. */
  first: string;
  last: string;
  /** Addresses in it. */
  size: bigint;
  optionData: OptionData[];
}

export interface PrefixPool6 {
  /** e.g. '2001:db8:8000::/33' */
  prefix: string;
  prefixLength: number;
  delegatedLength: number;
  /** Prefixes it holds: 2^(delegated-prefix) */
  count: bigint;
  optionData: OptionData[];
}

export interface Reservation6 {
  /** Null for a global reservation. */
  subnetId: number | null;
  duid?: Buffer;
  hwAddress?: Buffer;
  /** RFC 5952 text. */
  addresses: string[];
  /** CIDR text */
  prefixes: string[];
  hostname?: string;
  optionData: OptionData[];
}

export interface Subnet6 {
  id: number;
  /** CIDR text, canonical */
  prefix: string;
  sharedNetwork?: string;
  interface?: string;
  /** The relay's Interface-Id option (18) payload: Kea takes the text's bytes. */
  interfaceId?: Buffer;
  relayAddresses: string[];
  preferredLifetime: number;
  validLifetime: number;
  renewTimer?: number;
  rebindTimer?: number;
  rapidCommit: boolean;
  declineProbation: number;
  /** effective: global, shared network, subnet merged by code */
  optionData: OptionData[];
  pools: AddressPool6[];
  pdPools: PrefixPool6[];
}

export interface Config6 {
  /** The Dhcp6 object as given: what "config show" prints. */
  source: JsonObject;
  interfaces: string[];
  sharedNetworks: string[];
  subnets: Subnet6[];
  reservations: Reservation6[];
}

/**
 * Kea's defaults where dhcpg has the same setting. Kea (since 2.4) has no
 * default preferred-lifetime: unset, or greater than valid-lifetime, it is
 * 5/8 of valid-lifetime (see preferredLifetime below).
 */
export const DEFAULTS6 = {
  validLifetime: 7200,
  declineProbation: 86400,
  rapidCommit: false,
};

/** Kea's replacement for a missing or too long preferred lifetime (AllocEngine's sanitizeLifetimes6). */
export const preferredFromValid = (valid: number): number => Math.floor((valid * 5) / 8);

// Kea process settings (common.ts) and the DHCPv6-only ones.
const PROCESS_KEYS = [...KEA_PROCESS_KEYS, 'control-sockets'];
const LIFETIME_KEYS = ['preferred-lifetime', 'valid-lifetime', 'renew-timer', 'rebind-timer', 'rapid-commit'];
const GLOBAL_KEYS = [
  ...LIFETIME_KEYS, 'decline-probation-period', 'option-data', 'subnet6', 'shared-networks',
  'reservations', 'interfaces-config',
];
const NETWORK_KEYS = [...LIFETIME_KEYS, 'option-data', 'relay', 'interface', 'interface-id'];
const SHARED_NETWORK_KEYS = [...NETWORK_KEYS, 'name', 'subnet6'];
const SUBNET_KEYS = [...NETWORK_KEYS, 'id', 'subnet', 'pools', 'pd-pools', 'reservations'];
const POOL_KEYS = ['pool', 'option-data'];
const PD_POOL_KEYS = ['prefix', 'prefix-len', 'delegated-len', 'option-data'];
const RESERVATION_KEYS = ['duid', 'hw-address', 'ip-addresses', 'prefixes', 'hostname', 'option-data'];
const IDENTIFIERS = ['duid', 'hw-address'] as const;
/** Kea's limits: DUID::MAX_DUID_LEN (RFC 8415, Section 11.1) and HWAddr::MAX_HWADDR_LEN. */
const IDENTIFIER_MAX_LENGTH = { duid: 130, 'hw-address': 20 };

/** The settings a shared network or a subnet may override (relay and option-data besides). */
const INHERITED = {
  preferredLifetime: ['preferred-lifetime', 'seconds'],
  validLifetime: ['valid-lifetime', 'seconds'],
  // RFC 8415, Section 21.4: T1 and T2 of 0 leave renewing to the client; Kea allows it.
  renewTimer: ['renew-timer', 'seconds-or-zero'],
  rebindTimer: ['rebind-timer', 'seconds-or-zero'],
  rapidCommit: ['rapid-commit', 'boolean'],
  interface: ['interface', 'string'],
  interfaceId: ['interface-id', 'string'],
} as const;
type Inherited = Settings<typeof INHERITED>;

const DHCP6: Family = {
  space: 'dhcp6',
  maxCode: 0xffff,
  optionByName: optionByName6,
  optionByCode: optionByCode6,
  encodeOptionData: encodeOptionData6,
  addressName: 'IPv6',
  canonicalAddress: canonicalIpv6,
};

// What the cross-subnet checks need besides the model: where each thing was
// written, and its range as numbers.
interface SubnetAt { subnet: Subnet6; path: string; range: Ipv6Range }
interface PoolAt { path: string; text: string; range: Ipv6Range }
interface ReservationAt {
  reservation: Reservation6;
  path: string;
  /** Unique within a subnet (or among the global reservations). */
  identifier: { key: string; hex: string };
  addresses: { path: string; text: string }[];
  prefixes: { path: string; text: string; range: Ipv6Range }[];
}

const contains = (outer: Ipv6Range, inner: Ipv6Range): boolean => inner.first >= outer.first && inner.last <= outer.last;
const span = (range: Ipv6Range) => [range.first, range.last] as const;

class Dhcp6Reader extends KeaReader {
  readonly subnets: SubnetAt[] = [];
  readonly pools: PoolAt[] = [];
  readonly reservations: ReservationAt[] = [];

  /** A level's settings; Kea's checks of its timers and of interface against interface-id. */
  level(object: JsonObject, path: string, parent: Inherited, allowed: readonly string[]): Inherited {
    const settings = this.inherited(object, path, parent, INHERITED, allowed);
    if (allowed.includes('interface-id') && object.interface && object['interface-id']) {
      // Kea: locally reachable (interface) or reachable via relays (interface-id), not both.
      this.problem(path, 'interface and interface-id cannot both be set (one is for local links, the other for relayed ones)');
    }
    const sets = (...keys: string[]) => keys.some((key) => allowed.includes(key) && object[key] !== undefined);
    this.checkTimers(settings, path, sets);
    return settings;
  }

  /**
   * Kea accepts all of these and fixes them up when answering; each is
   * warned about at the level that sets one of the two values compared.
   */
  checkTimers(settings: Inherited, path: string, sets: (...keys: string[]) => boolean): void {
    const valid = settings.validLifetime ?? DEFAULTS6.validLifetime;
    const { preferredLifetime: preferred, renewTimer: renew, rebindTimer: rebind } = settings;
    if (preferred !== undefined && preferred > valid && sets('preferred-lifetime', 'valid-lifetime')) {
      this.warnings.push(`${path}: preferred-lifetime ${preferred} is greater than valid-lifetime ${valid}; `
        + `5/8 of valid-lifetime (${preferredFromValid(valid)}) is used instead, as Kea does`);
    }
    if (renew !== undefined && rebind !== undefined && renew > rebind && sets('renew-timer', 'rebind-timer')) {
      // RFC 8415, Section 21.4: a client discards an IA whose T1 > T2 (both non-zero); Kea sends T1 0.
      this.warnings.push(`${path}: renew-timer ${renew} is greater than rebind-timer ${rebind}; Kea ignores renew-timer then`);
    }
    // Kea allows these on purpose (to have leases expire instead of being extended); most are mistakes.
    const [step, value] = rebind !== undefined ? ['rebind', rebind] : ['renew', renew];
    if (value !== undefined && value > valid && sets(`${step}-timer`, 'valid-lifetime')) {
      this.warnings.push(`${path}: ${step}-timer ${value} is greater than valid-lifetime ${valid}: `
        + `clients will not ${step} before their leases expire`);
    }
  }

  subnet(value: unknown, path: string, parent: Inherited, sharedNetwork: string | undefined): void {
    const entry = this.object(value, path, SUBNET_KEYS);
    if (!entry) return;
    const id = this.integer(entry, 'id', path, 1, MAX_SUBNET_ID);
    if (entry.id === undefined) this.problem(`${path}.id`, 'required: dhcpg keeps leases by subnet id');
    const prefixText = this.string(entry, 'subnet', path);
    const range = prefixText === undefined ? undefined : parseIpv6Prefix(prefixText);
    if (!range) this.problem(`${path}.subnet`, 'must be an IPv6 prefix such as 2001:db8:1::/64');
    const settings = this.level(entry, path, parent, SUBNET_KEYS);
    if (id === undefined || !range) return;

    const validLifetime = settings.validLifetime ?? DEFAULTS6.validLifetime;
    const preferred = settings.preferredLifetime;
    const subnet: Subnet6 = {
      id,
      prefix: ipv6PrefixText(range),
      sharedNetwork,
      interface: settings.interface || undefined,
      interfaceId: settings.interfaceId ? Buffer.from(settings.interfaceId, 'utf8') : undefined,
      relayAddresses: settings.relayAddresses ?? [],
      preferredLifetime: preferred !== undefined && preferred <= validLifetime ? preferred : preferredFromValid(validLifetime),
      validLifetime,
      renewTimer: settings.renewTimer,
      rebindTimer: settings.rebindTimer,
      rapidCommit: settings.rapidCommit ?? DEFAULTS6.rapidCommit,
      declineProbation: DEFAULTS6.declineProbation,
      optionData: settings.optionData,
      pools: [],
      pdPools: [],
    };
    const at: SubnetAt = { subnet, path, range };
    this.subnets.push(at);
    this.array(entry, 'pools', path).forEach((pool, index) => this.pool(pool, `${path}.pools[${index}]`, at));
    this.array(entry, 'pd-pools', path).forEach((pool, index) => this.pdPool(pool, `${path}.pd-pools[${index}]`, subnet));
    this.array(entry, 'reservations', path).forEach((reservation, index) =>
      this.reservation(reservation, `${path}.reservations[${index}]`, at));
  }

  pool(value: unknown, path: string, { subnet, range: subnetRange }: SubnetAt): void {
    const entry = this.object(value, path, POOL_KEYS);
    if (!entry) return;
    const text = this.string(entry, 'pool', path);
    const range = text === undefined ? undefined : parseIpv6Pool(text);
    if (text === undefined || !range || range.length === 0) {
      this.problem(`${path}.pool`, 'must be "first - last" or a prefix such as 2001:db8:1::/80');
      return;
    }
    if (range.length !== undefined && range.hostBits) {
      this.problem(`${path}.pool`, `${text} has bits set beyond its length (the prefix is ${ipv6PrefixText({ first: range.first, length: range.length })})`);
      return;
    }
    if (!contains(subnetRange, range)) {
      this.problem(`${path}.pool`, `${text} is not inside subnet ${subnet.prefix}`);
      return;
    }
    const first = ipv6FromValue(range.first);
    const last = ipv6FromValue(range.last);
    subnet.pools.push({ first, last, size: range.last - range.first + 1n, optionData: this.optionData(entry, path) });
    this.pools.push({ path: `${path}.pool`, text: `pool ${first} - ${last}`, range });
  }

  /** Kea's Pool6 checks: 1 <= prefix-len <= delegated-len <= 128, prefix without bits beyond prefix-len. */
  pdPool(value: unknown, path: string, subnet: Subnet6): void {
    const entry = this.object(value, path, PD_POOL_KEYS);
    if (!entry) return;
    const address = this.string(entry, 'prefix', path);
    const prefixLength = this.integer(entry, 'prefix-len', path, 1, 128);
    const delegatedLength = this.integer(entry, 'delegated-len', path, 1, 128);
    for (const key of PD_POOL_KEYS.slice(0, 3)) if (entry[key] === undefined) this.problem(`${path}.${key}`, 'required');
    const value128 = address === undefined ? undefined : ipv6Value(address);
    if (address !== undefined && value128 === undefined) {
      this.problem(`${path}.prefix`, 'must be an IPv6 address such as 2001:db8:8000:: (its length is prefix-len)');
    }
    if (value128 === undefined || prefixLength === undefined || delegatedLength === undefined) return;
    if (delegatedLength < prefixLength) {
      this.problem(`${path}.delegated-len`, `must be from prefix-len (${prefixLength}) to 128`);
      return;
    }
    const range = ipv6PrefixRange(value128, prefixLength);
    const prefix = ipv6PrefixText({ first: range.first, length: prefixLength });
    if (range.first !== value128) {
      this.problem(`${path}.prefix`, `${address} has bits set beyond prefix-len ${prefixLength} (the prefix is ${prefix})`);
      return;
    }
    subnet.pdPools.push({
      prefix,
      prefixLength,
      delegatedLength,
      count: 1n << BigInt(delegatedLength - prefixLength),
      optionData: this.optionData(entry, path),
    });
    this.pools.push({ path: `${path}.prefix`, text: `pd-pool ${prefix}`, range });
  }

  reservation(value: unknown, path: string, at: SubnetAt | undefined): void {
    const entry = this.object(value, path, RESERVATION_KEYS);
    if (!entry) return;
    const reservation: Reservation6 = {
      subnetId: at?.subnet.id ?? null, addresses: [], prefixes: [], optionData: this.optionData(entry, path),
    };
    const identifier = this.identifier(entry, path, IDENTIFIERS, IDENTIFIER_MAX_LENGTH);
    if (identifier?.key === 'duid') reservation.duid = identifier.value;
    if (identifier?.key === 'hw-address') reservation.hwAddress = identifier.value;

    const record: ReservationAt = {
      reservation, path, identifier: { key: identifier?.key ?? '', hex: identifier?.value.toString('hex') ?? '' },
      addresses: [], prefixes: [],
    };
    this.array(entry, 'ip-addresses', path).forEach((address, index) => {
      const where = `${path}.ip-addresses[${index}]`;
      const text = typeof address === 'string' ? canonicalIpv6(address) : undefined;
      if (text === undefined) {
        this.problem(where, 'must be an IPv6 address');
      } else if (at && !contains(at.range, { first: ipv6Value(text)!, last: ipv6Value(text)! })) {
        // Kea's Subnet6ConfigParser::validateResvs; reserved prefixes may lie anywhere.
        this.problem(where, `${address} is not within subnet ${at.subnet.prefix}`);
      } else {
        reservation.addresses.push(text);
        record.addresses.push({ path: where, text });
      }
    });
    this.array(entry, 'prefixes', path).forEach((prefixValue, index) => {
      const where = `${path}.prefixes[${index}]`;
      const prefix = typeof prefixValue === 'string' ? parseIpv6Prefix(prefixValue) : undefined;
      if (!prefix || prefix.length === 0) {
        this.problem(where, 'must be an IPv6 prefix such as 2001:db8:1:2::/64 (length 1 to 128)');
      } else if (prefix.hostBits) {
        this.problem(where, `${prefixValue} has bits set beyond its length (the prefix is ${ipv6PrefixText(prefix)})`);
      } else {
        const text = ipv6PrefixText(prefix);
        reservation.prefixes.push(text);
        record.prefixes.push({ path: where, text, range: prefix });
      }
    });
    const hostname = this.string(entry, 'hostname', path);
    if (hostname) reservation.hostname = hostname;
    if (identifier) this.reservations.push(record);
  }

  /**
   * Kea's shared-network checks: its subnets have one rapid-commit value,
   * and one interface (the network's, if it has one) where they have any.
   */
  networkChecks(name: string, network: Inherited): void {
    const members = this.subnets.filter((at) => at.subnet.sharedNetwork === name);
    const first = members[0];
    let iface = network.interface ? { name: network.interface, from: `shared network ${name}` } : undefined;
    for (const { subnet, path } of members) {
      if (first && subnet.rapidCommit !== first.subnet.rapidCommit) {
        this.problem(`${path}.rapid-commit`, `is ${subnet.rapidCommit}, but ${first.path} in the same shared network `
          + `has ${first.subnet.rapidCommit}: all subnets of a shared network need the same`);
      }
      if (subnet.interface === undefined) continue;
      if (iface && subnet.interface !== iface.name) {
        this.problem(`${path}.interface`, `is ${subnet.interface}, but ${iface.from} in the same shared network uses ${iface.name}`);
      }
      iface ??= { name: subnet.interface, from: path };
    }
  }

  /** Checks that span subnets: ids, prefixes, pools, reservations. */
  crossChecks(): void {
    const ids = new Map<number, SubnetAt>();
    for (const at of this.subnets) {
      const other = ids.get(at.subnet.id);
      if (other) this.problem(`${at.path}.id`, `${at.subnet.id} is also the id of ${other.path} (${other.subnet.prefix})`);
      else ids.set(at.subnet.id, at);
    }
    for (const [at, other] of overlapping(this.subnets, (s) => span(s.range))) {
      this.problem(`${at.path}.subnet`, `${at.subnet.prefix} overlaps subnet ${other.subnet.prefix} (${other.path})`);
    }
    // Address pools and pd-pools, of every subnet: no address is in two.
    for (const [pool, other] of overlapping(this.pools, (p) => span(p.range))) {
      this.problem(pool.path, `${pool.text} overlaps ${other.text} (${other.path})`);
    }

    const addresses = new Map<string, string>();
    const identifiers = new Map<string, string>();
    for (const { reservation, path, identifier, addresses: reserved } of this.reservations) {
      const scope = `${reservation.subnetId ?? 'global'} ${identifier.key} ${identifier.hex}`;
      const other = identifiers.get(scope);
      if (other) this.problem(`${path}.${identifier.key}`, `is also reserved by ${other}`);
      else identifiers.set(scope, path);
      for (const address of reserved) {
        const earlier = addresses.get(address.text);
        if (earlier) this.problem(address.path, `${address.text} is also reserved by ${earlier}`);
        else addresses.set(address.text, address.path);
        if (reservation.subnetId === null) {
          const value = ipv6Value(address.text)!;
          if (!this.subnets.some((s) => value >= s.range.first && value <= s.range.last)) {
            this.problem(address.path, `${address.text} is in no configured subnet`);
          }
        }
      }
    }
    const prefixes = this.reservations.flatMap((r) => r.prefixes);
    for (const [prefix, other] of overlapping(prefixes, (p) => span(p.range))) {
      this.problem(prefix.path, prefix.text === other.text
        ? `${prefix.text} is also reserved by ${other.path}`
        : `${prefix.text} overlaps ${other.text}, reserved by ${other.path}`);
    }
  }
}

/** Checks a Dhcp6 object; throws ConfigInvalid listing every problem. */
export const readDhcp6 = (value: unknown, options: { allowUnsupported?: boolean } = {}): ReadResult<Config6> => {
  const reader = new Dhcp6Reader(options.allowUnsupported ?? false, DHCP6);
  const root = reader.object(value, 'Dhcp6', GLOBAL_KEYS, PROCESS_KEYS) ?? {};
  const global = reader.level(root, 'Dhcp6', { optionData: [] }, GLOBAL_KEYS);
  const declineProbation = reader.integer(root, 'decline-probation-period', 'Dhcp6', 0, MAX_SECONDS);
  const interfaces = reader.interfaces(root, 'Dhcp6', KEA_SOCKET_KEYS);

  reader.array(root, 'subnet6', 'Dhcp6').forEach((subnet, index) =>
    reader.subnet(subnet, `Dhcp6.subnet6[${index}]`, global, undefined));
  const networkSettings = new Map<string, Inherited>();
  const networks = reader.sharedNetworks(root, 'Dhcp6', 'subnet6', SHARED_NETWORK_KEYS,
    (entry, path, name) => {
      const settings = reader.level(entry, path, global, SHARED_NETWORK_KEYS);
      if (!networkSettings.has(name)) networkSettings.set(name, settings);
      return settings;
    },
    (subnet, path, settings, name) => reader.subnet(subnet, path, settings, name));
  for (const [name, settings] of networkSettings) reader.networkChecks(name, settings);
  reader.array(root, 'reservations', 'Dhcp6').forEach((reservation, index) =>
    reader.reservation(reservation, `Dhcp6.reservations[${index}]`, undefined));

  const subnets = reader.subnets.map((at) => at.subnet);
  if (declineProbation !== undefined) for (const subnet of subnets) subnet.declineProbation = declineProbation;
  reader.crossChecks();
  reader.finish();
  return {
    config: {
      source: root,
      interfaces,
      sharedNetworks: networks.map((network) => network.name),
      subnets,
      reservations: reader.reservations.map((r) => r.reservation),
    },
    warnings: reader.warnings,
  };
};
