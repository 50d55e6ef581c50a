// The Dhcp6 reader: Kea's format to the model the database apply writes,
// inheritance, and every check with the JSON path it names.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { readDhcp6, type Config6 } from '../../src/config/dhcp6.ts';
import { parseKeaJson } from '../../src/config/kea-file.ts';
import { ConfigInvalid } from '../../src/config/reader.ts';

const read = (value: unknown, allowUnsupported = false) => readDhcp6(value, { allowUnsupported });

const problems = (value: unknown, allowUnsupported = false): string[] => {
  try {
    read(value, allowUnsupported);
    return [];
  } catch (error) {
    if (error instanceof ConfigInvalid) return error.problems;
    throw error;
  }
};

/** Problems of one subnet given alone (plus whatever else `extra` puts at the top level). */
const subnetProblems = (subnet: object, extra: object = {}) =>
  problems({ subnet6: [{ id: 1, subnet: '2001:db8:1::/48', ...subnet }], ...extra });

const UNSUPPORTED = 'not supported by dhcpg (see the README for the supported subset)';
const option = (code: number, name: string, data: string, alwaysSend = false) =>
  ({ code, name, data, 'csv-format': true, 'always-send': alwaysSend });

const FULL = {
  'interfaces-config': { interfaces: ['eth1', 'eth2'], 're-detect': true },
  'lease-database': { type: 'memfile' },
  'preferred-lifetime': 3000,
  'valid-lifetime': 4000,
  'renew-timer': 1000,
  'rebind-timer': 2000,
  'decline-probation-period': 3600,
  'option-data': [
    { name: 'dns-servers', data: '2001:db8::53, 2001:DB8::0:54' },
    { code: 24, data: 'example.org', 'always-send': true },
  ],
  subnet6: [{
    id: 1,
    subnet: '2001:0db8:0001::/48',
    interface: 'eth1',
    comment: 'office',
    pools: [
      { pool: '2001:db8:1::100 - 2001:db8:1::1ff' },
      { pool: '2001:db8:1:1::/64', 'option-data': [{ name: 'sntp-servers', data: '2001:db8::123' }] },
    ],
    'pd-pools': [
      { prefix: '2001:db8:8000::', 'prefix-len': 33, 'delegated-len': 56, 'option-data': [{ name: 'preference', data: '255' }] },
    ],
    'option-data': [{ name: 'domain-search', data: 'office.example.org' }],
    reservations: [
      {
        duid: '00:01:00:01:2a:3b:4c:5d:00:11:22:33:44:55',
        'ip-addresses': ['2001:db8:1::cafe'],
        prefixes: ['2001:db8:8100::/56'],
        hostname: 'router-1',
        'option-data': [{ name: 'dns-servers', data: '2001:db8:1::53' }],
      },
      { 'hw-address': '00:11:22:33:44:66', 'ip-addresses': ['2001:DB8:1::0:beef'] },
    ],
  }],
  'shared-networks': [{
    name: 'floor-2',
    relay: { 'ip-addresses': ['2001:db8:2:0::1'] },
    'interface-id': 'floor-2-port',
    'rapid-commit': true,
    'valid-lifetime': 6000,
    'option-data': [{ name: 'dns-servers', data: '2001:db8:2::53' }],
    subnet6: [
      { id: 21, subnet: '2001:db8:2:1::/64', pools: [{ pool: '2001:db8:2:1::/80' }], 'preferred-lifetime': 5000 },
      { id: 22, subnet: '2001:db8:2:2::/64', pools: [{ pool: '2001:db8:2:2::1000-2001:db8:2:2::1fff' }],
        relay: { 'ip-addresses': ['2001:db8:2:2::1'] } },
    ],
  }],
  reservations: [{ duid: "'global-client'", 'ip-addresses': ['2001:db8:2:1::10'] }],
};

t.test('a full configuration is read to the model', async (t) => {
  const { config, warnings } = read(FULL);
  t.same(warnings, [
    'Dhcp6.lease-database: ignored (a Kea setting that dhcpg has no use for)',
    'Dhcp6.interfaces-config.re-detect: ignored (a Kea setting that dhcpg has no use for)',
  ]);
  const globalDns = option(23, 'dns-servers', '2001:db8::53, 2001:DB8::0:54');
  const globalSearch = option(24, 'domain-search', 'example.org', true);
  const floor2 = {
    sharedNetwork: 'floor-2', interface: undefined, interfaceId: Buffer.from('floor-2-port'),
    validLifetime: 6000, renewTimer: 1000, rebindTimer: 2000, rapidCommit: true, declineProbation: 3600,
    optionData: [option(23, 'dns-servers', '2001:db8:2::53'), globalSearch], pdPools: [],
  };
  const expected: Config6 = {
    source: FULL,
    interfaces: ['eth1', 'eth2'],
    sharedNetworks: ['floor-2'],
    subnets: [
      {
        id: 1, prefix: '2001:db8:1::/48', sharedNetwork: undefined, interface: 'eth1', interfaceId: undefined,
        relayAddresses: [], preferredLifetime: 3000, validLifetime: 4000, renewTimer: 1000, rebindTimer: 2000,
        rapidCommit: false, declineProbation: 3600,
        optionData: [globalDns, option(24, 'domain-search', 'office.example.org')],
        pools: [
          { first: '2001:db8:1::100', last: '2001:db8:1::1ff', size: 256n, optionData: [] },
          { first: '2001:db8:1:1::', last: '2001:db8:1:1:ffff:ffff:ffff:ffff', size: 2n ** 64n,
            optionData: [option(31, 'sntp-servers', '2001:db8::123')] },
        ],
        pdPools: [{ prefix: '2001:db8:8000::/33', prefixLength: 33, delegatedLength: 56, count: 2n ** 23n,
          optionData: [option(7, 'preference', '255')] }],
      },
      {
        ...floor2, id: 21, prefix: '2001:db8:2:1::/64', relayAddresses: ['2001:db8:2::1'], preferredLifetime: 5000,
        pools: [{ first: '2001:db8:2:1::', last: '2001:db8:2:1:0:ffff:ffff:ffff', size: 2n ** 48n, optionData: [] }],
      },
      {
        ...floor2, id: 22, prefix: '2001:db8:2:2::/64', relayAddresses: ['2001:db8:2:2::1'], preferredLifetime: 3000,
        pools: [{ first: '2001:db8:2:2::1000', last: '2001:db8:2:2::1fff', size: 4096n, optionData: [] }],
      },
    ],
    reservations: [
      { subnetId: 1, duid: Buffer.from('000100012a3b4c5d001122334455', 'hex'), addresses: ['2001:db8:1::cafe'],
        prefixes: ['2001:db8:8100::/56'], hostname: 'router-1', optionData: [option(23, 'dns-servers', '2001:db8:1::53')] },
      { subnetId: 1, hwAddress: Buffer.from('001122334466', 'hex'), addresses: ['2001:db8:1::beef'], prefixes: [], optionData: [] },
      { subnetId: null, duid: Buffer.from('global-client'), addresses: ['2001:db8:2:1::10'], prefixes: [], optionData: [] },
    ],
  };
  t.strictSame(config, expected);
});

