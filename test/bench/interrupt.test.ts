// An interrupted `dhcpg bench` leaves nothing behind: its embedded PostgreSQL
// is stopped and its scratch directories removed, as when it completes.
// Before, SIGTERM stopped the servers it had started and exited at once,
// leaving its PostgreSQL running and its data in the temporary directory.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const CLI = fileURLToPath(new URL('../../bin/dhcpg.js', import.meta.url));

/** Whether a PostgreSQL accepts TCP connections on the port (any answer, even a refused login). */
const listening = async (port: number): Promise<boolean> => {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'nobody', password: 'x', database: 'x', connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ECONNREFUSED';
  }
};

/** PIDs of the postgres processes serving the port, read from their command lines. */
const postgresOnPort = (port: number): number[] =>
  readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return argv[0]!.endsWith('/postgres') && argv[argv.indexOf('-p') + 1] === String(port);
    } catch {
      return false;
    }
  }).map(Number);

/** The bench's directories for Kea's files in the temporary directory. */
const keaDirectories = () => readdirSync(tmpdir()).filter((name) => name.startsWith('dhcpg-bench-kea-')).sort();

t.test('SIGTERM during the run stops its PostgreSQL and removes its data', async (t) => {
  const keaBefore = keaDirectories();
  const out = mkdtempSync(join(tmpdir(), 'dhcpg-bench-out-'));
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info' };
  // Its own embedded PostgreSQL, not the tests' server.
  for (const name of ['DATABASE_URL', 'PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGPASSWORD']) delete env[name];
  const bench = spawn(process.execPath, [CLI, 'bench', '--quick', '--no-kea', '--out', out], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    bench.once('exit', (code, signal) => resolve({ code, signal })));
  let started: { dataDir: string; port: number } | undefined;
  t.teardown(async () => {
    if (bench.exitCode === null && bench.signalCode === null) bench.kill('SIGKILL');
    // What the bench failed to stop, this test stops.
    if (started) for (const pid of postgresOnPort(started.port)) process.kill(pid, 'SIGQUIT');
    rmSync(out, { recursive: true, force: true });
    if (started) rmSync(dirname(started.dataDir), { recursive: true, force: true });
  });

  let output = '';
  const engineStep = new Promise<void>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (!started && line.includes('embedded PostgreSQL started')) {
          const { dataDir, port } = JSON.parse(line) as { dataDir: string; port: number };
          started = { dataDir, port };
        }
        // Past the database's creation: the run holds connections to it.
        if (started && line.includes('] engine: ')) resolve();
      }
    };
    bench.stdout.on('data', read);
    bench.stderr.on('data', read);
    void exited.then(() => reject(new Error(`the bench ended before its engine step:\n${output}`)));
  });
  await engineStep;
  t.ok(await listening(started!.port), 'its PostgreSQL runs');
  t.ok(existsSync(started!.dataDir), 'its data directory exists');

  bench.kill('SIGTERM');
  t.same(await exited, { code: 143, signal: null }, 'exit status 143');
  t.notOk(await listening(started!.port), 'its PostgreSQL is stopped');
  t.same(postgresOnPort(started!.port), [], 'no postgres process of it is left');
  t.notOk(existsSync(dirname(started!.dataDir)), 'its scratch directory is removed');
  t.same(keaDirectories(), keaBefore, 'its directory for Kea\'s files is removed');
});
