// A front-end SIGKILLed under DORA load: the others go on serving, and every
// lease a client saw ACKed (through any of them, the dead one included) is
// in leases4, no address ACKed to two clients.
import t from 'tap';
import { withDatabaseName } from '../../src/db/admin.ts';
import { doraLoad, faultLab, judge, sleep } from '../helpers/faults.ts';

t.test('SIGKILL of a front-end under load', { timeout: 120_000 }, async (t) => {
  const { pg, frontends } = await faultLab(t, 3);
  // As a relay would, clients turn to the front-ends still there once one is gone.
  const targets = [...frontends.ports];
  const load = await doraLoad(targets, 900);
  t.teardown(() => load.stop());

  await sleep(4000);
  process.kill(frontends.pids[0]!, 'SIGKILL');
  const killedAt = load.acked.size;
  targets.shift();
  await sleep(4000);
  await load.stop();

  const verdict = await judge(withDatabaseName(pg.server.url, 'dhcpg'), load.acked);
  t.comment(`${load.started()} exchanges begun, ${load.acked.size} ACKed (${killedAt} before the kill), `
    + `${load.started() - load.acked.size} lost`);
  t.ok(load.acked.size - killedAt > 200, 'the other front-ends went on serving');
  t.same(verdict.lost, [], 'every ACKed lease is in leases4');
  t.same(verdict.duplicates, [], 'no address ACKed to two clients');
});