t.test('values inherit global, shared network, subnet', async (t) => {
  const { config, warnings } = read({
    'preferred-lifetime': 1000, 'valid-lifetime': 2000, 'renew-timer': 500, 'rebind-timer': 800, 'rapid-commit': true,
    'option-data': [{ name: 'dns-servers', data: '2001:db8::1' }, { name: 'domain-search', data: 'global.example' },
      { name: 'sntp-servers', data: '2001:db8::123' }],
    subnet6: [{ id: 1, subnet: '2001:db8:1::/64' }],
    'shared-networks': [{
      name: 'net', 'valid-lifetime': 3000, 'rapid-commit': false, interface: 'eth3', relay: { 'ip-addresses': ['fe80::1'] },
      'option-data': [{ name: 'dns-servers', data: '2001:db8::2' }],
      subnet6: [
        { id: 2, subnet: '2001:db8:2::/64', 'renew-timer': 600,
          'option-data': [{ name: 'domain-search', data: 'subnet.example' }] },
        { id: 3, subnet: '2001:db8:3::/64', 'preferred-lifetime': 2500, 'rebind-timer': 0, 'renew-timer': 0,
          relay: { 'ip-addresses': ['fe80::3'] } },
      ],
    }],
  });
  t.same(warnings, []);
  const pick = ({ id, preferredLifetime, validLifetime, renewTimer, rebindTimer, rapidCommit, interface: iface, relayAddresses }: Config6['subnets'][0]) =>
    ({ id, preferredLifetime, validLifetime, renewTimer, rebindTimer, rapidCommit, iface, relayAddresses });
  t.strictSame(config.subnets.map(pick), [
    { id: 1, preferredLifetime: 1000, validLifetime: 2000, renewTimer: 500, rebindTimer: 800, rapidCommit: true, iface: undefined, relayAddresses: [] },
    { id: 2, preferredLifetime: 1000, validLifetime: 3000, renewTimer: 600, rebindTimer: 800, rapidCommit: false, iface: 'eth3', relayAddresses: ['fe80::1'] },
    // T1 and T2 of 0 leave the timing to the client (RFC 8415, Section 21.4).
    { id: 3, preferredLifetime: 2500, validLifetime: 3000, renewTimer: 0, rebindTimer: 0, rapidCommit: false, iface: 'eth3', relayAddresses: ['fe80::3'] },
  ]);
  // Options merge by code, nearer levels overriding; sorted by code.
  const options = (index: number) => config.subnets[index]!.optionData.map((o) => `${o.name}=${o.data}`);
  t.same(options(0), ['dns-servers=2001:db8::1', 'domain-search=global.example', 'sntp-servers=2001:db8::123']);
  t.same(options(1), ['dns-servers=2001:db8::2', 'domain-search=subnet.example', 'sntp-servers=2001:db8::123']);
  t.same(options(2), ['dns-servers=2001:db8::2', 'domain-search=global.example', 'sntp-servers=2001:db8::123']);
});

t.test("defaults are Kea's", async (t) => {
  const { config } = read({ subnet6: [{ id: 1, subnet: '2001:db8:1::/64' }] });
  t.match(config.subnets[0], {
    validLifetime: 7200, preferredLifetime: 4500, renewTimer: undefined, rebindTimer: undefined,
    rapidCommit: false, declineProbation: 86400, relayAddresses: [], optionData: [], pools: [], pdPools: [],
  });
  // Kea (since 2.4) derives an unset preferred lifetime from the valid one, 5/8 of it.
  t.equal(read({ 'valid-lifetime': 1000, subnet6: [{ id: 1, subnet: '2001:db8:1::/64' }] }).config.subnets[0]!.preferredLifetime, 625);
});

