// Database outage under a running front-end with clients active (DESIGN
// invariant 7): nothing that grants a lease while it is down, not ready,
// reconnects by itself, and every ACK it ever sent is a committed lease.
import t from 'tap';
import { join } from 'node:path';
import { DHCPACK, DHCPDISCOVER, DHCPREQUEST, messageType } from '../../src/dhcp4/packet.ts';
import { freePort } from '../../src/db/admin.ts';
import { connect } from '../../src/db/pool.ts';
import { startFrontend } from '../../src/server/frontend.ts';
import { clientMessage, openRelay } from '../helpers/dhcp-messages.ts';
import { migrateAndApply, ownCluster, RELAYED_LAN, scratchDir } from '../helpers/own-cluster.ts';

const RELAY = '127.0.0.1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('stop and start PostgreSQL under a serving front-end', { timeout: 120_000 }, async (t) => {
  // A cluster of this test's own, since it is stopped on purpose.
  const pg = await ownCluster(t, { dataDir: join(scratchDir(t), 'pgdata'), port: await freePort(), settings: { fsync: 'off' } });
  const { url } = pg.server;
  await migrateAndApply(url, RELAYED_LAN);

  const fe = await startFrontend({ url, port: 0, address: '127.0.0.1', http: { host: '127.0.0.1', port: 0 } });
  t.teardown(() => fe.close());
  const relay = await openRelay();
  t.teardown(() => relay.close());
  const readyz = async () => (await fetch(`http://127.0.0.1:${fe.httpPort}/readyz`)).status;

  // Clients keep doing DORA throughout; every ACK is remembered.
  const acked = new Map<number, string>();
  let running = true;
  let n = 0;
  const clients = (async () => {
    while (running && n < 5000) {
      const id = ++n;
      const offer = await relay.exchange(clientMessage(DHCPDISCOVER, id, { giaddr: RELAY, xid: id * 2 }), fe.udpPorts[0]!, 300);
      if (!offer) continue;
      const ack = await relay.exchange(clientMessage(DHCPREQUEST, id, { giaddr: RELAY, xid: id * 2 + 1, requested: offer.yiaddr, serverId: '127.0.0.1' }), fe.udpPorts[0]!, 300);
      if (ack && messageType(ack) === DHCPACK) acked.set(id, ack.yiaddr);
      await sleep(20);
    }
  })();

  await sleep(500);
  t.equal(await readyz(), 200, 'ready while the database runs');
  const before = acked.size;
  t.ok(before > 0, `${before} leases granted before the outage`);

  await pg.server.stop();
  await sleep(1500);
  t.equal(await readyz(), 503, 'not ready while the database is down');
  const during = acked.size;
  await sleep(1000);
  t.equal(acked.size, during, 'no lease granted while the database is down');

  await pg.restart();
  const deadline = Date.now() + 15_000;
  while ((await readyz()) !== 200 && Date.now() < deadline) await sleep(200);
  t.equal(await readyz(), 200, 'ready again by itself');
  const resumedFrom = acked.size;
  await sleep(1500);
  running = false;
  await clients;
  t.ok(acked.size > resumedFrom, `serving again: ${acked.size - resumedFrom} more leases`);

  const metrics = await (await fetch(`http://127.0.0.1:${fe.httpPort}/metrics`)).text();
  t.match(metrics, /dhcpg_drops_total\{family="4",reason="(database-error|not-ready)"\} [1-9]/, 'drops counted during the outage');

  // Every ACK on the wire is a bound lease in the database, to that client.
  const check = connect(url, { max: 1 });
  const rows = await check.query<{ address: string; hwaddr: string }>('l', `select host(address) as address, hwaddr from dhcpg.leases4 where state = 'bound'`);
  await check.end();
  const bound = new Map(rows.map((r) => [r.address, r.hwaddr]));
  const missing = [...acked.entries()].filter(([id, address]) =>
    bound.get(address) !== `02:00:00:00:${((id >> 8) & 0xff).toString(16).padStart(2, '0')}:${(id & 0xff).toString(16).padStart(2, '0')}`);
  t.same(missing, [], `all ${acked.size} ACKed leases are committed`);
});
