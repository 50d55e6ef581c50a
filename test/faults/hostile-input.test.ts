// Hostile datagrams mixed into DORA load through two front-ends: NULs and
// invalid UTF-8 in every text option, wrong lengths and nonsense values in
// every option dhcpg reads, broken packets. They cost no legitimate exchange,
// the front-ends stay ready, every ACKed lease is in leases4, none twice,
// and what was refused is counted.
import t from 'tap';
import { withDatabaseName } from '../../src/db/admin.ts';
import { DHCPDISCOVER, DHCPREQUEST } from '../../src/dhcp4/packet.ts';
import { clientMessage, encode, openRelay } from '../helpers/dhcp-messages.ts';
import { doraLoad, faultLab, judge, RELAY, sleep } from '../helpers/faults.ts';

const bytes = (...values: number[]) => Buffer.from(values);
const text = (value: string) => Buffer.from(value, 'latin1');

/** Options dhcpg reads, each with values it must refuse or survive. */
const BAD_OPTIONS: [number, Buffer][] = [
  [12, text('host\0name')], [12, bytes(0xff, 0xfe, 0x41)], [12, Buffer.alloc(255, 0)],
  [81, Buffer.concat([bytes(0, 0, 0), text('a\0b.example')])], [81, bytes(4, 0, 0, 3, 0x61, 0, 0x62)], [81, bytes(1)],
  [81, Buffer.concat([bytes(0, 0, 0), bytes(0xc3, 0x28)])],
  [61, Buffer.alloc(0)], [61, Buffer.alloc(255, 0xff)],
  [50, bytes(1, 2, 3)], [50, bytes(255, 255, 255, 255)], [50, bytes(0, 0, 0, 0)],
  [54, Buffer.alloc(0)], [54, bytes(127, 0, 0, 1, 9)],
  [82, bytes(1, 200, 1)], [82, bytes(5, 3, 1, 2, 3)], [82, bytes(1, 0, 2, 0)], [82, bytes(5, 4, 255, 255, 255, 255)],
  [118, bytes(1, 2, 3, 4, 5)], [118, bytes(224, 0, 0, 1)],
  [55, Buffer.alloc(255, 0)], [57, bytes(0, 0)], [57, bytes(1)], [80, bytes(1)],
];

/** The n-th hostile datagram: a bad option in a DISCOVER or REQUEST, or a broken packet. */
const hostile = (n: number): Buffer => {
  const client = 60_000 + (n % 5000);
  const kind = n % (BAD_OPTIONS.length + 4);
  if (kind < BAD_OPTIONS.length) {
    const type = n % 2 === 0 ? DHCPDISCOVER : DHCPREQUEST;
    return encode(clientMessage(type, client, { giaddr: RELAY, xid: 0x7000_0000 + n, options: [BAD_OPTIONS[kind]!] }));
  }
  const good = encode(clientMessage(DHCPDISCOVER, client, { giaddr: RELAY, xid: 0x7000_0000 + n }));
  switch (kind - BAD_OPTIONS.length) {
    case 0: return good.subarray(0, 100); // truncated header
    case 1: return Buffer.concat([good.subarray(0, good.length - 1), bytes(12, 200, 0x41)]); // option overruns the packet
    case 2: return Buffer.concat([good.subarray(0, 236), bytes(1, 2, 3, 4)]); // no magic cookie
    default: return Buffer.alloc(1500, 0xff); // noise
  }
};

t.test('hostile datagrams mixed into load', { timeout: 120_000 }, async (t) => {
  const { pg, frontends, http } = await faultLab(t, 2);

  const load = await doraLoad(frontends.ports, 600);
  t.teardown(() => load.stop());
  const attacker = await openRelay(RELAY);
  t.teardown(() => attacker.close());
  // Hostile datagrams for 6 s (about 750 a second here), beside 600 DORA/s.
  let sent = 0;
  const started = performance.now();
  while (performance.now() - started < 6000) {
    for (let k = 0; k < 10; k++, sent++) await attacker.send(hostile(sent), frontends.ports[sent % 2]!);
    await sleep(10);
  }
  await sleep(1000);
  await load.stop();

  const verdict = await judge(withDatabaseName(pg.server.url, 'dhcpg'), load.acked);
  const lost = load.started() - load.acked.size;
  const metrics = (await Promise.all([0, 1].map(async (k) => (await http(k, '/metrics')).text()))).join('\n');
  const counted = (pattern: RegExp) => [...metrics.matchAll(pattern)].reduce((sum, m) => sum + Number(m[1]), 0);
  const dropped = counted(/^dhcpg_drops_total\{family="4",reason="(?!pool-exhausted)[^"]+"\} (\d+)$/gm);
  const namesIgnored = counted(/^dhcpg_client_names_ignored_total\{[^}]*\} (\d+)$/gm);
  t.comment(`${sent} hostile datagrams; ${load.started()} legitimate exchanges begun, ${load.acked.size} ACKed, ${lost} lost; `
    + `${dropped} datagrams dropped and counted, ${namesIgnored} unusable names left out`);
  t.ok(lost <= load.started() * 0.01, 'hostile input cost no legitimate exchange (1% slack for a loaded machine)');
  t.same([(await http(0, '/readyz')).status, (await http(1, '/readyz')).status], [200, 200], 'ready throughout');
  t.ok(dropped > 0 && namesIgnored > 0, 'what was refused is counted');
  t.same(verdict.lost, [], 'every ACKed lease is in leases4');
  t.same(verdict.duplicates, [], 'no address ACKed to two clients');
});