t.test('timers Kea accepts and fixes up are warned about where they are set', async (t) => {
  const { config, warnings } = read({
    'preferred-lifetime': 5000, 'valid-lifetime': 4000,
    subnet6: [
      { id: 1, subnet: '2001:db8:1::/64' },
      { id: 2, subnet: '2001:db8:2::/64', 'preferred-lifetime': 3000, 'renew-timer': 2000, 'rebind-timer': 1000 },
      { id: 3, subnet: '2001:db8:3::/64', 'preferred-lifetime': 3000, 'rebind-timer': 5000 },
      { id: 4, subnet: '2001:db8:4::/64', 'preferred-lifetime': 3000, 'renew-timer': 4001 },
      // Setting neither value of a pair repeats no warning.
      { id: 5, subnet: '2001:db8:5::/64', 'rapid-commit': true },
    ],
  });
  t.same(warnings, [
    'Dhcp6: preferred-lifetime 5000 is greater than valid-lifetime 4000; 5/8 of valid-lifetime (2500) is used instead, as Kea does',
    'Dhcp6.subnet6[1]: renew-timer 2000 is greater than rebind-timer 1000; Kea ignores renew-timer then',
    'Dhcp6.subnet6[2]: rebind-timer 5000 is greater than valid-lifetime 4000: clients will not rebind before their leases expire',
    'Dhcp6.subnet6[3]: renew-timer 4001 is greater than valid-lifetime 4000: clients will not renew before their leases expire',
  ]);
  t.same(config.subnets.map((s) => s.preferredLifetime), [2500, 3000, 3000, 3000, 2500]);
  t.same(config.subnets.map((s) => [s.renewTimer, s.rebindTimer]),
    [[undefined, undefined], [2000, 1000], [undefined, 5000], [4001, undefined], [undefined, undefined]]);
});

t.test('a /64 pool holds 2^64 addresses; a /32 delegating /56 holds 2^24 prefixes', async (t) => {
  const { config } = read({ subnet6: [{
    id: 1, subnet: '2001:db8:1::/64', pools: [{ pool: '2001:db8:1::/64' }, ],
    'pd-pools': [{ prefix: '2001:db9::', 'prefix-len': 32, 'delegated-len': 56 }],
  }, {
    id: 2, subnet: '2001:db8:2::/64', pools: [{ pool: '2001:db8:2::5 - 2001:db8:2::5' }],
    'pd-pools': [{ prefix: '2001:dba::', 'prefix-len': 64, 'delegated-len': 64 }],
  }] });
  const [one, two] = config.subnets;
  t.equal(one!.pools[0]!.size, 18446744073709551616n);
  t.equal(one!.pools[0]!.size, 2n ** 64n);
  t.strictSame(one!.pdPools[0], { prefix: '2001:db9::/32', prefixLength: 32, delegatedLength: 56, count: 16777216n, optionData: [] });
  t.equal(two!.pools[0]!.size, 1n);
  t.equal(two!.pdPools[0]!.count, 1n);
});

t.test('subnets: prefix, id, overlap', async (t) => {
  t.same(problems({ subnet6: [
    { id: 1, subnet: '2001:db8::/129' },
    { id: 2, subnet: '192.0.2.0/24' },
    { id: 3, subnet: '2001:db8::' },
    { subnet: '2001:db8:3::/64' },
    { id: 0, subnet: '2001:db8:4::/64' },
    { id: 6, subnet: '2001:db8:6::/64' },
    { id: 6, subnet: '2001:db8:7::/64' },
    { id: 8, subnet: '2001:db8::/45' },
  ] }), [
    'Dhcp6.subnet6[0].subnet: must be an IPv6 prefix such as 2001:db8:1::/64',
    'Dhcp6.subnet6[1].subnet: must be an IPv6 prefix such as 2001:db8:1::/64',
    'Dhcp6.subnet6[2].subnet: must be an IPv6 prefix such as 2001:db8:1::/64',
    'Dhcp6.subnet6[3].id: required: dhcpg keeps leases by subnet id',
    'Dhcp6.subnet6[4].id: must be an integer from 1 to 2147483647',
    'Dhcp6.subnet6[6].id: 6 is also the id of Dhcp6.subnet6[5] (2001:db8:6::/64)',
    'Dhcp6.subnet6[5].subnet: 2001:db8:6::/64 overlaps subnet 2001:db8::/45 (Dhcp6.subnet6[7])',
    'Dhcp6.subnet6[6].subnet: 2001:db8:7::/64 overlaps subnet 2001:db8::/45 (Dhcp6.subnet6[7])',
  ]);
  // Written in any form, the prefix is kept in RFC 5952 form, host bits cleared (as Kea's inRange reads it).
  t.equal(read({ subnet6: [{ id: 1, subnet: ' 2001:0DB8:0:0:0001:0::5/80 ' }] }).config.subnets[0]!.prefix, '2001:db8:0:0:1::/80');
  t.equal(read({ subnet6: [{ id: 1, subnet: '2001:db8:0:0:1::5/64' }] }).config.subnets[0]!.prefix, '2001:db8::/64');
});

