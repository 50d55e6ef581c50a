// Front-ends register themselves, and "migrate" weighs them: a step that
// would leave a live front-end unserved is refused, naming it; forced, the
// front-end stops serving until its contract is served again.
import t from 'tap';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freeUdpPorts, startFrontends } from '../../src/bench/frontends.ts';
import { CONTRACT, migrate, MigrateRefused, RELEASE } from '../../src/db/schema.ts';
import { applyConfig4 } from '../../src/config/apply.ts';
import { readDhcp4 } from '../../src/config/dhcp4.ts';
import { testDatabase } from '../helpers/db.ts';
import { RELAYED_LAN } from '../helpers/own-cluster.ts';

const CLI = fileURLToPath(new URL('../../bin/dhcpg.js', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const until = async (what: string, condition: () => Promise<boolean>, ms: number) => {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
};

t.test('a live front-end is listed, blocks a breaking step until stopped, and is unserved when forced past', async (t) => {
  const { url, db } = await testDatabase(t);
  await applyConfig4(db, readDhcp4(RELAYED_LAN).config);
  const frontends = await startFrontends(1, url, await freeUdpPorts(2));
  t.teardown(() => frontends.stop());
  const [pid] = frontends.pids;
  const ready = async () => (await fetch(`http://127.0.0.1:${frontends.httpPorts[0]}/readyz`)).status === 200;

  const status = await promisify(execFile)(process.execPath, [CLI, 'migrate', 'status'], { env: { ...process.env, DATABASE_URL: url } });
  t.match(status.stdout, new RegExp(`installed: the functions of dhcpg ${RELEASE}, serving front-end contracts 2-${CONTRACT}`));
  t.match(status.stdout, new RegExp(`\\s${pid}\\s+${RELEASE}\\s+${CONTRACT}\\s+yes\\s+yes\\s`), 'the front-end, served and alive');

  // A later release that no longer serves this contract.
  const breaking = { serves: { oldest: CONTRACT + 1, newest: CONTRACT + 1 } };
  const refused = await migrate(url, 'up', breaking).then(() => undefined, (error: unknown) => error);
  t.type(refused, MigrateRefused);
  t.match((refused as Error).message, new RegExp(
    `^refused: this release serves front-end contracts ${CONTRACT + 1}, and these front-ends are alive:\\n.* pid ${pid}: dhcpg ${RELEASE}, contract ${CONTRACT}, last seen \\d+ s ago\\n` +
    'stop or upgrade them first, or run again with --force$'));
  t.ok(await ready(), 'refused, nothing changed: still serving');
  await t.rejects(migrate(url, 'down'), /reverting a migration breaks these front-ends/, 'down is refused too');

  const forced = await migrate(url, 'up', { ...breaking, force: true });
  t.same(forced.forcedPast.map((f) => f.pid), [pid]);
  await until('the forced-past front-end goes not ready', async () => !(await ready()), 8000);
  const [row] = await db.query<{ served: boolean; alive: boolean }>('listed', 'select served, alive from dhcpg.frontends where pid = $1', [pid]);
  t.same(row, { served: false, alive: true }, 'listed as alive and unserved');

  await migrate(url, 'up');
  await until('served again, it is ready again', ready, 3000);

  await frontends.stop();
  t.same(await db.query('gone', 'select * from dhcpg.frontends'), [], 'a stopped front-end leaves the registry');
  t.same((await migrate(url, 'up', breaking)).forcedPast, [], 'with none alive, the breaking step goes through');
  await migrate(url, 'up');
});

t.test('a database migrated by a later release is refused', async (t) => {
  const { url, db } = await testDatabase(t);
  await db.query('later', `insert into public.dhcpg_migrations (name, run_on) values ('900_later_release', now())`);
  await t.rejects(migrate(url, 'up'), new MigrateRefused(
    `refused: the database was migrated by a later dhcpg (it has 900_later_release, which dhcpg ${RELEASE} does not know); run that release's "dhcpg migrate"`));
});
