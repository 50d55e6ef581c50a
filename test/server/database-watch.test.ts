// Readiness follows the database, not the traffic (DESIGN invariant 7): an
// idle front-end goes not-ready within its --db-timeout when its PostgreSQL
// stops, hangs (processes stopped: connections open, nothing answers) or
// turns read-only, and is ready again within about a second of a writable
// database; given a host list, it moves to the next host and counts it.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DHCPDISCOVER } from '../../src/dhcp4/packet.ts';
import { freePort } from '../../src/db/admin.ts';
import { connect } from '../../src/db/pool.ts';
import { startFrontend } from '../../src/server/frontend.ts';
import { clientMessage, openRelay } from '../helpers/dhcp-messages.ts';
import { engineFixture } from '../helpers/engine.ts';
import { forwardDatabase } from '../helpers/tcp-forward.ts';
import { migrateAndApply, ownCluster, RELAYED_LAN, scratchDir } from '../helpers/own-cluster.ts';

const RELAY = '127.0.0.1';
const DB_TIMEOUT = 1000;
/** What a bound allows on top for scheduling on a shared 2-core machine. */
const SLACK = 500;
const BACK_WITHIN = 1500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The postmaster this test started (its server gives the PID) and its
 * children, from /proc: processes this test started, found by PID and never
 * by name.
 */