t.test('pools: inside their subnet, well formed, not overlapping', async (t) => {
  t.same(subnetProblems({ pools: [
    { pool: '2001:db8::/47' },
    { pool: '2001:db8:2::1 - 2001:db8:2::9' },
    { pool: '2001:db8:1::9 - 2001:db8:1::1' },
    { pool: '2001:db8:1::x' },
    { pool: '2001:db8:1::1/64' },
    { pool: '::/0' },
    { pool: '2001:db8:1:5::/64' },
    { pool: '2001:db8:1:5::ff - 2001:db8:1:5::1:0' },
  ] }), [
    'Dhcp6.subnet6[0].pools[0].pool: 2001:db8::/47 is not inside subnet 2001:db8:1::/48',
    'Dhcp6.subnet6[0].pools[1].pool: 2001:db8:2::1 - 2001:db8:2::9 is not inside subnet 2001:db8:1::/48',
    'Dhcp6.subnet6[0].pools[2].pool: must be "first - last" or a prefix such as 2001:db8:1::/80',
    'Dhcp6.subnet6[0].pools[3].pool: must be "first - last" or a prefix such as 2001:db8:1::/80',
    // Kea's Pool6: "is not the first address in prefix".
    'Dhcp6.subnet6[0].pools[4].pool: 2001:db8:1::1/64 has bits set beyond its length (the prefix is 2001:db8:1::/64)',
    'Dhcp6.subnet6[0].pools[5].pool: must be "first - last" or a prefix such as 2001:db8:1::/80',
    'Dhcp6.subnet6[0].pools[7].pool: pool 2001:db8:1:5::ff - 2001:db8:1:5::1:0 overlaps pool 2001:db8:1:5:: - 2001:db8:1:5:ffff:ffff:ffff:ffff (Dhcp6.subnet6[0].pools[6].pool)',
  ]);
  // Across subnets too (which then overlap as well).
  t.same(problems({ subnet6: [
    { id: 1, subnet: '2001:db8:1::/48', pools: [{ pool: '2001:db8:1::/64' }] },
    { id: 2, subnet: '2001:db8:1::/56', pools: [{ pool: '2001:db8:1::100 - 2001:db8:1::200' }] },
  ] }), [
    'Dhcp6.subnet6[1].subnet: 2001:db8:1::/56 overlaps subnet 2001:db8:1::/48 (Dhcp6.subnet6[0])',
    'Dhcp6.subnet6[1].pools[0].pool: pool 2001:db8:1::100 - 2001:db8:1::200 overlaps pool 2001:db8:1:: - 2001:db8:1:0:ffff:ffff:ffff:ffff (Dhcp6.subnet6[0].pools[0].pool)',
  ]);
  t.same(subnetProblems({ pools: [{ pool: 12 }, { 'option-data': [] }, { pool: '2001:db8:1::/64', bogus: 1 }] }), [
    'Dhcp6.subnet6[0].pools[0].pool: must be a string',
    'Dhcp6.subnet6[0].pools[0].pool: must be "first - last" or a prefix such as 2001:db8:1::/80',
    'Dhcp6.subnet6[0].pools[1].pool: must be "first - last" or a prefix such as 2001:db8:1::/80',
    `Dhcp6.subnet6[0].pools[2].bogus: ${UNSUPPORTED}`,
  ]);
});

t.test('pd-pools: lengths, alignment, no overlap with each other or any address pool', async (t) => {
  t.same(subnetProblems({ 'pd-pools': [
    { prefix: '2001:db8:8000::', 'prefix-len': 56, 'delegated-len': 48 },
    { prefix: '2001:db8:8000::', 'prefix-len': 48, 'delegated-len': 129 },
    { prefix: '2001:db8:8000::', 'prefix-len': 0, 'delegated-len': 64 },
    { prefix: '2001:db8:8000::1', 'prefix-len': 48, 'delegated-len': 64 },
    { prefix: '2001:db8:8000::/48', 'prefix-len': 48, 'delegated-len': 64 },
    { 'prefix-len': 48 },
  ] }), [
    'Dhcp6.subnet6[0].pd-pools[0].delegated-len: must be from prefix-len (56) to 128',
    'Dhcp6.subnet6[0].pd-pools[1].delegated-len: must be an integer from 1 to 128',
    'Dhcp6.subnet6[0].pd-pools[2].prefix-len: must be an integer from 1 to 128',
    'Dhcp6.subnet6[0].pd-pools[3].prefix: 2001:db8:8000::1 has bits set beyond prefix-len 48 (the prefix is 2001:db8:8000::/48)',
    'Dhcp6.subnet6[0].pd-pools[4].prefix: must be an IPv6 address such as 2001:db8:8000:: (its length is prefix-len)',
    'Dhcp6.subnet6[0].pd-pools[5].prefix: required',
    'Dhcp6.subnet6[0].pd-pools[5].delegated-len: required',
  ]);
  t.same(problems({ subnet6: [
    { id: 1, subnet: '2001:db8:1::/48', pools: [{ pool: '2001:db8:1::/64' }],
      'pd-pools': [
        { prefix: '2001:db8:1::', 'prefix-len': 56, 'delegated-len': 64 },
        { prefix: '2001:db8:1:8000::', 'prefix-len': 49, 'delegated-len': 64 },
        { prefix: '3000::', 'prefix-len': 16, 'delegated-len': 48 },
      ] },
    { id: 2, subnet: '2001:db8:2::/48', 'pd-pools': [{ prefix: '3000:1::', 'prefix-len': 32, 'delegated-len': 48 }] },
  ] }), [
    'Dhcp6.subnet6[0].pd-pools[0].prefix: pd-pool 2001:db8:1::/56 overlaps pool 2001:db8:1:: - 2001:db8:1:0:ffff:ffff:ffff:ffff (Dhcp6.subnet6[0].pools[0].pool)',
    'Dhcp6.subnet6[1].pd-pools[0].prefix: pd-pool 3000:1::/32 overlaps pd-pool 3000::/16 (Dhcp6.subnet6[0].pd-pools[2].prefix)',
  ]);
  // A pd-pool may lie inside its subnet (out of its address pools) or anywhere else.
  t.same(subnetProblems({ pools: [{ pool: '2001:db8:1::/64' }],
    'pd-pools': [{ prefix: '2001:db8:1:8000::', 'prefix-len': 49, 'delegated-len': 64 }, { prefix: '2001:db9::', 'prefix-len': 32, 'delegated-len': 48 }] }), []);
});

