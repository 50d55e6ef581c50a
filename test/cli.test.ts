// The dhcpg command line, run as an operator would, against a test database.
import t from 'tap';
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testDatabase } from './helpers/db.ts';
import { freePort } from '../src/db/admin.ts';

const CLI = fileURLToPath(new URL('../bin/dhcpg.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/kea-dhcp4.json', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const dhcpg = (url: string, ...args: string[]): Promise<Run> =>
  new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });

t.test('migrate status, config apply / show, leases, stats', async (t) => {
  const { url, db } = await testDatabase(t);
  const status = await dhcpg(url, 'migrate', 'status');
  t.equal(status.code, 0);
  t.match(status.stdout, /applied {2}001_lease_engine/);

  const dry = await dhcpg(url, 'config', 'apply', FIXTURE, '--dry-run');
  t.equal(dry.code, 0, dry.stderr);
  t.match(dry.stdout, /dry run, nothing written: would apply 3 subnets, 3 pools, 3 reservations; 254 addresses added/);
  t.match(dry.stderr, /warning: Dhcp4\.lease-database: ignored/);
  t.equal((await dhcpg(url, 'config', 'show')).stdout.trim(), '{}', 'dry run wrote nothing');

  const applied = await dhcpg(url, 'config', 'apply', FIXTURE);
  t.equal(applied.code, 0, applied.stderr);
  t.match(applied.stdout, /applied \(serial 1\): 3 subnets/);
  const shown = JSON.parse((await dhcpg(url, 'config', 'show')).stdout);
  t.same(shown.Dhcp4.subnet4[0].id, 1);

  await db.query('bind', `select * from dhcpg.handle4('[{"type": "request", "request_kind": "selecting", "hw_type": 1,
    "hw_address": "\\\\x1a1b1c1d1e1f", "selector": "192.0.2.1", "address": "192.0.2.201", "hostname": "printer"}]')`);
  const leases = await dhcpg(url, 'leases', '--json', '--state', 'bound');
  t.match(JSON.parse(leases.stdout.trim()), { address: '192.0.2.201', hwaddr: '1a:1b:1c:1d:1e:1f', state: 'bound', hostname: 'printer' });
  t.match((await dhcpg(url, 'leases', '--mac', '1A-1B-1C-1D-1E-1F')).stdout, /192\.0\.2\.201 +1a:1b:1c:1d:1e:1f .* bound/);
  t.match((await dhcpg(url, 'leases', '--state', 'weird')).stderr, /unknown state "weird"/);

  const stats = JSON.parse((await dhcpg(url, 'stats', '--json')).stdout);
  t.match(stats[0], { subnet_id: 1, pool: '192.0.2.100 - 192.0.2.199', total: 100, free: 99, reserved: 1 });
  t.match((await dhcpg(url, 'stats')).stdout, /subnet-id +subnet +pool +kind +total/);
});