const clusterProcesses = (postmaster: number): { postmaster: number; children: () => number[] } => {
  const children = () => readdirSync(`/proc/${postmaster}/task`).flatMap((task) =>
    readFileSync(`/proc/${postmaster}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  return { postmaster, children };
};

/** Polls until probe() is true; the milliseconds it took, or undefined after limitMs. */
const timeUntil = async (probe: () => Promise<boolean>, limitMs: number): Promise<number | undefined> => {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    if (await probe()) return Math.round(performance.now() - started);
    await sleep(20);
  }
  return undefined;
};

const connectionErrors = (metrics: string): number =>
  Number(/dhcpg_database_errors_total\{kind="connection"\} (\d+)/.exec(metrics)?.[1] ?? 0);

t.test('an idle front-end follows its database', { timeout: 120_000 }, async (t) => {
  // A cluster of this test's own, since it is stopped on purpose.
  const pg = await ownCluster(t, { dataDir: join(scratchDir(t), 'pgdata'), port: await freePort(), settings: { fsync: 'off' } });
  const { url } = pg.server;
  // Whatever is stopped when the test ends is continued first (teardowns run
  // last registered first), or the cluster could not stop.
  const frozen: number[] = [];
  const thaw = () => {
    for (const pid of frozen.splice(0).reverse()) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // gone
      }
    }
  };
  t.teardown(thaw);
  await migrateAndApply(url, RELAYED_LAN);

  const fe = await startFrontend({ url, port: 0, address: '127.0.0.1', http: { host: '127.0.0.1', port: 0 }, dbTimeout: DB_TIMEOUT });
  t.teardown(() => fe.close());
  const relay = await openRelay();
  t.teardown(() => relay.close());
  const readyz = async () => (await fetch(`http://127.0.0.1:${fe.httpPort}/readyz`)).status;
  const metrics = async () => (await fetch(`http://127.0.0.1:${fe.httpPort}/metrics`)).text();
  const notReady = async () => (await readyz()) === 503;
  const isReady = async () => (await readyz()) === 200;
  const serves = async (n: number) => (await relay.exchange(clientMessage(DHCPDISCOVER, n, { giaddr: RELAY }), fe.udpPorts[0]!, 1000)) !== undefined;

  t.equal(await readyz(), 200, 'ready');
  t.ok(await serves(1), 'serving');

  await t.test('PostgreSQL stopped, then started', async (t) => {
    await sleep(2 * DB_TIMEOUT); // idle for a while first
    const stopped = pg.server.stop();
    const down = await timeUntil(notReady, DB_TIMEOUT + SLACK);
    await stopped;
    t.ok(down !== undefined, `not ready ${down} ms after the stop began (bound ${DB_TIMEOUT + SLACK} ms)`);
    // Once its backoff is at its cap the front-end probes several times a
    // second: that is what makes it ready again soon after the database is.
    await sleep(DB_TIMEOUT);
    const probesBefore = connectionErrors(await metrics());
    await sleep(1000);
    const probes = connectionErrors(await metrics()) - probesBefore;
    t.ok(probes >= 3, `${probes} failed probes in a second while it is down`);
    t.equal(await readyz(), 503, 'still not ready while it is down');

    await pg.restart();
    const back = await timeUntil(isReady, BACK_WITHIN);
    t.ok(back !== undefined, `ready ${back} ms after PostgreSQL accepted connections again (bound ${BACK_WITHIN} ms)`);
    t.ok(await serves(2), 'serving again');
    t.match(await metrics(), /dhcpg_database_errors_total\{kind="connection"\} [1-9]/, 'counted as connection errors');
  });

  await t.test('PostgreSQL hung: every process stopped, connections left open', async (t) => {
    await sleep(2 * DB_TIMEOUT);
    const { postmaster, children } = clusterProcesses(pg.server.pid!);
    // The postmaster first, so that it forks nothing new meanwhile.
    process.kill(postmaster, 'SIGSTOP');
    frozen.push(postmaster);
    for (const child of children()) {
      try {
        process.kill(child, 'SIGSTOP');
        frozen.push(child);
      } catch {
        // ended between the listing and the signal
      }
    }
    const down = await timeUntil(notReady, DB_TIMEOUT + SLACK);
    t.ok(down !== undefined, `not ready ${down} ms after ${frozen.length} processes were stopped (bound ${DB_TIMEOUT + SLACK} ms)`);
    await sleep(DB_TIMEOUT);
    t.equal(await readyz(), 503, 'still not ready while it hangs');

    thaw();
    const back = await timeUntil(isReady, BACK_WITHIN);
    t.ok(back !== undefined, `ready ${back} ms after the processes were continued (bound ${BACK_WITHIN} ms)`);
    t.ok(await serves(3), 'serving again');
    t.match(await metrics(), /dhcpg_database_errors_total\{kind="timeout"\} [1-9]/, 'counted as timeouts');
  });

  await t.test('PostgreSQL read-only (default_transaction_read_only), then writable', async (t) => {
    const session = connect(url, { max: 1 });
    t.teardown(() => session.end());
    // This session stays writable whatever the server's default.
    await session.query('rw', 'set default_transaction_read_only = off');
    const setReadOnly = async (on: boolean) => {
      await session.query(on ? 'read-only on' : 'read-only off',
        on ? 'alter system set default_transaction_read_only = on' : 'alter system reset default_transaction_read_only');
      await session.query('reload', 'select pg_reload_conf()');
    };
    await setReadOnly(true);
    t.teardown(() => setReadOnly(false));
    // No connection is lost: only the heartbeat can tell.
    const down = await timeUntil(notReady, DB_TIMEOUT + SLACK);
    t.ok(down !== undefined, `not ready ${down} ms after the server turned read-only (bound ${DB_TIMEOUT + SLACK} ms)`);
    t.match(await metrics(), /dhcpg_database_errors_total\{kind="read-only"\} [1-9]/, 'counted as read-only');

    await setReadOnly(false);
    const back = await timeUntil(isReady, BACK_WITHIN);
    t.ok(back !== undefined, `ready ${back} ms after it took writes again (bound ${BACK_WITHIN} ms)`);
    t.ok(await serves(4), 'serving again');
  });
});

t.test('a host list: the host goes, the front-end moves to the next one and counts the failover', async (t) => {
  const f = await engineFixture(t, RELAYED_LAN);
  // The first host is a forwarder to the test database, so that it can go away.
  const first = await forwardDatabase(f.url, '127.0.0.1');
  t.teardown(() => first.close());
  const real = new URL(f.url);
  const list = f.url.replace(`@${real.host}`, `@${new URL(first.url).host},${real.host}`);
  const fe = await startFrontend({ url: list, port: 0, address: '127.0.0.1', http: { host: '127.0.0.1', port: 0 }, dbTimeout: DB_TIMEOUT });
  t.teardown(() => fe.close());
  const readyz = async () => (await fetch(`http://127.0.0.1:${fe.httpPort}/readyz`)).status;
  const metrics = async () => (await fetch(`http://127.0.0.1:${fe.httpPort}/metrics`)).text();
  t.equal(await readyz(), 200, 'ready on the first host');
  t.match(await metrics(), /dhcpg_database_failovers_total 0\n/);

  await first.close();
  const down = await timeUntil(async () => (await readyz()) === 503, DB_TIMEOUT + SLACK);
  t.ok(down !== undefined, `not ready ${down} ms after the first host went`);
  const back = await timeUntil(async () => (await readyz()) === 200, BACK_WITHIN);
  t.ok(back !== undefined, `ready on the second host ${back} ms later`);
  t.match(await metrics(), /dhcpg_database_failovers_total 1\n/, 'one failover counted');
  const relay = await openRelay();
  t.teardown(() => relay.close());
  t.ok(await relay.exchange(clientMessage(DHCPDISCOVER, 1, { giaddr: RELAY }), fe.udpPorts[0]!), 'serving from the second host');
});