t.test('reservations: one identifier, addresses in the subnet, valid prefixes, nothing twice', async (t) => {
  const subnet = (reservations: object[], extra: object = {}) => subnetProblems({ reservations }, extra);
  t.same(subnet([
    { 'ip-addresses': ['2001:db8:1::1'] },
    { duid: '01:02:03', 'hw-address': '00:11:22:33:44:55' },
    { duid: 'zz' },
    { duid: "''" },
    { duid: 'aa'.repeat(131) },
    { 'hw-address': 'aa'.repeat(21) },
    { duid: '01:02:04', 'ip-addresses': ['2001:db8:2::1', '2001:db8::x', 7] },
    { duid: '01:02:05', prefixes: ['2001:db8:9::1/48', '2001:db8:9::', '::/0', '2001:db8:9::/129'] },
    { duid: '01:02:06', 'client-classes': ['x'] },
  ]), [
    'Dhcp6.subnet6[0].reservations[0]: needs exactly one of duid, hw-address',
    'Dhcp6.subnet6[0].reservations[1]: needs exactly one of duid, hw-address',
    "Dhcp6.subnet6[0].reservations[2].duid: must be hex bytes (aa:bb:cc) or 'quoted text'",
    "Dhcp6.subnet6[0].reservations[3].duid: must be hex bytes (aa:bb:cc) or 'quoted text'",
    'Dhcp6.subnet6[0].reservations[4].duid: is 131 bytes long, at most 130 allowed',
    'Dhcp6.subnet6[0].reservations[5].hw-address: is 21 bytes long, at most 20 allowed',
    'Dhcp6.subnet6[0].reservations[6].ip-addresses[0]: 2001:db8:2::1 is not within subnet 2001:db8:1::/48',
    'Dhcp6.subnet6[0].reservations[6].ip-addresses[1]: must be an IPv6 address',
    'Dhcp6.subnet6[0].reservations[6].ip-addresses[2]: must be an IPv6 address',
    'Dhcp6.subnet6[0].reservations[7].prefixes[0]: 2001:db8:9::1/48 has bits set beyond its length (the prefix is 2001:db8:9::/48)',
    'Dhcp6.subnet6[0].reservations[7].prefixes[1]: must be an IPv6 prefix such as 2001:db8:1:2::/64 (length 1 to 128)',
    'Dhcp6.subnet6[0].reservations[7].prefixes[2]: must be an IPv6 prefix such as 2001:db8:1:2::/64 (length 1 to 128)',
    'Dhcp6.subnet6[0].reservations[7].prefixes[3]: must be an IPv6 prefix such as 2001:db8:1:2::/64 (length 1 to 128)',
    `Dhcp6.subnet6[0].reservations[8].client-classes: ${UNSUPPORTED}`,
  ]);
  // The same address or prefix twice anywhere; the same identifier twice in one subnet (or among global ones).
  t.same(problems({
    subnet6: [
      { id: 1, subnet: '2001:db8:1::/48', reservations: [
        { duid: '01:02:03', 'ip-addresses': ['2001:db8:1::1'], prefixes: ['2001:db8:8000::/40'] },
        { duid: '01:02:03', 'ip-addresses': ['2001:db8:1:0::1'] },
        { 'hw-address': '00:11:22:33:44:55', prefixes: ['2001:db8:8000::/40'] },
        { 'hw-address': '00:11:22:33:44:55', prefixes: ['2001:db8:80ff:ff00::/56'] },
        { duid: '01:02:04', 'ip-addresses': ['2001:db8:1::5', '2001:db8:1::5'] },
      ] },
      // Another subnet may reserve for the same identifier.
      { id: 2, subnet: '2001:db8:2::/48', reservations: [{ duid: '01:02:03', 'ip-addresses': ['2001:db8:2::1'] }] },
    ],
    reservations: [
      { duid: '01:02:03', 'ip-addresses': ['2001:db8:2::1'] },
      { duid: '01:02:03' },
      { 'hw-address': '00:11:22:33:44:55', 'ip-addresses': ['2001:db8:3::1'] },
    ],
  }), [
    'Dhcp6.subnet6[0].reservations[1].duid: is also reserved by Dhcp6.subnet6[0].reservations[0]',
    'Dhcp6.subnet6[0].reservations[1].ip-addresses[0]: 2001:db8:1::1 is also reserved by Dhcp6.subnet6[0].reservations[0].ip-addresses[0]',
    'Dhcp6.subnet6[0].reservations[3].hw-address: is also reserved by Dhcp6.subnet6[0].reservations[2]',
    'Dhcp6.subnet6[0].reservations[4].ip-addresses[1]: 2001:db8:1::5 is also reserved by Dhcp6.subnet6[0].reservations[4].ip-addresses[0]',
    'Dhcp6.reservations[0].ip-addresses[0]: 2001:db8:2::1 is also reserved by Dhcp6.subnet6[1].reservations[0].ip-addresses[0]',
    'Dhcp6.reservations[1].duid: is also reserved by Dhcp6.reservations[0]',
    'Dhcp6.reservations[2].ip-addresses[0]: 2001:db8:3::1 is in no configured subnet',
    'Dhcp6.subnet6[0].reservations[2].prefixes[0]: 2001:db8:8000::/40 is also reserved by Dhcp6.subnet6[0].reservations[0].prefixes[0]',
    'Dhcp6.subnet6[0].reservations[3].prefixes[0]: 2001:db8:80ff:ff00::/56 overlaps 2001:db8:8000::/40, reserved by Dhcp6.subnet6[0].reservations[0].prefixes[0]',
  ]);
});

