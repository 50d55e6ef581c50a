import t, { type Test } from 'tap';
import type { OptionDef } from '../../src/dhcp/option-table.ts';
import { formatOptionData, optionByName } from '../../src/dhcp4/options.ts';
import {
  OPTION_DEFINITIONS_6,
  encodeOptionData6,
  formatOptionData6,
  optionByCode6,
  optionByName6,
} from '../../src/dhcp6/options.ts';
import { formatIpv6, parseIpv6 } from '../../src/net/ipv6.ts';

const def = (name: string): OptionDef => {
  const found = optionByName6(name);
  if (!found) throw new Error(`no DHCPv6 option named ${name}`);
  return found;
};
const encode = (name: string, data: string, csvFormat = true): Buffer => encodeOptionData6(def(name), data, csvFormat);
const hex = (text: string): number[] => [...Buffer.from(text.replace(/\s/g, ''), 'hex')];
const ascii = (text: string): number[] => [...Buffer.from(text, 'latin1')];
/** A domain name in DNS wire format: length-prefixed labels, then the root label. */
const wire = (...labels: string[]): number[] => [...labels.flatMap((label) => [label.length, ...ascii(label)]), 0];
const rejects = (t: Test, name: string, data: string, message: string, csvFormat = true) =>
  t.throws(() => encode(name, data, csvFormat), { name: 'OptionDataError', message }, `${name} <- ${data}`);
/** encode, then format gives the text back. */
const roundTrips = (t: Test, name: string, text: string, bytes: number[]) => {
  const payload = encode(name, text);
  t.same([...payload], bytes, `${name} <- ${text}`);
  t.equal(formatOptionData6(def(name), payload), text, `${name} -> ${text}`);
};

t.test('the table', async (t) => {
  const codes = OPTION_DEFINITIONS_6.map((d) => d.code);
  const names = OPTION_DEFINITIONS_6.map((d) => d.name);
  t.equal(new Set(codes).size, codes.length, 'codes are unique');
  t.equal(new Set(names).size, names.length, 'names are unique');
  t.ok(codes.every((code) => code >= 1 && code <= 0xffff), 'codes fit 16 bits, 0 is reserved');
  t.ok(names.every((name) => /^[a-z0-9]+(-[a-z0-9]+)*$/.test(name)), 'names are Kea-style');
  for (const d of OPTION_DEFINITIONS_6) {
    if (d.type !== 'record') continue;
    t.ok(
      d.fields.slice(0, -1).every((field) => field !== 'string' && field !== 'binary'),
      `${d.name}: variable-length fields only last`,
    );
  }
  // Kea's names, which a Kea configuration uses.
  t.match(optionByName6('clientid'), { code: 1, type: 'internal' });
  t.match(optionByName6('serverid'), { code: 2, type: 'internal' });
  t.match(optionByName6('oro'), { code: 6, type: 'uint16', array: true });
  t.match(optionByName6('preference'), { code: 7, type: 'uint8', array: false });
  t.match(optionByName6('auth'), { code: 11, type: 'binary' });
  t.match(optionByName6('unicast'), { code: 12, type: 'ipv6-address', array: false });
  t.match(optionByName6('vendor-class'), { code: 16, type: 'record', fields: ['uint32', 'binary'] });
  t.match(optionByName6('dns-servers'), { code: 23, type: 'ipv6-address', array: true });
  t.match(optionByName6('domain-search'), { code: 24, type: 'fqdn', array: true });
  t.match(optionByName6('sntp-servers'), { code: 31, type: 'ipv6-address', array: true });
  t.match(optionByName6('information-refresh-time'), { code: 32, type: 'uint32' });
  t.match(optionByName6('remote-id'), { code: 37, type: 'record', fields: ['uint32', 'binary'] });
  t.match(optionByName6('subscriber-id'), { code: 38, type: 'binary' });
  t.match(optionByName6('client-fqdn'), { code: 39, type: 'record', fields: ['uint8', 'fqdn'] });
  t.match(optionByName6('ntp-server'), { code: 56, type: 'binary' });
  t.match(optionByName6('bootfile-param'), { code: 60, type: 'tuple', array: true });
  t.equal(optionByCode6(25)?.name, 'ia-pd');
  t.equal(optionByCode6(26)?.name, 'iaprefix');
  t.equal(optionByCode6(0), undefined);
  t.equal(optionByCode6(10), undefined, 'code 10 is unassigned');
  // What the server writes from protocol state is not configurable.
  for (const name of ['clientid', 'serverid', 'ia-na', 'ia-ta', 'iaaddr', 'ia-pd', 'iaprefix', 'status-code',
    'relay-msg', 'interface-id', 'rapid-commit', 'elapsed-time']) {
    t.equal(def(name).type, 'internal', `${name} is internal`);
  }
});

