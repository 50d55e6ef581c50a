// perfdhcp (Kea's load generator) drives one dhcpg front-end through the real
// UDP path as a relay would: on loopback, with ports of its own, against a
// front-end started in this process. Loopback needs no namespace, so this
// runs wherever perfdhcp is installed; only the load generator's relayed
// packets travel, and only over 127.0.0.1.
import { createSocket } from 'node:dgram';
import t from 'tap';
import { startFrontend } from '../../src/server/frontend.ts';
import { commandAvailable } from '../helpers/dhcp-clients.ts';
import { metricValue } from '../helpers/dhcpg-netns.ts';
import { engineFixture } from '../helpers/engine.ts';
import { ROOT_NS } from '../helpers/netns.ts';
import { runPerfdhcp } from '../helpers/perfdhcp.ts';

const RELAY = '127.0.0.1';
const EXCHANGES = 500;
const RATE = 100;

// 762 addresses in one shared network, so that every simulated client can
// hold a lease at once with room to spare: each documentation /24 alone is
// too small for 500 clients.
const config = {
  'valid-lifetime': 3600,
  'option-data': [{ name: 'dhcp-server-identifier', data: '192.0.2.2' }],
  'shared-networks': [{
    name: 'perfdhcp',
    relay: { 'ip-addresses': [RELAY] },
    subnet4: [
      { id: 1, subnet: '192.0.2.0/24', pools: [{ pool: '192.0.2.1 - 192.0.2.254' }] },
      { id: 2, subnet: '198.51.100.0/24', pools: [{ pool: '198.51.100.1 - 198.51.100.254' }] },
      { id: 3, subnet: '203.0.113.0/24', pools: [{ pool: '203.0.113.1 - 203.0.113.254' }] },
    ],
  }],
};

/** A UDP port free on 127.0.0.1 right now, for perfdhcp to send from and listen on. */
const freeUdpPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, RELAY, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });

const noPerfdhcp = (await commandAvailable('perfdhcp'))
  ? false
  : 'perfdhcp (kea-admin) is not installed (see test/helpers/debian-packages.txt)';

t.test(`${EXCHANGES} relayed DORA exchanges at ${RATE}/s`, { skip: noPerfdhcp }, async (t) => {
  const f = await engineFixture(t, config);
  const frontend = await startFrontend({ url: f.url, port: 0, address: RELAY });
  t.teardown(() => frontend.close());

  const result = await runPerfdhcp({
    ns: ROOT_NS,
    server: RELAY,
    localAddress: RELAY,
    localPort: await freeUdpPort(),
    remotePort: frontend.udpPorts[0],
    rate: RATE,
    count: EXCHANGES,
    clients: EXCHANGES,
    dropTimeSeconds: 2,
    exitWaitMs: 2_000,
    timeoutMs: 30_000,
  });
  // perfdhcp's whole report, shown with any failure.
  const report = { perfdhcp: result.output };
  t.ok(result.allCompleted, 'perfdhcp completed every exchange', report);
  t.equal(result.malformedPackets, 0, 'no malformed replies', report);
  for (const [name, exchange] of [['DISCOVER-OFFER', result.discoverOffer], ['REQUEST-ACK', result.requestAck]] as const) {
    t.equal(exchange.sent, EXCHANGES, `${name}: all sent`, report);
    t.equal(exchange.received, EXCHANGES, `${name}: all answered`, report);
    t.equal(exchange.drops, 0, `${name}: no drops`, report);
    t.equal(exchange.rejectedLeases, 0, `${name}: no rejected leases`, report);
    t.equal(exchange.nonUniqueAddresses, 0, `${name}: no address handed out twice`, report);
  }

  const metrics = await frontend.metrics.registry.metrics();
  t.equal(metricValue(metrics, 'dhcpg_packets_sent_total{family="4",type="nak"}'), 0, 'no NAK sent');
  t.equal(metricValue(metrics, 'dhcpg_leases_granted_total{family="4"}'), EXCHANGES, 'one lease granted per exchange');

  // perfdhcp 2.2 walks its -R clients in order, so every exchange is a new
  // client; and since runPerfdhcp does not ask perfdhcp to check uniqueness
  // (-u), the database is what shows no address went to two clients.
  const [leases] = await f.db.query<{ bound: number; clients: number; addresses: number }>(
    'perfdhcp-leases',
    `select count(*)::int as bound, count(distinct hwaddr)::int as clients, count(distinct address)::int as addresses
       from dhcpg.leases4 where state = 'bound'`,
  );
  t.same(leases, { bound: EXCHANGES, clients: EXCHANGES, addresses: EXCHANGES }, 'one bound lease per simulated client');
});
