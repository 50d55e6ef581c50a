import t, { type Test } from 'tap';
import { OptionDataError } from '../../src/dhcp/option-data.ts';
import type { OptionDef } from '../../src/dhcp/option-table.ts';
import {
  OPTION_DEFINITIONS,
  encodeOptionData,
  formatOptionData,
  optionByCode,
  optionByName,
} from '../../src/dhcp4/options.ts';
import { ipv4Value } from '../../src/net/ipv4.ts';

const def = (name: string): OptionDef => {
  const found = optionByName(name);
  if (!found) throw new Error(`no option named ${name}`);
  return found;
};
const encode = (name: string, data: string, csvFormat = true): Buffer => encodeOptionData(def(name), data, csvFormat);
const ascii = (text: string): number[] => [...Buffer.from(text, 'latin1')];
/** A domain name in DNS wire format: length-prefixed labels, then the root label. */
const wire = (...labels: string[]): number[] => [...labels.flatMap((label) => [label.length, ...ascii(label)]), 0];
const rejects = (t: Test, name: string, data: string, message: string, csvFormat = true) =>
  t.throws(() => encode(name, data, csvFormat), { name: 'OptionDataError', message }, `${name} <- ${data}`);

t.test('the table', async (t) => {
  const codes = OPTION_DEFINITIONS.map((d) => d.code);
  const names = OPTION_DEFINITIONS.map((d) => d.name);
  t.equal(new Set(codes).size, codes.length, 'codes are unique');
  t.equal(new Set(names).size, names.length, 'names are unique');
  t.ok(codes.every((code) => code >= 1 && code <= 254), 'codes leave PAD and END alone');
  t.ok(names.every((name) => /^[a-z0-9]+(-[a-z0-9]+)*$/.test(name)), 'names are Kea-style');
  for (const d of OPTION_DEFINITIONS) {
    if (d.type !== 'record') continue;
    // Kea: a string or binary field takes the rest of the payload, so only the last may be one.
    t.ok(
      d.fields.slice(0, -1).every((field) => field !== 'string' && field !== 'binary'),
      `${d.name}: variable-length fields only last`,
    );
  }
  t.match(optionByName('routers'), { code: 3, type: 'ipv4-address', array: true });
  t.match(optionByName('domain-name-servers'), { code: 6, array: true });
  t.match(optionByName('dhcp-lease-time'), { code: 51, type: 'uint32', array: false });
  t.match(optionByName('dhcp-agent-options'), { code: 82, type: 'internal' });
  t.match(optionByName('subnet-selection'), { code: 118, type: 'ipv4-address' });
  t.match(optionByName('rapid-commit'), { code: 80, type: 'empty' });
  t.match(optionByName('fqdn'), { code: 81, type: 'record', fields: ['uint8', 'uint8', 'uint8', 'fqdn'] });
  t.match(optionByName('classless-static-route'), { code: 121, type: 'classless-route' });
  t.equal(optionByCode(15)?.name, 'domain-name');
  t.equal(optionByCode(119)?.name, 'domain-search');
  t.equal(optionByName('no-such-option'), undefined);
  t.equal(optionByCode(0), undefined);
  t.equal(optionByCode(255), undefined);
});

t.test('ipv4-address values', async (t) => {
  t.same([...encode('routers', '192.0.2.1')], [192, 0, 2, 1]);
  t.same([...encode('domain-name-servers', '192.0.2.53, 198.51.100.53')], [192, 0, 2, 53, 198, 51, 100, 53]);
  t.same([...encode('domain-name-servers', '192.0.2.53,,198.51.100.53')], [192, 0, 2, 53, 198, 51, 100, 53]);
  t.same([...encode('subnet-mask', ' 255.255.255.0 ')], [255, 255, 255, 0]);
  rejects(t, 'routers', '192.0.2.300', 'option routers: "192.0.2.300" is not an IPv4 address');
  rejects(t, 'routers', '192.0.2', 'option routers: "192.0.2" is not an IPv4 address');
  rejects(t, 'routers', '192.0.2.01', 'option routers: "192.0.2.01" is not an IPv4 address');
  rejects(t, 'routers', '2001:db8::1', 'option routers: "2001:db8::1" is not an IPv4 address');
  rejects(t, 'routers', '192.0.2.1, ', 'option routers: "" is not an IPv4 address'); // a blank value after the comma
});