t.test('Kea notation round trips', async (t) => {
  roundTrips(t, 'dns-servers', '2001:db8::53, 2001:db8:0:1::53', [
    ...hex('20010db8 00000000 00000000 00000053'),
    ...hex('20010db8 00000001 00000000 00000053'),
  ]);
  roundTrips(t, 'sntp-servers', '2001:db8::123', hex('20010db8 00000000 00000000 00000123'));
  roundTrips(t, 'domain-search', 'example.com, lab.example.org', [...wire('example', 'com'), ...wire('lab', 'example', 'org')]);
  roundTrips(t, 'information-refresh-time', '86400', [0, 1, 0x51, 0x80]);
  roundTrips(t, 'preference', '255', [255]);
  roundTrips(t, 'oro', '23, 24, 39', [0, 23, 0, 24, 0, 39]);
  roundTrips(t, 'unicast', '2001:db8::1', hex('20010db8 00000000 00000000 00000001'));
  roundTrips(t, 'bootfile-url', 'http://[2001:db8::1]/boot.efi', ascii('http://[2001:db8::1]/boot.efi'));
  roundTrips(t, 'bootfile-param', 'root=/dev/sda1, rw', [0, 14, ...ascii('root=/dev/sda1'), 0, 2, ...ascii('rw')]);
  roundTrips(t, 'client-fqdn', '1, host.example.org', [1, ...wire('host', 'example', 'org')]);
  roundTrips(t, 'vendor-opts', '4491, 0001000400200021', [0, 0, 0x11, 0x8b, 0, 1, 0, 4, 0, 0x20, 0, 0x21]);
  roundTrips(t, 'rdnss-selection', '2001:db8::53, 1, corp.example, lab.example', [
    ...hex('20010db8 00000000 00000000 00000053'),
    1,
    ...wire('corp', 'example'),
    ...wire('lab', 'example'),
  ]);
  roundTrips(t, 'aftr-name', 'aftr.example.net', wire('aftr', 'example', 'net'));
  roundTrips(t, 'reconf-accept', '', []);
  t.same([...encode('dns-servers', '2001:DB8::53')], hex('20010db8 00000000 00000000 00000053'), 'upper-case hex');
  t.equal(formatOptionData6(def('dns-servers'), encode('dns-servers', '2001:DB8:0:0:0:0:0:53')), '2001:db8::53', 'RFC 5952 text');
  t.same([...encode('dns-servers', '20010db8000000000000000000000053', false)], hex('20010db8 00000000 00000000 00000053'), 'hex');
});

t.test('errors name the option', async (t) => {
  rejects(t, 'dns-servers', '192.0.2.53', 'option dns-servers: "192.0.2.53" is not an IPv6 address');
  rejects(t, 'dns-servers', '2001:db8::53, 2001:db8:::54', 'option dns-servers: "2001:db8:::54" is not an IPv6 address');
  rejects(t, 'sntp-servers', 'fe80::1%eth0', 'option sntp-servers: "fe80::1%eth0" is not an IPv6 address');
  rejects(t, 'domain-search', 'a..example', 'option domain-search: "a..example" is not a domain name (empty label)');
  rejects(t, 'information-refresh-time', '-1', 'option information-refresh-time: "-1" is out of range for uint32 (0..4294967295)');
  rejects(t, 'information-refresh-time', '1d', 'option information-refresh-time: "1d" is not an integer');
  rejects(t, 'preference', '256', 'option preference: "256" is out of range for uint8 (0..255)');
  rejects(t, 'preference', '1, 2', 'option preference: takes one value, got 2 (write a comma inside a value as "\\,")');
  rejects(t, 'client-fqdn', '1', 'option client-fqdn: takes 2 values (uint8, fqdn), got 1');
  rejects(t, 'dns-servers', '20010db8', 'option dns-servers: 4 bytes of hex do not fit its definition (ipv6-address, repeated)', false);
  rejects(t, 'bootfile-param', '000541', 'option bootfile-param: 3 bytes of hex do not fit its definition (tuple, repeated)', false);
  rejects(t, 'reconf-accept', 'true', 'option reconf-accept: takes no data');
  rejects(t, 'serverid', '000300010a0b0c0d0e0f', 'option serverid: is written by the server and cannot be configured', false);
  rejects(t, 'ia-na', '1, 0, 0', 'option ia-na: is written by the server and cannot be configured');
  rejects(t, 'status-code', '0, ok', 'option status-code: is written by the server and cannot be configured');
});

