// perfdhcp -6 (relayed, -A 1, asking for an address and a prefix) drives two
// real `dhcpg serve` front-ends at once over ::1, as two relays of one
// network would: no address or prefix goes to two clients, and every lease
// a REPLY carried is in dhcpg.leases6.
import t from 'tap';
import { freeUdpPorts, startFrontends } from '../../src/bench/frontends.ts';
import { applyConfig } from '../../src/config/apply.ts';
import { readDhcp6 } from '../../src/config/dhcp6.ts';
import { commandAvailable } from '../helpers/dhcp-clients.ts';
import { testDatabase } from '../helpers/db.ts';
import { metricValue } from '../helpers/dhcpg-netns.ts';
import { ROOT_NS } from '../helpers/netns.ts';
import { runPerfdhcp } from '../helpers/perfdhcp.ts';

const RELAY = '::1';
const CLIENTS = 400;
const RATE = 50;

const noPerfdhcp = (await commandAvailable('perfdhcp')) ? false : 'perfdhcp (kea-admin) is not installed (see test/helpers/debian-packages.txt)';

t.test(`perfdhcp -6 through two front-ends: ${CLIENTS} clients each, an address and a prefix apiece`, { skip: noPerfdhcp }, async (t) => {
  const { db, url } = await testDatabase(t);
  await applyConfig(db, { dhcp6: readDhcp6({
    'preferred-lifetime': 3000,
    'valid-lifetime': 4000,
    subnet6: [{
      id: 1,
      subnet: '2001:db8:1::/64',
      relay: { 'ip-addresses': [RELAY] },
      pools: [{ pool: '2001:db8:1::/64' }],
      'pd-pools': [{ prefix: '2001:db8:8000::', 'prefix-len': 40, 'delegated-len': 56 }],
    }],
  }).config });
  const frontends = await startFrontends(2, url, await freeUdpPorts(4), { dhcp6: true });
  t.teardown(() => frontends.stop());
  const ports = await freeUdpPorts(2);

  const results = await Promise.all(frontends.ports6.map((port, k) => runPerfdhcp({
    ns: ROOT_NS, family: 6, server: RELAY, localAddress: RELAY, localPort: ports + k, remotePort: port,
    // Each perfdhcp its own clients: its DUID-LLs are built from -b mac=, whose last bytes count up.
    baseMac: `02:00:00:0${k + 1}:00:00`, rate: RATE, count: CLIENTS, clients: CLIENTS,
    dropTimeSeconds: 2, exitWaitMs: 2000, timeoutMs: 60_000,
  })));
  for (const [k, result] of results.entries()) {
    const report = { perfdhcp: result.output };
    t.ok(result.allCompleted, `front-end ${k}: every exchange completed`, report);
    t.same([result.discoverOffer.received, result.requestAck.received], [CLIENTS, CLIENTS], `front-end ${k}: every SOLICIT and REQUEST answered`, report);
    t.equal(result.requestAck.nonUniqueAddresses, 0, report);
  }

  const [leases] = await db.query<{ addresses: number; prefixes: number; distinct_addresses: number; distinct_prefixes: number; clients: number }>('leases6', `
    select count(*) filter (where type = 'ia_na')::int as addresses, count(*) filter (where type = 'ia_pd')::int as prefixes,
           count(distinct address) filter (where type = 'ia_na')::int as distinct_addresses,
           count(distinct address) filter (where type = 'ia_pd')::int as distinct_prefixes,
           count(distinct duid)::int as clients
      from dhcpg.leases6 where state = 'bound'`);
  const total = 2 * CLIENTS;
  t.same(leases, { addresses: total, prefixes: total, distinct_addresses: total, distinct_prefixes: total, clients: total },
    'every client bound to an address and a prefix of its own');
  let granted = 0;
  for (const k of [0, 1]) {
    granted += metricValue(await (await fetch(`http://127.0.0.1:${frontends.httpPorts[k]}/metrics`)).text(), 'dhcpg_leases_granted_total{family="6"}');
  }
  t.equal(granted, 2 * total, 'every lease a REPLY carried is in leases6');
});
