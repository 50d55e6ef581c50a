// The front-end over real UDP on loopback, relayed as from a router: DORA,
// options, several front-ends on one database, renew through another,
// configuration changes picked up live, health and metrics.
import t from 'tap';
import { DHCPACK, DHCPDISCOVER, DHCPNAK, DHCPOFFER, DHCPRELEASE, DHCPREQUEST, DHCPINFORM, messageType } from '../../src/dhcp4/packet.ts';
import { startFrontend, type Frontend } from '../../src/server/frontend.ts';
import { engineFixture } from '../helpers/engine.ts';
import { clientMessage, openRelay } from '../helpers/dhcp-messages.ts';

const RELAY = '127.0.0.1';
const config = (routers = '192.0.2.1') => ({
  'valid-lifetime': 3600,
  'renew-timer': 1800,
  'rebind-timer': 3000,
  'option-data': [
    { name: 'domain-name-servers', data: '192.0.2.53, 192.0.2.54' },
    { name: 'dhcp-server-identifier', data: '192.0.2.2' },
  ],
  subnet4: [{
    id: 1, subnet: '192.0.2.0/24', relay: { 'ip-addresses': [RELAY] },
    pools: [{ pool: '192.0.2.10 - 192.0.2.200' }],
    'option-data': [{ name: 'routers', data: routers }, { name: 'ntp-servers', data: '192.0.2.123' }],
  }],
});

const frontendOn = async (t: { teardown(fn: () => unknown): void }, url: string): Promise<Frontend> => {
  const frontend = await startFrontend({ url, port: 0, address: '127.0.0.1', http: { host: '127.0.0.1', port: 0 } });
  t.teardown(() => frontend.close());
  return frontend;
};

t.test('DORA through a relay, with the configured options', async (t) => {
  const f = await engineFixture(t, config());
  const fe = await frontendOn(t, f.url);
  const relay = await openRelay();
  t.teardown(() => relay.close());
  const port = fe.udpPorts[0]!;

  const offer = await relay.exchange(clientMessage(DHCPDISCOVER, 1, { giaddr: RELAY }), port);
  t.ok(offer, 'an offer');
  t.equal(messageType(offer!), DHCPOFFER);
  t.equal(offer!.yiaddr, '192.0.2.10');
  t.equal(offer!.giaddr, RELAY);
  t.same([...offer!.options.get(54)!], [192, 0, 2, 2], 'the shared server identifier');
  t.same([...offer!.options.get(1)!], [255, 255, 255, 0]);
  t.same([...offer!.options.get(3)!], [192, 0, 2, 1]);
  t.same([...offer!.options.get(6)!], [192, 0, 2, 53, 192, 0, 2, 54]);
  t.equal(offer!.options.get(51)!.readUInt32BE(0), 3600);
  t.notOk(offer!.options.has(42), 'ntp-servers not asked for, not sent');

  const ack = await relay.exchange(clientMessage(DHCPREQUEST, 1, { giaddr: RELAY, requested: '192.0.2.10', serverId: '192.0.2.2' }), port);
  t.equal(messageType(ack!), DHCPACK);
  t.equal(ack!.options.get(58)!.readUInt32BE(0), 1800);
  const [row] = await f.db.query<{ state: string }>('s', `select state from dhcpg.leases4 where address = '192.0.2.10'`);
  t.equal(row?.state, 'bound', 'committed before the ACK');

  // A REQUEST naming another server is not ours: silence, nothing written.
  t.equal(await relay.exchange(clientMessage(DHCPREQUEST, 2, { giaddr: RELAY, requested: '192.0.2.11', serverId: '198.51.100.1' }), port, 300), undefined);
  // Wrong network: NAK.
  const nak = await relay.exchange(clientMessage(DHCPREQUEST, 3, { giaddr: RELAY, requested: '198.51.100.5' }), port);
  t.equal(messageType(nak!), DHCPNAK);
  // INFORM: options, no lease.
  const inform = await relay.exchange(clientMessage(DHCPINFORM, 4, { giaddr: RELAY, ciaddr: '192.0.2.250' }), port);
  t.equal(messageType(inform!), DHCPACK);
  t.notOk(inform!.options.has(51));
  t.equal(inform!.yiaddr, '0.0.0.0');
  // RELEASE and DECLINE are not answered.
  t.equal(await relay.exchange(clientMessage(DHCPRELEASE, 1, { giaddr: RELAY, ciaddr: '192.0.2.10' }), port, 300), undefined);
  const [released] = await f.db.query<{ state: string }>('s', `select state from dhcpg.leases4 where address = '192.0.2.10'`);
  t.equal(released?.state, 'released');

  const metrics = await (await fetch(`http://127.0.0.1:${fe.httpPort}/metrics`)).text();
  t.match(metrics, /dhcpg_packets_received_total\{family="4",type="discover"\} 1/);
  t.match(metrics, /dhcpg_leases_granted_total\{family="4"\} 1/);
  t.match(metrics, /dhcpg_drops_total\{family="4",reason="other-server"\} 1/);
  t.equal((await fetch(`http://127.0.0.1:${fe.httpPort}/readyz`)).status, 200);
  t.equal((await fetch(`http://127.0.0.1:${fe.httpPort}/healthz`)).status, 200);
});

