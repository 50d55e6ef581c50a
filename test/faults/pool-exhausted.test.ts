// A pool of 50 addresses under 400 new clients through two front-ends: 50
// leases and no more, the rest dropped and counted, the front-ends ready
// throughout; once 25 clients release theirs, new clients get exactly those.
import t from 'tap';
import { withDatabaseName } from '../../src/db/admin.ts';
import { connect } from '../../src/db/pool.ts';
import { DHCPRELEASE } from '../../src/dhcp4/packet.ts';
import { encode, clientMessage, openRelay } from '../helpers/dhcp-messages.ts';
import { doraLoad, faultLab, judge, RELAY, sleep } from '../helpers/faults.ts';

t.test('pool exhausted under load, then freed by releases', { timeout: 120_000 }, async (t) => {
  const { pg, frontends, http } = await faultLab(t, 2, '198.18.0.10 - 198.18.0.59');

  const first = await doraLoad(frontends.ports, 400, { clients: 400 });
  t.teardown(() => first.stop());
  await first.finished;
  await first.stop();
  // An ACK lost on a loaded machine leaves its lease bound all the same: the table says how many were given.
  const db = connect(withDatabaseName(pg.server.url, 'dhcpg'), { max: 1 });
  const [bound] = await db.query<{ count: number }>('bound', `select count(*)::int as count from dhcpg.leases4 where state = 'bound'`);
  await db.end();
  t.equal(bound?.count, 50, '50 of 400 clients got a lease: the pool, no more');
  t.ok(first.acked.size <= 50 && first.acked.size >= 45, `${first.acked.size} of them saw their ACK`);
  t.same(await judge(withDatabaseName(pg.server.url, 'dhcpg'), first.acked), { lost: [], duplicates: [] });
  for (const k of [0, 1]) {
    t.equal((await http(k, '/readyz')).status, 200, `front-end ${k} ready with its pool exhausted`);
  }
  const drops = await Promise.all([0, 1].map(async (k) =>
    Number(/dhcpg_drops_total\{family="4",reason="pool-exhausted"\} (\d+)/.exec(await (await http(k, '/metrics')).text())?.[1] ?? 0)));
  t.ok(drops[0]! + drops[1]! >= 340, `DISCOVERs the pool could not answer dropped and counted (${drops.join(' + ')})`);

  const relay = await openRelay(RELAY);
  t.teardown(() => relay.close());
  const released = [...first.acked].slice(0, 25);
  for (const [client, address] of released) {
    await relay.send(encode(clientMessage(DHCPRELEASE, client, { giaddr: RELAY, ciaddr: address, serverId: RELAY })), frontends.ports[client % 2]!);
  }
  await sleep(500);
  const second = await doraLoad(frontends.ports, 400, { clients: 100, firstClient: 1000 });
  t.teardown(() => second.stop());
  await second.finished;
  await second.stop();
  const freed = new Set(released.map(([, address]) => address));
  t.ok(second.acked.size <= 25 && second.acked.size >= 20, `new clients got ${second.acked.size} of the 25 released addresses`);
  t.ok([...second.acked.values()].every((address) => freed.has(address)), 'those and no others');
  const holding = new Map([...first.acked].slice(25).concat([...second.acked]));
  t.same(await judge(withDatabaseName(pg.server.url, 'dhcpg'), holding), { lost: [], duplicates: [] }, 'every holder is bound, none twice');
});
