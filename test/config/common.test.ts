// What the Dhcp4 and Dhcp6 readers share (config/common.ts), and the IPv6
// range arithmetic under the Dhcp6 one.
import t from 'tap';
import { mergeOptions, overlapping, parseIdentifier } from '../../src/config/common.ts';
import { readDhcp4 } from '../../src/config/dhcp4.ts';
import { ConfigInvalid } from '../../src/config/reader.ts';
import { ipv6FromValue, ipv6Value, parseIpv6Pool, parseIpv6Prefix } from '../../src/net/ipv6-range.ts';

t.test('identifiers: hex in any of Kea\'s spellings, or quoted text', async (t) => {
  for (const text of ['01:aa:BB', '01aabb', '0x01aabb', '01 aa bb', '01-aa-bb']) {
    t.strictSame(parseIdentifier(text), Buffer.from('01aabb', 'hex'), text);
  }
  t.strictSame(parseIdentifier("'port 7'"), Buffer.from('port 7'));
  for (const text of ['', "''", '1', 'zz', '01:a']) t.equal(parseIdentifier(text), undefined, JSON.stringify(text));
});

t.test('options merge by code, the later list winning, in code order', async (t) => {
  const option = (code: number, data: string) => ({ code, name: `o${code}`, data, 'csv-format': true, 'always-send': false });
  t.same(mergeOptions([option(23, 'a'), option(7, 'b')], [option(23, 'c')]).map((o) => `${o.code}=${o.data}`), ['7=b', '23=c']);
});

t.test('overlapping reports each range overlapping one before it', async (t) => {
  const ranges: [string, bigint, bigint][] = [['c', 40n, 50n], ['a', 1n, 100n], ['b', 2n, 3n], ['d', 101n, 200n], ['e', 200n, 200n]];
  const pairs = overlapping(ranges, ([, first, last]) => [first, last]).map(([x, y]) => `${x[0]}~${y[0]}`);
  // c lies inside a behind b, which does not reach it: still reported, against a.
  t.same(pairs, ['b~a', 'c~a', 'e~d']);
});

t.test('IPv6 ranges', async (t) => {
  t.equal(ipv6Value('::1'), 1n);
  t.equal(ipv6Value('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), 2n ** 128n - 1n);
  t.equal(ipv6FromValue(2n ** 128n - 1n), 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
  t.equal(ipv6FromValue(ipv6Value('2001:DB8:0:0:0:0:0:1')!), '2001:db8::1');
  t.match(parseIpv6Prefix('2001:db8::1/64'), { first: ipv6Value('2001:db8::'), last: ipv6Value('2001:db8::ffff:ffff:ffff:ffff'), length: 64, hostBits: true });
  t.match(parseIpv6Prefix('::/0'), { first: 0n, last: 2n ** 128n - 1n, length: 0, hostBits: false });
  t.match(parseIpv6Prefix('::ffff:192.0.2.0/120'), { length: 120, hostBits: false });
  for (const text of ['2001:db8::/129', '2001:db8::', '2001:db8::/-1', '2001:db8::/6 4', '192.0.2.0/24', '2001:db8::/064x']) {
    t.equal(parseIpv6Prefix(text), undefined, text);
  }
  t.same(parseIpv6Pool(' 2001:db8::1-2001:db8::ff '), { first: ipv6Value('2001:db8::1'), last: ipv6Value('2001:db8::ff') });
  t.equal(parseIpv6Pool('2001:db8::ff - 2001:db8::1'), undefined);
  t.equal(parseIpv6Pool('2001:db8::1 - 2001:db8::1 - 2001:db8::2'), undefined);
});

t.test('Dhcp4 through the shared code', async (t) => {
  // A global interface is not supported: with --allow-unsupported it is ignored indeed, not given to subnets.
  const { config, warnings } = readDhcp4({ interface: 'eth0', relay: { 'ip-addresses': ['192.0.2.1'] },
    subnet4: [{ id: 1, subnet: '192.0.2.0/24' }] }, { allowUnsupported: true });
  t.same(warnings, ['Dhcp4.interface: not supported by dhcpg, ignored', 'Dhcp4.relay: not supported by dhcpg, ignored']);
  t.match(config.subnets[0], { interface: undefined, relayAddresses: [] });
  // A pool inside a large one is reported even behind a smaller one that does not reach it.
  try {
    readDhcp4({ subnet4: [{ id: 1, subnet: '192.0.2.0/24', pools: [
      { pool: '192.0.2.10 - 192.0.2.200' }, { pool: '192.0.2.11 - 192.0.2.12' }, { pool: '192.0.2.50 - 192.0.2.60' }] }] });
    t.fail('accepted');
  } catch (error) {
    t.same((error as ConfigInvalid).problems, [
      'pool 192.0.2.11 - 192.0.2.12: overlaps pool 192.0.2.10 - 192.0.2.200',
      'pool 192.0.2.50 - 192.0.2.60: overlaps pool 192.0.2.10 - 192.0.2.200',
    ]);
  }
});