t.test('an invalid file exits 2 naming each problem; a wrong schema exits 3', async (t) => {
  const { url, db } = await testDatabase(t);
  const dir = mkdtempSync(join(tmpdir(), 'dhcpg-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{ "Dhcp4": { "subnet4": [ { "id": 1, "subnet": "192.0.2.0/24", "pool": [] } ], "bogus": true } }');
  const invalid = await dhcpg(url, 'config', 'apply', bad);
  t.equal(invalid.code, 2);
  t.match(invalid.stderr, /Dhcp4\.bogus: not supported/);
  t.match(invalid.stderr, /Dhcp4\.subnet4\[0\]\.pool: not supported/);

  await db.query('later', `update dhcpg.server set frontend_contracts = int4range(99, 99, '[]')`);
  const mismatch = await dhcpg(url, 'stats');
  t.equal(mismatch.code, 3);
  t.match(mismatch.stderr, /the database serves front-end contracts 99, dhcpg \S+ speaks contract \d+: upgrade this dhcpg/);
});

t.test('serve refuses bad numbers before touching the database', async (t) => {
  const { url } = await testDatabase(t);
  for (const [option, value, message] of [
    ['--db-connections', '0', /--db-connections wants a positive integer, not "0"/],
    ['--batch-wait', '-1', /--batch-wait wants milliseconds from 0 to 100, not "-1"/],
    ['--batch-wait', 'soon', /--batch-wait wants milliseconds from 0 to 100, not "soon"/],
    ['--db-timeout', '50', /--db-timeout wants milliseconds from 100 to 60000, not "50"/],
  ] as const) {
    const run = await dhcpg(url, 'serve', '--port', '0', '--address', '127.0.0.1', option, value);
    t.not(run.code, 0, `${option} ${value}`);
    t.match(run.stderr, message);
  }
});

t.test('serve names an interface that is not there, in one line', async (t) => {
  const { url } = await testDatabase(t);
  const run = await dhcpg(url, 'serve', '--port', '0', '--address', '127.0.0.1', '--interface', 'nosuch0');
  t.equal(run.code, 1);
  t.equal(run.stderr.trim().split('\n').filter((line) => !line.startsWith('{')).join('\n'), 'dhcpg: there is no network interface named nosuch0 (or it is down)');
});

t.test('serve that fails to start stops the embedded PostgreSQL it started', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dhcpg-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // No DATABASE_URL nor PG* variables: the embedded server, under dir/.dhcpg.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'DATABASE_URL' && !name.startsWith('PG')));
  const run = await new Promise<Run>((resolve) => {
    execFile(process.execPath, [CLI, 'serve', '--port', '0', '--address', '127.0.0.1', '--interface', 'nosuch0'],
      { cwd: dir, env: { ...env, LOG_LEVEL: 'warn' }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
  t.equal(run.code, 1, run.stderr);
  t.match(run.stderr, /there is no network interface named nosuch0/);
  // PostgreSQL removes postmaster.pid when it shuts down; killed at teardown if not.
  const pidFile = join(dir, '.dhcpg', 'pgdata', 'postmaster.pid');
  let left: number | undefined;
  try {
    left = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  } catch {
    left = undefined;
  }
  if (left && alive(left)) t.teardown(() => process.kill(left, 'SIGINT'));
  t.equal(left, undefined, 'no embedded PostgreSQL left running');
});

/** Processes below pid (children, grandchildren...), from /proc. */
const descendants = (pid: number): number[] => {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      parents.set(Number(entry), Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const below = (parent: number): number[] =>
    [...parents].filter(([, ppid]) => ppid === parent).flatMap(([child]) => [child, ...below(child)]);
  return below(pid);
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

t.test('started by npx, serve stops when npm is stopped (npm does not pass SIGTERM on)', async (t) => {
  const { url } = await testDatabase(t);
  const http = await freePort();
  const npm = spawn('npm', ['exec', '--offline', '--', 'dhcpg', 'serve', '--port', '0', '--address', '127.0.0.1', '--http', `127.0.0.1:${http}`], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  let below: number[] = [];
  t.teardown(() => {
    for (const pid of [npm.pid!, ...below]) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
  const ready = () => fetch(`http://127.0.0.1:${http}/readyz`).then((r) => r.ok, () => false);
  for (let tries = 0; tries < 300 && !(await ready()); tries++) await sleep(100);
  t.ok(await ready(), 'the front-end answers /readyz');
  below = descendants(npm.pid!);
  npm.kill('SIGTERM');
  for (let tries = 0; tries < 100 && below.some(alive); tries++) await sleep(100);
  t.same(below.filter(alive), [], 'no process npm started is left running');
  t.notOk(await ready(), 'nothing answers on its HTTP port');
});

t.test('Dhcp4 and Dhcp6 from one file: applied together, shown together, leases and stats of both', async (t) => {
  const { url, db } = await testDatabase(t);
  const dir = mkdtempSync(join(tmpdir(), 'dhcpg-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'both.json');
  const both = {
    Dhcp4: { subnet4: [{ id: 1, subnet: '192.0.2.0/24', pools: [{ pool: '192.0.2.10 - 192.0.2.19' }] }] },
    Dhcp6: { subnet6: [{ id: 1, subnet: '2001:db8:1::/64', pools: [{ pool: '2001:db8:1::/64' }],
      'pd-pools': [{ prefix: '2001:db8:8000::', 'prefix-len': 48, 'delegated-len': 56 }] }] },
  };
  writeFileSync(file, JSON.stringify(both));
  const applied = await dhcpg(url, 'config', 'apply', file);
  t.equal(applied.code, 0, applied.stderr);
  t.match(applied.stdout, /1 subnets, 1 pools.*; DHCPv6: 1 subnets, 1 pools, 1 pd-pools, 0 reservations/);
  t.same(Object.keys(JSON.parse((await dhcpg(url, 'config', 'show')).stdout)), ['Dhcp4', 'Dhcp6']);
  await db.query('v6', `select * from dhcpg.handle6($1::jsonb)`, [JSON.stringify([{ type: 'request', duid: '00030001020000000001', link: '2001:db8:1::1',
    ias: [{ kind: 'na', iaid: 1 }, { kind: 'pd', iaid: 2 }] }])]);
  const leases = (await dhcpg(url, 'leases', '--json')).stdout.trim().split('\n').map((line) => JSON.parse(line) as { address: string; type: string; duid: string });
  t.match(leases, [{ address: '2001:db8:1::', type: 'ia_na', duid: '00030001020000000001' }, { address: '2001:db8:8000::/56', type: 'ia_pd' }]);
  const stats = JSON.parse((await dhcpg(url, 'stats', '--json')).stdout) as { family: number; kind: string; total: number | string; assigned: number }[];
  t.match(stats, [{ family: 4, total: 10 }, { family: 6, kind: 'addresses', total: '18446744073709551616', assigned: 1 }, { family: 6, kind: 'prefixes /56', total: 256, assigned: 1 }]);
});
