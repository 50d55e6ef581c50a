// PostgreSQL hangs under DORA load without closing a connection (every one of
// its processes SIGSTOPped, as a stalled disk or a frozen VM would leave it)
// for longer than the front-ends' timeouts, then goes on (SIGCONT): the
// front-ends report not-ready while it hangs, grant nothing, and serve again
// by themselves; every lease a client saw ACKed is in leases4, none twice.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { withDatabaseName } from '../../src/db/admin.ts';
import { doraLoad, faultLab, firstAckAfter, judge, sleep } from '../helpers/faults.ts';

/** A process and all its descendants, by PID, from /proc. */
const family = (pid: number): number[] => {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // gone
  }
  return [pid, ...children.flatMap(family)];
};

t.test('a hung PostgreSQL under load', { timeout: 120_000 }, async (t) => {
  const { pg, frontends, http } = await faultLab(t, 2);
  const readyz = (k: number) => http(k, '/readyz').then((r) => r.status);
  const load = await doraLoad(frontends.ports, 800);
  t.teardown(() => load.stop());

  await sleep(3000);
  const stopped = family(pg.server.pid!);
  const resume = () => stopped.forEach((pid) => {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // a backend that has ended since
    }
  });
  t.teardown(resume);
  stopped.forEach((pid) => process.kill(pid, 'SIGSTOP'));
  const hungAt = performance.now();
  // The front-ends' database timeout is 2 s by default.
  await sleep(4000);
  const duringAcks = load.acked.size;
  t.same([await readyz(0), await readyz(1)], [503, 503], 'not ready while the database hangs');
  await sleep(2000);
  t.equal(load.acked.size, duringAcks, 'nothing granted while it hangs');
  resume();
  const resumedAt = performance.now();
  await sleep(4000);
  await load.stop();
  t.same([await readyz(0), await readyz(1)], [200, 200], 'ready again');

  const verdict = await judge(withDatabaseName(pg.server.url, 'dhcpg'), load.acked);
  const resumed = firstAckAfter(load, resumedAt);
  t.comment(`${stopped.length} PostgreSQL processes stopped for ${((resumedAt - hungAt) / 1000).toFixed(1)} s; `
    + `${load.started()} exchanges begun, ${load.acked.size} ACKed, ${load.started() - load.acked.size} lost; `
    + `first ACK ${resumed?.toFixed(2)} s after SIGCONT`);
  t.ok(resumed !== undefined && resumed < 3, 'serving again by themselves');
  t.same(verdict.lost, [], 'every ACKed lease is in leases4');
  t.same(verdict.duplicates, [], 'no address ACKed to two clients');
});
