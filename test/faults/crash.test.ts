// PostgreSQL crashes under DORA load through two front-ends and is restarted
// 3 s later: no lease a client saw ACKed is missing afterwards, no address
// went to two clients, and the front-ends serve again by themselves.
import t from 'tap';
import { doraLoad, faultLab, firstAckAfter, judge, sleep } from '../helpers/faults.ts';

t.test('crash and restart of PostgreSQL under load', { timeout: 150_000 }, async (t) => {
  const { pg, frontends } = await faultLab(t, 2);
  const load = await doraLoad(frontends.ports, 800);
  t.teardown(() => load.stop());

  await sleep(5000);
  const beforeCrash = load.acked.size;
  t.ok(beforeCrash > 300, `${beforeCrash} leases ACKed before the crash`);
  await pg.server.stop('immediate');
  await sleep(3000);
  const restarted = await pg.restart();
  const writable = performance.now();
  await sleep(6000);
  await load.stop();

  const verdict = await judge(restarted.url.replace(/\/postgres$/, '/dhcpg'), load.acked);
  const resumed = firstAckAfter(load, writable);
  t.comment(`${load.started()} exchanges begun, ${load.acked.size} ACKed, ${load.started() - load.acked.size} lost; `
    + `first ACK ${resumed?.toFixed(2)} s after the restarted PostgreSQL accepted connections`);
  t.same(verdict.lost, [], 'every ACKed lease survived the crash');
  t.same(verdict.duplicates, [], 'no address ACKed to two clients');
  t.ok(resumed !== undefined && resumed < 5, 'serving again by themselves');
});