t.test('option-data: resolved against the DHCPv6 table', async (t) => {
  t.same(subnetProblems({ 'option-data': [
    { name: 'no-such-option', data: '1' },
    { code: 9999, data: '1' },
    { code: 70000, data: '1' },
    { name: 'dns-servers', code: 24, data: '2001:db8::1' },
    { name: 'dns-servers', data: '192.0.2.1' },
    { name: 'dns-servers', space: 'dhcp4', data: '2001:db8::1' },
    { name: 'ia-na', data: '' },
    { code: 18, data: 'eth0' },
    { name: 'domain-name-servers', data: '192.0.2.1' },
    { 'always-send': true },
    { name: 'preference', data: '01', 'csv-format': false, bogus: true },
  ] }), [
    'Dhcp6.subnet6[0].option-data[0]: unknown option no-such-option',
    'Dhcp6.subnet6[0].option-data[1]: unknown option 9999',
    'Dhcp6.subnet6[0].option-data[2].code: must be an integer from 1 to 65535',
    'Dhcp6.subnet6[0].option-data[2]: needs a "name" or a "code"',
    'Dhcp6.subnet6[0].option-data[3]: option dns-servers has code 23, not 24',
    'Dhcp6.subnet6[0].option-data[4].data: option dns-servers: "192.0.2.1" is not an IPv6 address',
    'Dhcp6.subnet6[0].option-data[5].space: option space "dhcp4" is not supported (only dhcp6)',
    'Dhcp6.subnet6[0].option-data[6].data: option ia-na: is written by the server and cannot be configured',
    'Dhcp6.subnet6[0].option-data[7].data: option interface-id: is written by the server and cannot be configured',
    // A DHCPv4 name is unknown here.
    'Dhcp6.subnet6[0].option-data[8]: unknown option domain-name-servers',
    'Dhcp6.subnet6[0].option-data[9]: needs a "name" or a "code"',
    `Dhcp6.subnet6[0].option-data[10].bogus: ${UNSUPPORTED}`,
  ]);
  const { config } = read({ subnet6: [{ id: 1, subnet: '2001:db8:1::/48', 'option-data': [
    { code: 23, data: '2001:db8::1', 'always-send': true, space: 'dhcp6' },
    { name: 'preference', data: 'ff', 'csv-format': false },
    { name: 'reconf-accept' },
  ] }] });
  t.strictSame(config.subnets[0]!.optionData, [
    { code: 7, name: 'preference', data: 'ff', 'csv-format': false, 'always-send': false },
    { code: 20, name: 'reconf-accept', data: '', 'csv-format': true, 'always-send': false },
    { code: 23, name: 'dns-servers', data: '2001:db8::1', 'csv-format': true, 'always-send': true },
  ]);
  t.same(problems({ 'option-data': [{ name: 'preference', data: '256' }], 'shared-networks': [{ name: 'n',
    'option-data': [{ name: 'sntp-servers', data: '' }] }] }), [
    'Dhcp6.option-data[0].data: option preference: "256" is out of range for uint8 (0..255)',
    'Dhcp6.shared-networks[0].option-data[0].data: option sntp-servers: no value given',
  ]);
});

t.test('interface, interface-id and relay', async (t) => {
  const { config } = read({ subnet6: [
    { id: 1, subnet: '2001:db8:1::/64', 'interface-id': 'ge-0/0/1.100', relay: { 'ip-addresses': ['2001:DB8:0:0::1', 'fe80::0:1'] } },
    { id: 2, subnet: '2001:db8:2::/64', interface: '', 'interface-id': '' },
  ] });
  t.strictSame(config.subnets[0]!.interfaceId, Buffer.from('ge-0/0/1.100', 'utf8'));
  t.same(config.subnets[0]!.relayAddresses, ['2001:db8::1', 'fe80::1']);
  // Kea takes an empty interface or interface-id for none.
  t.match(config.subnets[1], { interface: undefined, interfaceId: undefined });
  t.same(problems({
    subnet6: [{ id: 1, subnet: '2001:db8:1::/64', interface: 'eth0', 'interface-id': 'x', relay: { 'ip-addresses': ['192.0.2.1', 5] } }],
    'shared-networks': [{ name: 'n', interface: 'eth0', 'interface-id': 'x', relay: [] }],
  }), [
    'Dhcp6.subnet6[0].relay.ip-addresses[0]: must be an IPv6 address',
    'Dhcp6.subnet6[0].relay.ip-addresses[1]: must be an IPv6 address',
    'Dhcp6.subnet6[0]: interface and interface-id cannot both be set (one is for local links, the other for relayed ones)',
    'Dhcp6.shared-networks[0].relay: must be an object',
    'Dhcp6.shared-networks[0]: interface and interface-id cannot both be set (one is for local links, the other for relayed ones)',
  ]);
  // Set on different levels they are allowed, as in Kea.
  t.match(read({ 'shared-networks': [{ name: 'n', interface: 'eth0',
    subnet6: [{ id: 1, subnet: '2001:db8:1::/64', 'interface-id': 'x' }] }] }).config.subnets[0], { interface: 'eth0', interfaceId: Buffer.from('x') });
});

