// The bench's returning clients (src/bench/returning-clients.ts) are clients
// a real front-end knows: leases written by bindPopulation are the ones the
// engine finds for their renewals and reboots, so every one is answered with
// the client's own address and none refused. The bench's renewal and storm
// figures stand on it.
import t from 'tap';
import { freeUdpPorts, startFrontends } from '../../src/bench/frontends.ts';
import { bindPopulation, measureRenewals, measureStorm, type Population } from '../../src/bench/returning-clients.ts';
import { applyConfig } from '../../src/config/apply.ts';
import { readDhcp4 } from '../../src/config/dhcp4.ts';
import { readDhcp6 } from '../../src/config/dhcp6.ts';
import { testDatabase } from '../helpers/db.ts';

const CLIENTS = 200;

t.test('returning DHCPv4 and DHCPv6 clients are renewed and rebooted at their own addresses', async (t) => {
  const { db, url } = await testDatabase(t);
  await applyConfig(db, {
    dhcp4: readDhcp4({ subnet4: [{ id: 1, subnet: '198.51.100.0/24', relay: { 'ip-addresses': ['127.0.0.2'] }, pools: [{ pool: '198.51.100.0/24' }] }] }).config,
    dhcp6: readDhcp6({ subnet6: [{ id: 1, subnet: '2001:db8:1::/64', relay: { 'ip-addresses': ['::1'] }, pools: [{ pool: '2001:db8:1::/64' }] }] }).config,
  });
  const [server] = await db.query<{ duid: Buffer }>('duid', 'select duid from dhcpg.server');
  const populations: Population[] = [
    { family: 4, subnetId: 1, firstAddress: '198.51.100.1', size: CLIENTS, relay: '127.0.0.2' },
    { family: 6, subnetId: 1, firstAddress: '2001:db8:1:0:8000::', size: CLIENTS, relay: '::1', serverDuid: server!.duid },
  ];
  for (const population of populations) await bindPopulation(db, population);
  const [bound] = await db.query<{ v4: number; v6: number }>('bound', `
    select (select count(*)::int from dhcpg.leases4 where state = 'bound') as v4,
           (select count(*)::int from dhcpg.leases6 where state = 'bound') as v6`);
  t.same(bound, { v4: CLIENTS, v6: CLIENTS }, 'every client bound, as the lease views show');

  const frontends = await startFrontends(1, url, await freeUdpPorts(2), { dhcp6: true });
  t.teardown(() => frontends.stop());
  for (const population of populations) {
    const servers = { ports: population.family === 4 ? frontends.ports : frontends.ports6, pids: frontends.pids };
    const renewals = await measureRenewals(population, servers, [100], 1, () => {});
    t.same(renewals.steps.map((step) => [step.sent, step.lostRatio, step.naks]), [[100, 0, 0]], `DHCPv${population.family}: every renewal answered, none refused`);
    const storm = await measureStorm(population, servers, CLIENTS, 1, 10, 0);
    t.match(storm, { answered: CLIENTS, answeredWithin15s: CLIENTS, naks: 0, wrongAddresses: 0 }, `DHCPv${population.family}: every client back after the outage answered with its own address`);
    t.ok(storm.allAnsweredMs !== undefined, `DHCPv${population.family}: the storm's last answer timed`);
  }
});