t.test('several front-ends on one database: no client gets two addresses, any renews any', async (t) => {
  const f = await engineFixture(t, config(), { max: 4 });
  const fronts = await Promise.all([frontendOn(t, f.url), frontendOn(t, f.url), frontendOn(t, f.url)]);
  const relay = await openRelay();
  t.teardown(() => relay.close());
  const ports = fronts.map((fe) => fe.udpPorts[0]!);

  // 60 clients, each DISCOVER sent to all three front-ends at once (as on a LAN).
  const offers = await Promise.all(Array.from({ length: 60 }, async (_, i) => {
    const replies = await Promise.all(ports.map((port, k) =>
      relay.exchange(clientMessage(DHCPDISCOVER, 100 + i, { giaddr: RELAY, xid: (i << 4) | k }), port)));
    return replies.map((r) => r?.yiaddr);
  }));
  for (const addresses of offers) t.equal(new Set(addresses).size, 1, 'all front-ends offer the client one address');
  t.equal(new Set(offers.map((a) => a[0])).size, 60, 'distinct addresses');

  // REQUEST through front-end 1, renew through 2, rebind through 3.
  for (const [i, addresses] of offers.entries()) {
    const address = addresses[0]!;
    const ack = await relay.exchange(clientMessage(DHCPREQUEST, 100 + i, { giaddr: RELAY, requested: address, serverId: '192.0.2.2' }), ports[0]!);
    t.equal(messageType(ack!), DHCPACK);
    const renew = await relay.exchange(clientMessage(DHCPREQUEST, 100 + i, { giaddr: RELAY, ciaddr: address, xid: 0xbeef00 + i }), ports[1]!);
    t.equal(renew?.yiaddr, address, 'renewed through another front-end');
    const rebind = await relay.exchange(clientMessage(DHCPREQUEST, 100 + i, { giaddr: RELAY, ciaddr: address, xid: 0xcafe00 + i }), ports[2]!);
    t.equal(messageType(rebind!), DHCPACK);
  }
  const [counts] = await f.db.query<{ leases: number; clients: number }>('c',
    `select count(*) as leases, count(distinct hwaddr) as clients from dhcpg.leases4 where state = 'bound'`);
  t.same(counts, { leases: 60, clients: 60 });
});

t.test('a configuration change reaches running front-ends within a second', async (t) => {
  const f = await engineFixture(t, config());
  const fe = await frontendOn(t, f.url);
  const relay = await openRelay();
  t.teardown(() => relay.close());
  await f.apply(config('192.0.2.254'));
  const deadline = Date.now() + 1000;
  let routers: number[] = [];
  for (let i = 0; Date.now() < deadline; i++) {
    const offer = await relay.exchange(clientMessage(DHCPDISCOVER, 1, { giaddr: RELAY, xid: 0x5000 + i }), fe.udpPorts[0]!);
    routers = [...offer!.options.get(3)!];
    if (routers[3] === 254) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  t.same(routers, [192, 0, 2, 254]);
});