t.test("shared networks: names, and Kea's one rapid-commit and one interface per network", async (t) => {
  t.same(problems({ 'shared-networks': [
    { subnet6: [] },
    { name: 'a', 'rapid-commit': true, subnet6: [
      { id: 1, subnet: '2001:db8:1::/64' },
      { id: 2, subnet: '2001:db8:2::/64', 'rapid-commit': false },
      { id: 3, subnet: '2001:db8:3::/64', interface: 'eth1' },
      { id: 4, subnet: '2001:db8:4::/64', interface: 'eth2' },
      { id: 5, subnet: '2001:db8:5::/64', interface: 'eth1' },
    ] },
    { name: 'a' },
    { name: 'b', interface: 'eth0', subnet6: [{ id: 6, subnet: '2001:db8:6::/64', interface: 'eth9' }] },
    { name: 'c', interface: 'eth0', subnet6: [{ id: 7, subnet: '2001:db8:7::/64' }, { id: 8, subnet: '2001:db8:8::/64', interface: 'eth0' }] },
  ] }), [
    'Dhcp6.shared-networks[0].name: required',
    'Dhcp6.shared-networks[2].name: "a" is used twice',
    'Dhcp6.shared-networks[1].subnet6[1].rapid-commit: is false, but Dhcp6.shared-networks[1].subnet6[0] in the same shared network has true: all subnets of a shared network need the same',
    'Dhcp6.shared-networks[1].subnet6[3].interface: is eth2, but Dhcp6.shared-networks[1].subnet6[2] in the same shared network uses eth1',
    'Dhcp6.shared-networks[3].subnet6[0].interface: is eth9, but shared network b in the same shared network uses eth0',
  ]);
});

t.test('unsupported keys are refused, or warned with --allow-unsupported; Kea process keys warned', async (t) => {
  const value = {
    'server-id': { type: 'LLT' }, loggers: [], 'control-sockets': [], 'hooks-libraries': [],
    'interfaces-config': { interfaces: ['eth0'], 'dhcp-socket-type': 'raw' },
    subnet6: [{ id: 1, subnet: '2001:db8:1::/64', 't1-percent': 0.5,
      'pd-pools': [{ prefix: '2001:db9::', 'prefix-len': 32, 'delegated-len': 48, 'excluded-prefix': '2001:db9::', 'excluded-prefix-len': 64 }] }],
    'shared-networks': [{ name: 'n', 'decline-probation-period': 5 }],
    interface: 'eth0',
  };
  t.same(problems(value), [
    `Dhcp6.server-id: ${UNSUPPORTED}`,
    `Dhcp6.interface: ${UNSUPPORTED}`,
    `Dhcp6.interfaces-config.dhcp-socket-type: ${UNSUPPORTED}`,
    `Dhcp6.subnet6[0].t1-percent: ${UNSUPPORTED}`,
    `Dhcp6.subnet6[0].pd-pools[0].excluded-prefix: ${UNSUPPORTED}`,
    `Dhcp6.subnet6[0].pd-pools[0].excluded-prefix-len: ${UNSUPPORTED}`,
    `Dhcp6.shared-networks[0].decline-probation-period: ${UNSUPPORTED}`,
  ]);
  const { config, warnings } = read(value, true);
  t.same(warnings, [
    'Dhcp6.server-id: not supported by dhcpg, ignored',
    'Dhcp6.loggers: ignored (a Kea setting that dhcpg has no use for)',
    'Dhcp6.control-sockets: ignored (a Kea setting that dhcpg has no use for)',
    'Dhcp6.hooks-libraries: ignored (a Kea setting that dhcpg has no use for)',
    'Dhcp6.interface: not supported by dhcpg, ignored',
    'Dhcp6.interfaces-config.dhcp-socket-type: not supported by dhcpg, ignored',
    'Dhcp6.subnet6[0].t1-percent: not supported by dhcpg, ignored',
    'Dhcp6.subnet6[0].pd-pools[0].excluded-prefix: not supported by dhcpg, ignored',
    'Dhcp6.subnet6[0].pd-pools[0].excluded-prefix-len: not supported by dhcpg, ignored',
    'Dhcp6.shared-networks[0].decline-probation-period: not supported by dhcpg, ignored',
  ]);
  // Ignored means ignored: a global interface is not a subnet's.
  t.equal(config.subnets[0]!.interface, undefined);
  t.same(problems([]), ['Dhcp6: must be an object']);
  t.same(problems({ 'valid-lifetime': 0, 'preferred-lifetime': -1, 'renew-timer': 1.5, 'rapid-commit': 'yes', subnet6: {} }), [
    'Dhcp6.preferred-lifetime: must be an integer from 1 to 2147483647',
    'Dhcp6.valid-lifetime: must be an integer from 1 to 2147483647',
    'Dhcp6.renew-timer: must be an integer from 0 to 2147483647',
    'Dhcp6.rapid-commit: must be true or false',
    'Dhcp6.subnet6: must be a list',
  ]);
});

// Kea's own examples (doc/examples/kea6 at isc-projects/kea d179a1e3, copied
// into test/fixtures/kea6), where they fit the supported subset.
const example = (name: string): unknown =>
  (parseKeaJson(readFileSync(new URL(`../fixtures/kea6/${name}.json`, import.meta.url), 'utf8'), name) as { Dhcp6: unknown }).Dhcp6;

