// The front-ends' database connections cut under DORA load
// (pg_terminate_backend, as an operator or a pooler restart would): they
// reconnect by themselves, every lease a client saw ACKed is in leases4, no
// address ACKed to two clients.
import t from 'tap';
import { adminQuery, withDatabaseName } from '../../src/db/admin.ts';
import { doraLoad, faultLab, firstAckAfter, judge, sleep } from '../helpers/faults.ts';

t.test('connections cut under load', { timeout: 120_000 }, async (t) => {
  const { pg, frontends } = await faultLab(t, 2);
  const load = await doraLoad(frontends.ports, 800);
  t.teardown(() => load.stop());

  const resumed: (number | undefined)[] = [];
  let terminated = 0;
  for (let round = 0; round < 3; round++) {
    await sleep(2500);
    const rows = await adminQuery<{ done: boolean }>(pg.server.url,
      `select pg_terminate_backend(pid) as done from pg_stat_activity where application_name like 'dhcpg-frontend%'`);
    terminated += rows.filter((row) => row.done).length;
    const cut = performance.now();
    await sleep(2000);
    resumed.push(firstAckAfter(load, cut));
  }
  await load.stop();

  const verdict = await judge(withDatabaseName(pg.server.url, 'dhcpg'), load.acked);
  t.comment(`${terminated} connections cut in 3 rounds; ${load.started()} exchanges begun, ${load.acked.size} ACKed, `
    + `${load.started() - load.acked.size} lost; first ACK after each cut: ${resumed.map((s) => s?.toFixed(2)).join(', ')} s`);
  t.ok(terminated >= 6, 'every front-end lost its connections each time');
  t.ok(resumed.every((s) => s !== undefined && s < 2), 'serving again by themselves after each cut');
  t.same(verdict.lost, [], 'every ACKed lease is in leases4');
  t.same(verdict.duplicates, [], 'no address ACKed to two clients');
});