t.test('RFC 8415, Section 10: DHCPv6 names are never compressed', async (t) => {
  const compressed = Buffer.from([...wire('example', 'com'), 3, ...ascii('www'), 0xc0, 0x00]);
  t.equal(formatOptionData6(def('domain-search'), compressed), undefined, 'a pointer does not fit domain-search');
  t.throws(() => encodeOptionData6(def('domain-search'), compressed.toString('hex'), false), {
    message: 'option domain-search: 19 bytes of hex do not fit its definition (fqdn, repeated)',
  });
  const v4 = optionByName('domain-search');
  if (!v4) throw new Error('no DHCPv4 domain-search');
  t.equal(formatOptionData(v4, compressed), 'example.com, www.example.com', 'DHCPv4 follows it (RFC 3397, Section 2)');
});

t.test('formatOptionData6 on payloads that do not fit', async (t) => {
  t.equal(formatOptionData6(def('dns-servers'), Buffer.alloc(15)), undefined, 'not a multiple of 16');
  t.equal(formatOptionData6(def('dns-servers'), Buffer.alloc(0)), undefined, 'no address');
  t.equal(formatOptionData6(def('bootfile-param'), Buffer.of(0, 5, 0x61)), undefined, 'tuple runs past the end');
  t.equal(formatOptionData6(def('bootfile-param'), Buffer.of(0, 2, 0xff, 0xfe)), undefined, 'tuple not UTF-8');
  t.equal(formatOptionData6(def('client-fqdn'), Buffer.of(1, 4, 0x68, 0x6f, 0x73, 0x74)), undefined, 'a partial name');
  t.equal(formatOptionData6(def('serverid'), Buffer.of(0, 3, 0, 1, 0xaa)), '00030001AA', 'internal options come out as hex');
});

t.test('formatOptionData6 never throws', async (t) => {
  // A small seeded generator (mulberry32) so a failure replays.
  let state = 0x8415;
  const random = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  let thrown = 0;
  for (const d of OPTION_DEFINITIONS_6) {
    for (let i = 0; i < 300; i++) {
      const payload = Buffer.from(Array.from({ length: Math.floor(random() * 48) }, () => Math.floor(random() * 256)));
      try {
        formatOptionData6(d, payload);
      } catch {
        thrown++;
      }
    }
  }
  t.equal(thrown, 0);
});

t.test('IPv6 address text, strict like inet_pton', async (t) => {
  const bytes = (text: string) => [...(parseIpv6(text) ?? [])];
  t.same(bytes('::'), new Array(16).fill(0));
  t.same(bytes('::1'), [...new Array(15).fill(0), 1]);
  t.same(bytes('2001:db8::'), [0x20, 0x01, 0x0d, 0xb8, ...new Array(12).fill(0)]);
  t.same(bytes('2001:DB8:0:0:1:0:0:1'), hex('20010db8 00000000 00010000 00000001'));
  t.same(bytes('::ffff:192.0.2.1'), [...new Array(10).fill(0), 0xff, 0xff, 192, 0, 2, 1]);
  t.same(bytes('1:2:3:4:5:6:7::'), hex('00010002 00030004 00050006 00070000'), ':: for one group');
  t.same(bytes('1:2:3:4:5:6:192.0.2.1'), hex('00010002 00030004 00050006 c0000201'), 'a dotted quad as the last two groups');
  t.same(bytes('1::2:3'), hex('00010000 00000000 00000000 00020003'), 'groups after :: go to the end');
  for (const bad of ['', ':', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', 'g::', ':1::', '1::2:',
    '1:2:3:4:5:6:7:8::', '::1.2.3', '::1.2.3.4:5', '1.2.3.4', 'fe80::1%eth0', ' ::1', '::1 ', '[::1]',
    '1:::2', '1.2.3.4::', '1:2:3:4:5:6:7:1.2.3.4', '::01.2.3.4', 'ffff:', '::1:2:3:4:5:6:7:8']) {
    t.equal(parseIpv6(bad), undefined, JSON.stringify(bad));
  }
});

t.test('IPv6 address text, as RFC 5952 writes it', async (t) => {
  const text = (written: string) => formatIpv6(parseIpv6(written)!);
  t.equal(text('::'), '::');
  t.equal(text('0:0:0:0:0:0:0:1'), '::1');
  t.equal(text('2001:0DB8:0000:0000:0000:0000:0000:0001'), '2001:db8::1', 'lower case, no leading zeros');
  t.equal(text('2001:db8:0:1:0:0:0:1'), '2001:db8:0:1::1', 'the longest run of zeros');
  t.equal(text('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1', 'the first of equal runs');
  t.equal(text('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1', 'one zero group stays');
  t.equal(text('1:0:0:0:0:0:0:0'), '1::');
  t.equal(text('::ffff:c000:201'), '::ffff:192.0.2.1', 'IPv4-mapped in mixed notation (Section 5)');
  t.equal(formatIpv6(Buffer.from(hex('ff 20010db8 00000000 00000000 00000001')), 1), '2001:db8::1', 'at an offset');
});