t.test('IPv4 address text, strict like inet_pton', async (t) => {
  t.equal(ipv4Value('0.0.0.0'), 0);
  t.equal(ipv4Value('255.255.255.255'), 0xffffffff);
  t.equal(ipv4Value('192.0.2.10'), 0xc000020a);
  for (const bad of ['', '.', '1.2.3', '1.2.3.4.5', '1.2.3.4.', '.1.2.3.4', '1..2.3', '1.2.3.256', '1.2.3.1000',
    '01.2.3.4', '1.2.3.00', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.a', '1.2.3.-4', '+1.2.3.4', '1.2.3.0x1', '２.2.3.4']) {
    t.equal(ipv4Value(bad), undefined, JSON.stringify(bad));
  }
});

t.test('integers', async (t) => {
  t.same([...encode('default-ip-ttl', '64')], [64]);
  t.same([...encode('interface-mtu', '1500')], [0x05, 0xdc]);
  t.same([...encode('dhcp-lease-time', '4294967295')], [0xff, 0xff, 0xff, 0xff]);
  t.same([...encode('dhcp-lease-time', '+3600')], [0, 0, 0x0e, 0x10]);
  t.same([...encode('time-offset', '-18000')], [0xff, 0xff, 0xb9, 0xb0]);
  t.same([...encode('dhcp-parameter-request-list', '1, 3, 6, 15')], [1, 3, 6, 15]);
  t.same([...encode('path-mtu-plateau-table', '68, 1500')], [0, 68, 0x05, 0xdc]);
  rejects(t, 'interface-mtu', '70000', 'option interface-mtu: "70000" is out of range for uint16 (0..65535)');
  rejects(t, 'default-ip-ttl', '-1', 'option default-ip-ttl: "-1" is out of range for uint8 (0..255)');
  rejects(t, 'time-offset', '2147483648', 'option time-offset: "2147483648" is out of range for int32 (-2147483648..2147483647)');
  rejects(t, 'dhcp-lease-time', '1h', 'option dhcp-lease-time: "1h" is not an integer');
  rejects(t, 'dhcp-lease-time', '0x10', 'option dhcp-lease-time: "0x10" is not an integer');
  rejects(t, 'dhcp-lease-time', '3600, 7200', 'option dhcp-lease-time: takes one value, got 2 (write a comma inside a value as "\\,")');
});

t.test('booleans', async (t) => {
  t.same([...encode('ip-forwarding', 'true')], [1]);
  t.same([...encode('ip-forwarding', 'FALSE')], [0]);
  t.same([...encode('ip-forwarding', '1')], [1]);
  t.same([...encode('ip-forwarding', '0')], [0]);
  rejects(t, 'ip-forwarding', 'yes', 'option ip-forwarding: "yes" is not a boolean (true, false, 1 or 0)');
  rejects(t, 'ip-forwarding', '2', 'option ip-forwarding: "2" is not a boolean (true, false, 1 or 0)');
  rejects(t, 'ip-forwarding', '-1', 'option ip-forwarding: "-1" is not a boolean (true, false, 1 or 0)');
});

t.test('strings', async (t) => {
  t.same([...encode('domain-name', 'example.org')], ascii('example.org'));
  t.same([...encode('boot-file-name', ' pxelinux.0 ')], ascii('pxelinux.0'), 'trimmed, as Kea trims values');
  t.same([...encode('dhcp-message', 'one\\, two')], ascii('one, two'), 'an escaped comma stays in the value');
  t.same([...encode('dhcp-message', 'back\\\\slash')], ascii('back\\slash'), 'an escaped backslash is one backslash');
  t.same([...encode('host-name', 'café')], [...Buffer.from('café', 'utf8')], 'UTF-8, like Kea config files');
  rejects(t, 'domain-name', 'example.org, example.com', 'option domain-name: takes one value, got 2 (write a comma inside a value as "\\,")');
  rejects(t, 'domain-name', '', 'option domain-name: no value given');
  rejects(t, 'domain-name', ' ', 'option domain-name: empty string');
});

t.test('fqdn values', async (t) => {
  t.same([...encode('domain-search', 'example.com, example.org.')], [...wire('example', 'com'), ...wire('example', 'org')]);
  t.same([...encode('v4-access-domain', '.')], [0], 'the root name');
  t.same([...encode('v4-lost', 'Lost.Example')], wire('Lost', 'Example'), 'case is kept, as Kea keeps it');
  rejects(t, 'domain-search', 'a..example', 'option domain-search: "a..example" is not a domain name (empty label)');
  const longLabel = 'x'.repeat(64);
  rejects(t, 'domain-search', `${longLabel}.example`, `option domain-search: "${longLabel}.example" is not a domain name (label longer than 63 bytes)`);
  const longName = Array.from({ length: 5 }, () => 'y'.repeat(60)).join('.');
  rejects(t, 'domain-search', longName, `option domain-search: "${longName}" is not a domain name (longer than 255 bytes)`);
});

t.test('classless-static-route in Kea notation', async (t) => {
  t.same(
    [...encode('classless-static-route', '10.0.0.0/8 - 10.1.1.1, 10.229.0.128/25 - 10.229.0.1, 0.0.0.0/0 - 192.0.2.1')],
    [
      ...[8, 10, 10, 1, 1, 1], // 10/8: width 8, one significant octet, router 10.1.1.1
      ...[25, 10, 229, 0, 128, 10, 229, 0, 1], // 10.229.0.128/25: four octets, router 10.229.0.1
      ...[0, 192, 0, 2, 1], // default route: width 0, no octets, router 192.0.2.1
    ],
  );
  t.same([...encode('classless-static-route', '192.168.2.0/24-192.168.0.110')], [24, 192, 168, 2, 192, 168, 0, 110]);
  rejects(t, 'classless-static-route', '10.0.0.0/8 10.1.1.1', 'option classless-static-route: "10.0.0.0/8 10.1.1.1" is not a route (write "10.229.0.128/25 - 10.229.0.1")');
  rejects(t, 'classless-static-route', '10.0.0.0 - 10.1.1.1', 'option classless-static-route: "10.0.0.0" is not an IPv4 prefix (a.b.c.d/0..32)');
  rejects(t, 'classless-static-route', '10.0.0.0/33 - 10.1.1.1', 'option classless-static-route: "10.0.0.0/33" is not an IPv4 prefix (a.b.c.d/0..32)');
  rejects(t, 'classless-static-route', '10.229.0.130/25 - 10.1.1.1', 'option classless-static-route: "10.229.0.130/25" has host bits set');
  rejects(t, 'classless-static-route', '10.0.0.0/8 - router', 'option classless-static-route: "router" is not an IPv4 address');
});

t.test('records', async (t) => {
  t.same([...encode('fqdn', '1, 0, 0, host.example.org')], [1, 0, 0, ...wire('host', 'example', 'org')]);
  t.same([...encode('slp-service-scope', 'true, scope-one')], [1, ...ascii('scope-one')]);
  t.same([...encode('client-ndi', '1, 2, 1')], [1, 2, 1]);
  t.same([...encode('uuid-guid', '0, 00112233445566778899AABBCCDDEEFF')], [0, ...Buffer.from('00112233445566778899AABBCCDDEEFF', 'hex')]);
  t.same(
    [...encode('rdnss-selection', '1, 192.0.2.53, 192.0.2.54, corp.example, lab.example')],
    [1, 192, 0, 2, 53, 192, 0, 2, 54, ...wire('corp', 'example'), ...wire('lab', 'example')],
    'an array record repeats its last field',
  );
  rejects(t, 'fqdn', '1, 0, 0', 'option fqdn: takes 4 values (uint8, uint8, uint8, fqdn), got 3');
  rejects(t, 'fqdn', '1, 0, 0, a.example, b.example', 'option fqdn: takes 4 values (uint8, uint8, uint8, fqdn), got 5');
  rejects(t, 'rdnss-selection', '1, 192.0.2.53', 'option rdnss-selection: takes at least 4 values (uint8, ipv4-address, ipv4-address, fqdn), got 2');
  rejects(t, 'fqdn', '256, 0, 0, a.example', 'option fqdn: "256" is out of range for uint8 (0..255)');
});

t.test('binary, empty and internal options', async (t) => {
  t.same([...encode('dhcp-client-identifier', '01:52:54:00:12:34:56')], [1, 0x52, 0x54, 0, 0x12, 0x34, 0x56]);
  t.same([...encode('dhcp-client-identifier', '0x01AB')], [1, 0xab]);
  t.same([...encode('vendor-encapsulated-options', '01 04 c0 00 02 01')], [1, 4, 192, 0, 2, 1]);
  rejects(t, 'dhcp-client-identifier', '01:5g', 'option dhcp-client-identifier: "01:5g" is not a hex string');
  t.same([...encode('rapid-commit', '')], []);
  rejects(t, 'rapid-commit', 'true', 'option rapid-commit: takes no data');
  rejects(t, 'dhcp-message-type', '1', 'option dhcp-message-type: is written by the server and cannot be configured');
  rejects(t, 'dhcp-agent-options', '0104AABBCCDD', 'option dhcp-agent-options: is written by the server and cannot be configured', false);
});

t.test('csv-format false: hex that must fit the definition', async (t) => {
  t.same([...encode('routers', 'C0000201C0000202', false)], [192, 0, 2, 1, 192, 0, 2, 2]);
  t.same([...encode('routers', '0xc0000201', false)], [192, 0, 2, 1]);
  t.same([...encode('routers', 'c0:00:02:01', false)], [192, 0, 2, 1]);
  t.same([...encode('routers', 'c0 0 2 1', false)], [192, 0, 2, 1]);
  t.same([...encode('default-ip-ttl', '40', false)], [0x40]);
  t.same([...encode('default-ip-ttl', 'A', false)], [0x0a], 'an odd digit count gets a leading zero');
  t.same([...encode('host-name', '686f7374', false)], ascii('host'));
  t.same([...encode('classless-static-route', '080a0a010101', false)], [8, 10, 10, 1, 1, 1]);
  t.same([...encode('rapid-commit', '', false)], []);
  rejects(t, 'routers', 'C00002', 'option routers: 3 bytes of hex do not fit its definition (ipv4-address, repeated)', false);
  rejects(t, 'ip-forwarding', '02', 'option ip-forwarding: 1 bytes of hex do not fit its definition (boolean)', false);
  rejects(t, 'host-name', '', 'option host-name: 0 bytes of hex do not fit its definition (string)', false);
  rejects(t, 'classless-static-route', '210a0a010101', 'option classless-static-route: 6 bytes of hex do not fit its definition (classless-route, repeated)', false);
  rejects(t, 'rapid-commit', '00', 'option rapid-commit: 1 bytes of hex do not fit its definition (empty)', false);
  rejects(t, 'routers', 'zz', 'option routers: "zz" is not a hex string', false);
  rejects(t, 'routers', 'c0::00:02:01', 'option routers: "c0::00:02:01" is not a hex string', false);
  t.ok(new OptionDataError('x') instanceof Error);
});

t.test('formatOptionData writes what encodeOptionData reads', async (t) => {
  const cases: [string, string][] = [
    ['routers', '192.0.2.1, 192.0.2.2'],
    ['time-offset', '-18000'],
    ['interface-mtu', '1500'],
    ['ip-forwarding', 'true'],
    ['dhcp-parameter-request-list', '1, 3, 6, 15, 119, 121'],
    ['domain-name', 'example.org'],
    ['dhcp-message', 'one\\, two \\\\ three'],
    ['domain-search', 'example.com, example.org'],
    ['v4-access-domain', '.'],
    ['classless-static-route', '10.0.0.0/8 - 10.1.1.1, 10.229.0.128/25 - 10.229.0.1, 0.0.0.0/0 - 192.0.2.1'],
    ['fqdn', '5, 0, 0, host.example.org'],
    ['rdnss-selection', '1, 192.0.2.53, 192.0.2.54, corp.example, lab.example'],
    ['slp-directory-agent', 'true, 192.0.2.7, 192.0.2.8'],
    ['dhcp-client-identifier', '0152540012345B'],
    ['rapid-commit', ''],
  ];
  for (const [name, text] of cases) {
    const payload = encode(name, text);
    t.equal(formatOptionData(def(name), payload), text, name);
  }
  t.equal(formatOptionData(def('dhcp-message-type'), Buffer.of(5)), '05', 'internal options come out as hex');
  t.equal(formatOptionData(def('host-name'), Buffer.from('host\0\0')), 'host', 'trailing NULs dropped (RFC 2132, Section 2)');
});

t.test('formatOptionData on payloads that do not fit', async (t) => {
  t.equal(formatOptionData(def('routers'), Buffer.of(192, 0, 2, 1, 9)), undefined, 'not a multiple of 4');
  t.equal(formatOptionData(def('subnet-mask'), Buffer.of(255, 255, 255, 0, 0, 0, 0, 0)), undefined, 'one value only');
  t.equal(formatOptionData(def('ip-forwarding'), Buffer.of(2)), undefined, 'booleans are 0 or 1');
  t.equal(formatOptionData(def('host-name'), Buffer.alloc(0)), undefined, 'strings hold a byte at least');
  t.equal(formatOptionData(def('host-name'), Buffer.of(0xff, 0xfe)), undefined, 'not UTF-8');
  t.equal(formatOptionData(def('domain-search'), Buffer.of(3, 0x61, 0x62)), undefined, 'label runs past the end');
  t.equal(formatOptionData(def('domain-search'), Buffer.of(1, 0x61, 0x40)), undefined, 'reserved label type');
  t.equal(formatOptionData(def('domain-search'), Buffer.of(3, 0x61, 0x2c, 0x62, 0)), undefined, 'a comma in a label has no notation');
  t.equal(formatOptionData(def('classless-static-route'), Buffer.of(33, 1, 2, 3, 4, 5, 6, 7, 8)), undefined, 'width over 32');
  t.equal(formatOptionData(def('classless-static-route'), Buffer.alloc(0)), undefined, 'no route');
  t.equal(formatOptionData(def('rapid-commit'), Buffer.of(0)), undefined, 'empty option with data');
  t.equal(formatOptionData(def('fqdn'), Buffer.of(1, 0)), undefined, 'record cut short');
});

t.test('domain-search compression pointers (RFC 3397, Section 2)', async (t) => {
  const payload = Buffer.from([
    ...wire('example', 'com'), // offset 0: example.com
    3, ...ascii('www'), 0xc0, 0x00, // offset 13: www + pointer to offset 0
  ]);
  t.equal(formatOptionData(def('domain-search'), payload), 'example.com, www.example.com');
  const selfPointer = Buffer.of(3, ...ascii('www'), 0xc0, 0x00);
  t.equal(formatOptionData(def('domain-search'), selfPointer), undefined, 'a pointer back into its own name loops');
  const forward = Buffer.of(0xc0, 0x02, 1, 0x61, 0);
  t.equal(formatOptionData(def('domain-search'), forward), undefined, 'pointers only go backwards');
  const chain = Buffer.of(1, 0x61, 0, 1, 0x62, 0xc0, 0x00, 1, 0x63, 0xc0, 0x03);
  t.equal(formatOptionData(def('domain-search'), chain), 'a, b.a, c.b.a', 'pointers to pointers, each further back');
});

t.test('formatOptionData never throws', async (t) => {
  // A small seeded generator (mulberry32) so a failure replays.
  let state = 0x0dcc4;
  const random = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  let thrown = 0;
  for (const d of OPTION_DEFINITIONS) {
    for (let i = 0; i < 300; i++) {
      const payload = Buffer.from(Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256)));
      try {
        formatOptionData(d, payload);
      } catch {
        thrown++;
      }
    }
  }
  t.equal(thrown, 0);
});
