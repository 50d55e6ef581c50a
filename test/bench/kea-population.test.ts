// The bench's returning clients written into Kea's lease database
// (bindKeaPopulation) are clients real Kea servers know: kea-dhcp4 renews and
// reboots them, kea-dhcp6 renews and rebinds them, each at its own address,
// none refused, through two servers sharing the database, as the bench asks
// them (every kea-dhcp6 answers the relay at [::1]:547, one socket for both).
// The bench's Kea renewal and storm figures stand on it: a row Kea cannot
// read or match is answered with a refusal, which would pass for Kea's own
// slowness.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { freeUdpPorts } from '../../src/bench/frontends.ts';
import { KEA6_SERVER_DUID, keaAvailable, startKeaServers, type KeaServersOptions } from '../../src/bench/kea.ts';
import { bindKeaPopulation, measureRenewals, measureStorm, type Population } from '../../src/bench/returning-clients.ts';
import { adminQuery, withDatabaseName } from '../../src/db/admin.ts';
import { connect } from '../../src/db/pool.ts';

const CLIENTS = 200;

const populations: { population: Population; servers: Omit<KeaServersOptions, 'count' | 'databaseUrl' | 'databaseName' | 'basePort' | 'workDir'> }[] = [
  {
    population: { family: 4, subnetId: 2, firstAddress: '198.51.100.1', size: CLIENTS, relay: '127.0.0.2' },
    servers: {
      subnet: '192.0.2.0/24', poolFirst: '192.0.2.10', poolLast: '192.0.2.200', relayAddress: '127.0.0.1',
      secondSubnet: { subnet: '198.51.100.0/24', poolFirst: '198.51.100.1', poolLast: '198.51.100.254', relayAddress: '127.0.0.2' },
    },
  },
  {
    population: { family: 6, subnetId: 1, firstAddress: '2001:db8:1:0:8000::', size: CLIENTS, relay: '::1', serverDuid: KEA6_SERVER_DUID },
    servers: { family: 6, subnet: '2001:db8:1::/64', poolFirst: '2001:db8:1::', poolLast: '2001:db8:1:0:ffff:ffff:ffff:ffff', relayAddress: '::1' },
  },
];

for (const { population, servers } of populations) {
  const { family } = population;
  const kea = await keaAvailable(family);
  t.test(`Kea renews and reboots the DHCPv${family} clients the bench binds in its lease database`, { skip: kea.ok ? false : kea.reason }, async (t) => {
    const adminUrl = process.env.DHCPG_TEST_ADMIN_URL!;
    const databaseName = `kea${family}_t${process.pid}`;
    const workDir = mkdtempSync(join(tmpdir(), 'dhcpg-kea-test-'));
    t.teardown(async () => {
      await adminQuery(adminUrl, `drop database if exists ${databaseName} with (force)`);
      rmSync(workDir, { recursive: true, force: true });
    });
    const cluster = await startKeaServers({ ...servers, count: 2, databaseUrl: adminUrl, databaseName, basePort: await freeUdpPorts(4), workDir });
    t.teardown(() => cluster.stop());
    const db = connect(withDatabaseName(adminUrl, databaseName), { max: 1 });
    t.teardown(() => db.end());
    await bindKeaPopulation(db, population, population.subnetId);

    const renewals = await measureRenewals(population, cluster, [100], 1, () => {});
    t.same(renewals.steps.map((step) => [step.sent, step.lostRatio, step.naks]), [[100, 0, 0]], 'every renewal answered, none refused');
    const storm = await measureStorm(population, cluster, CLIENTS, 1, 10, 0);
    t.match(storm, { answered: CLIENTS, naks: 0, wrongAddresses: 0 }, 'every client back after the outage answered with its own address');
  });
}