t.test("Kea's examples", async (t) => {
  for (const name of ['simple', 'several-subnets', 'stateless']) {
    const { warnings } = read(example(name));
    t.ok(warnings.every((w) => /ignored \(a Kea setting/.test(w)), `${name}: only Kea process settings warned`);
  }
  const simple = read(example('simple')).config;
  t.match(simple.subnets, [{ id: 1, prefix: '2001:db8:1::/64', interface: 'eth0', preferredLifetime: 3000, validLifetime: 4000,
    renewTimer: 1000, rebindTimer: 2000, pools: [{ first: '2001:db8:1::', last: '2001:db8:1::ffff:ffff:ffff', size: 2n ** 48n }] }]);
  t.same(read(example('several-subnets')).config.subnets.map((s) => s.prefix),
    ['2001:db8:1::/64', '2001:db8:2::/64', '2001:db8:3::/64', '2001:db8:4::/64']);
  t.same(read(example('stateless')).config.subnets, []);

  // reservations-global, -in-subnet and -out-of-pool are not supported.
  t.equal(problems(example('shared-network')).length, 9);
  const shared = read(example('shared-network'), true).config;
  t.same(shared.sharedNetworks, ['frog']);
  t.match(shared.subnets, [
    { id: 1, interface: 'eth0', sharedNetwork: undefined },
    { id: 2, sharedNetwork: 'frog', interface: 'eth1', relayAddresses: ['2001:db8:1::123'], preferredLifetime: 30, validLifetime: 40,
      renewTimer: 10, rebindTimer: 20, rapidCommit: false, pools: [{ first: '2001:db8:1:0:abcd::', size: 2n ** 48n }] },
    { id: 3, prefix: '3000::/16', interface: 'eth1', pools: [{ size: 2n ** 64n }] },
  ]);

  t.match(read(example('comments'), true).config, {
    interfaces: ['*'],
    subnets: [{ id: 100, sharedNetwork: 'foo', optionData: [{ name: 'subscriber-id', data: 'ABCDEF0105', 'csv-format': false }],
      pdPools: [{ prefix: '2001:db2::/48', count: 2n ** 16n }] }],
    reservations: [{ subnetId: 100, hwAddress: Buffer.from('aabbccddeeff', 'hex'), hostname: 'foo.example.com',
      optionData: [{ name: 'domain-search', data: 'example.com' }] }],
  });
  t.match(read(example('advanced'), true).config.subnets, [{ relayAddresses: ['3000::1'],
    pdPools: [{ prefix: '2001:db8:abcd::/48', delegatedLength: 64, count: 65536n }] }]);
});

t.test("Kea's examples dhcpg reads differently", async (t) => {
  // Kea reads integers in hex too ("0xf0"); dhcpg's option encoder takes decimal only.
  const multiple = example('multiple-options') as { subnet6: { 'option-data': object[] }[] };
  t.same(problems(multiple), ['Dhcp6.subnet6[0].option-data[4].data: option preference: "0xf0" is not an integer']);
  multiple.subnet6[0]!['option-data'].splice(4, 1);
  t.match(read(multiple).config.subnets[0], {
    // Merged options are kept in code order.
    optionData: [{ code: 12, name: 'unicast', data: '2001:db8:1:0:ff00::1' }, { name: 'dns-servers' },
      { name: 'sntp-servers', 'csv-format': false }, { name: 'pana-agent', 'always-send': true },
      { name: 'new-posix-timezone', data: 'EST5EDT4\\,M3.2.0/02:00\\,M11.1.0/02:00' }, { name: 'bootfile-param' }],
    pools: [{ first: '2001:db8:1::1', last: '2001:db8:1::100', size: 256n, optionData: [{ data: '3001:cafe::21' }] },
      { first: '2001:db8:1::500', last: '2001:db8:1::1000', size: 2817n }],
    pdPools: [{ prefix: '2001:2b8:2::/56', count: 256n, optionData: [{ data: '3001:cafe::12' }] }],
  });

  // Vendor options (a bare enterprise number, the vendor-4491 space) and flex-id are not supported.
  for (const name of ['reservations', 'global-reservations']) {
    const where = name === 'reservations' ? 'Dhcp6.subnet6[0].reservations' : 'Dhcp6.reservations';
    t.same(problems(example(name), true), [
      `${where}[2].option-data[0].data: option vendor-opts: takes 2 values (uint32, binary), got 1`,
      `${where}[2].option-data[1].space: option space "vendor-4491" is not supported (only dhcp6)`,
      `${where}[3]: needs exactly one of duid, hw-address`,
    ], name);
  }
  const global = example('global-reservations') as { reservations: { 'option-data'?: unknown }[] };
  delete global.reservations[2]!['option-data'];
  global.reservations.pop();
  const { config } = read(global, true);
  t.match(config.reservations, [
    { subnetId: null, duid: Buffer.from('01020304050a0b0c0d0e', 'hex'), addresses: ['2001:db8:1::100'] },
    { subnetId: null, hwAddress: Buffer.from('000102030405', 'hex'), optionData: [{ name: 'dns-servers' }, { name: 'nis-servers' }] },
    { subnetId: null, addresses: ['2001:db8:1:cafe::1'], prefixes: ['2001:db8:2:abcd::/64'], hostname: 'foo.example.com' },
  ]);
  t.match(config.subnets, [{ prefix: '2001:db8::/47', pdPools: [{ prefix: '2001:db8:1:8000::/56', count: 256n }] }]);
});
