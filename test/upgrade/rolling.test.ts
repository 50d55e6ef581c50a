// A rolling upgrade under load, as an operator does it: front-ends of dhcpg
// 0.1.0 (its own sources, from git) serve perfdhcp's DORA load; the database
// is migrated to this release while they serve; a front-end of this release
// starts beside them; the old ones are stopped by PID. Nothing may be lost or
// NAKed for it, and every lease perfdhcp saw ACKed must be bound.
import t from 'tap';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freeUdpPorts, startFrontends, type ProcessGroup } from '../../src/bench/frontends.ts';
import { adminQuery, withDatabaseName } from '../../src/db/admin.ts';
import { knownMigrations, migrate, type MigrateReport } from '../../src/db/schema.ts';
import type { PerfdhcpResult } from '../../src/bench/perfdhcp.ts';
import { commandAvailable } from '../helpers/dhcp-clients.ts';
import { metricValue } from '../helpers/dhcpg-netns.ts';
import { ROOT_NS } from '../helpers/netns.ts';
import { scratchDir } from '../helpers/own-cluster.ts';
import { runPerfdhcp } from '../helpers/perfdhcp.ts';
import { checkoutRelease } from '../helpers/releases.ts';

const RELAY = '127.0.0.1';
const RATE = 100;
/** Exchanges of each perfdhcp run: 10 s at RATE for the old front-ends, 8 s for the new one. */
const OLD_EXCHANGES = 1000;
const NEW_EXCHANGES = 800;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const noPerfdhcp = (await commandAvailable('perfdhcp')) ? false : 'perfdhcp (kea-admin) is not installed (see test/helpers/debian-packages.txt)';

/** perfdhcp relaying `count` new clients (MACs from baseMac on) to one front-end's port. */
const load = async (port: number, count: number, baseMac: string): Promise<PerfdhcpResult> =>
  runPerfdhcp({
    ns: ROOT_NS, server: RELAY, localAddress: RELAY, localPort: (await freeUdpPorts(1)), remotePort: port,
    rate: RATE, count, clients: count, baseMac, dropTimeSeconds: 2, exitWaitMs: 2000, timeoutMs: 60_000,
  });

/** The front-ends' NAKs, and every drop or database error they counted ("reason: count"). */
const tally = async (group: ProcessGroup, nakSeries: string): Promise<{ naks: number; trouble: string[] }> => {
  let naks = 0;
  const trouble: string[] = [];
  for (const k of group.ports.keys()) {
    const text = await (await fetch(`http://127.0.0.1:${group.httpPorts[k]}/metrics`)).text();
    naks += metricValue(text, nakSeries);
    trouble.push(...text.split('\n').filter((line) => /^dhcpg_(drops|database_errors)_total\{.* [1-9]/.test(line)));
  }
  return { naks, trouble };
};

t.test('0.1.0 front-ends under perfdhcp load, migrated to this release, replaced one by one', { skip: noPerfdhcp }, async (t) => {
  const release = checkoutRelease(t, '0.1.0');
  const name = `dhcpg_rolling_${process.pid}`;
  await adminQuery(process.env.DHCPG_TEST_ADMIN_URL!, `create database ${name}`);
  t.teardown(() => adminQuery(process.env.DHCPG_TEST_ADMIN_URL!, `drop database if exists ${name} with (force)`));
  const url = withDatabaseName(process.env.DHCPG_TEST_ADMIN_URL!, name);

  // The database as 0.1.0 made it, with 0.1.0's configuration tool.
  const config = join(scratchDir(t), 'dhcpg.json');
  writeFileSync(config, JSON.stringify({ Dhcp4: {
    'valid-lifetime': 3600,
    subnet4: [{ id: 1, subnet: '198.18.0.0/20', relay: { 'ip-addresses': [RELAY] }, pools: [{ pool: '198.18.0.10 - 198.18.15.250' }] }],
  } }));
  const old = (...args: string[]) => promisify(execFile)(process.execPath, [release.cli, ...args], {
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' },
  });
  await old('migrate', 'up');
  await old('config', 'apply', config);

  const olds = await startFrontends(2, url, await freeUdpPorts(4), { cli: release.cli });
  t.teardown(() => olds.stop());
  const oldLoads = Promise.all([
    load(olds.ports[0]!, OLD_EXCHANGES, '02:00:00:01:00:00'),
    load(olds.ports[1]!, OLD_EXCHANGES, '02:00:00:02:00:00'),
  ]);
  let oldLoadsDone = false;
  void oldLoads.finally(() => (oldLoadsDone = true));

  await sleep(3000);
  const migrating = performance.now();
  const report: MigrateReport = await migrate(url, 'up');
  t.comment(`migrate up took ${Math.round(performance.now() - migrating)} ms`);
  t.same(report.migrations, knownMigrations().slice(4), 'migrated while the 0.1.0 front-ends serve (it had 001-004)');
  t.notOk(oldLoadsDone, 'the load was still running');

  const starting = performance.now();
  const news = await startFrontends(1, url, await freeUdpPorts(2));
  t.comment(`new front-end ready in ${Math.round(performance.now() - starting)} ms`);
  t.teardown(() => news.stop());
  const newLoad = load(news.ports[0]!, NEW_EXCHANGES, '02:00:00:03:00:00');

  const [first, second] = await oldLoads;
  // 0.1.0's metrics carry no family label.
  const oldTally = await tally(olds, 'dhcpg_packets_sent_total{type="nak"}');
  await olds.stop();
  const third = await newLoad;
  const newTally = await tally(news, 'dhcpg_packets_sent_total{family="4",type="nak"}');

  for (const [label, result, count] of [['0.1.0 #1', first!, OLD_EXCHANGES], ['0.1.0 #2', second!, OLD_EXCHANGES], ['new', third, NEW_EXCHANGES]] as const) {
    const report = { perfdhcp: result.output };
    t.ok(result.allCompleted, `${label}: perfdhcp completed every exchange`, report);
    t.same([result.discoverOffer.received, result.requestAck.received], [count, count], `${label}: every DISCOVER and REQUEST answered`, report);
  }
  t.same([oldTally.naks, newTally.naks], [0, 0], 'no NAK from any front-end');
  t.same([...oldTally.trouble, ...newTally.trouble], [], 'no drop or database error counted by any front-end');

  const [leases] = await adminQuery<{ bound: number; clients: number; addresses: number; old: number; new: number }>(url, `
    select count(*)::int as bound, count(distinct hwaddr)::int as clients, count(distinct address)::int as addresses,
           count(*) filter (where hwaddr like '02:00:00:0_:%' and hwaddr not like '02:00:00:03:%')::int as old,
           count(*) filter (where hwaddr like '02:00:00:03:%')::int as new
    from dhcpg.leases4 where state = 'bound'`);
  t.same(leases, {
    bound: 2 * OLD_EXCHANGES + NEW_EXCHANGES, clients: 2 * OLD_EXCHANGES + NEW_EXCHANGES,
    addresses: 2 * OLD_EXCHANGES + NEW_EXCHANGES, old: 2 * OLD_EXCHANGES, new: NEW_EXCHANGES,
  }, 'every ACKed client bound, each on an address of its own');
  const registered = await adminQuery<{ release: string }>(url, 'select release from dhcpg.frontends where alive');
  t.same(registered.length, 1, 'the new front-end is registered (0.1.0 front-ends predate the registry)');
});
