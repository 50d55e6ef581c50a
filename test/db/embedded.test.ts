// The embedded PostgreSQL (src/db/embedded.ts): it starts from a directory
// that only its owner can enter, is reachable with its random password
// alone, and a start that fails says why in one line.
import t, { type Test } from 'tap';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { EmbeddedStartFailed, PASSWORD_FILE, embeddedUrl, startEmbedded } from '../../src/db/embedded.ts';
import { adminQuery, freePort } from '../../src/db/admin.ts';

const CLI = fileURLToPath(new URL('../../bin/dhcpg.js', import.meta.url));
const root = process.getuid?.() === 0;

/** A directory that only this user can enter (mkdtemp's 0700), with one more level below it. */
const privateDir = (t: Test): string => {
  const top = mkdtempSync(join(tmpdir(), 'dhcpg-embedded-'));
  t.teardown(() => rmSync(top, { recursive: true, force: true }));
  const below = join(top, 'checkout');
  mkdirSync(below, { mode: 0o700 });
  return below;
};

const refused = async (url: string): Promise<string | undefined> => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.end();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};

t.test('starts in a directory only its owner can enter; only its password lets anyone in', async (t) => {
  const dir = privateDir(t);
  t.equal(statSync(dir).mode & 0o777, 0o700);
  const port = await freePort();
  const server = await startEmbedded({ dataDir: join(dir, '.dhcpg', 'pgdata'), port, settings: { fsync: 'off' } });
  t.teardown(() => server.stop());
  const [row] = await adminQuery<{ ok: number }>(server.url, 'select 1 as ok');
  t.equal(row?.ok, 1, 'dhcpg connects');

  const file = join(dir, '.dhcpg', 'pgdata', PASSWORD_FILE);
  t.equal(statSync(file).mode & 0o777, 0o600, 'the password file is its owner\'s alone');
  const password = new URL(server.url).password;
  t.match(password, /^[0-9a-f]{48}$/, 'a random password');
  t.equal(readFileSync(file, 'utf8'), `127.0.0.1:*:*:postgres:${password}\n`, 'kept in libpq\'s password-file format');
  t.match(await refused(embeddedUrl(port, 'dhcpg')), /password authentication failed/, 'the old fixed password is refused');
  t.match(await refused(`postgres://postgres@127.0.0.1:${port}/postgres`), /password/, 'no password, no entry');
  const [socket] = await adminQuery<{ dirs: string }>(server.url, 'show unix_socket_directories');
  t.same(socket, { unix_socket_directories: '' }, 'no Unix socket to come in by');

  if (root) {
    // Another local user can read neither the password nor anything leading to it.
    const asNobody = (...argv: string[]) => new Promise<number>((resolve) => {
      execFile('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', ...argv], (error) =>
        resolve(error ? Number(error.code ?? 1) : 0));
    });
    t.not(await asNobody('cat', file), 0, 'another user cannot read the password file');
    t.equal(await asNobody('true'), 0, 'while that user can run commands');
  }
});

t.test('a cluster made with the old fixed password gets a random one', async (t) => {
  const dir = privateDir(t);
  const port = await freePort();
  const options = { dataDir: join(dir, 'pgdata'), port, settings: { fsync: 'off' } };
  const first = await startEmbedded(options);
  await adminQuery(first.url, `alter role postgres password 'dhcpg'`);
  await first.stop();
  unlinkSync(join(options.dataDir, PASSWORD_FILE));

  const again = await startEmbedded(options);
  t.teardown(() => again.stop());
  t.not(new URL(again.url).password, 'dhcpg');
  t.equal((await adminQuery<{ ok: number }>(again.url, 'select 1 as ok'))[0]?.ok, 1, 'reachable with the new one');
  t.match(await refused(embeddedUrl(port, 'dhcpg')), /password authentication failed/, 'the old one is refused');
});

t.test('a start that fails is one line saying why and what to do', async (t) => {
  const dir = privateDir(t);
  const port = await freePort();
  const first = await startEmbedded({ dataDir: join(dir, 'a'), port, settings: { fsync: 'off' } });
  t.teardown(() => first.stop());
  // Another cluster on the same port cannot listen.
  const error = await startEmbedded({ dataDir: join(dir, 'b'), port }).then(() => undefined, (e: unknown) => e);
  t.type(error, EmbeddedStartFailed);
  t.match((error as Error).message, /^the embedded PostgreSQL in .*\/b did not start: postgres stopped while starting \(exit code 1\): .*(in use|could not create any TCP\/IP sockets).*set DATABASE_URL/);

  // The same through the command line: one line on stderr, no stack trace.
  const run = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(process.execPath, [CLI, 'stats'], {
      cwd: dir,
      env: { ...process.env, DATABASE_URL: '', PGHOST: '', PGPORT: '', DHCPG_EMBEDDED_PORT: String(port), DHCPG_DATA_DIR: join(dir, 'c'), LOG_LEVEL: 'silent' },
      timeout: 60_000,
    }, (e, _stdout, stderr) => resolve({ code: e ? Number(e.code ?? 1) : 0, stderr }));
  });
  t.equal(run.code, 1);
  t.match(run.stderr, /^dhcpg: the embedded PostgreSQL in .* did not start: .*\n$/);
  t.equal(run.stderr.trim().split('\n').length, 1, 'one line');
});

// The test runner's own cluster was started the same way (test/run.ts); as
// root, its server runs as the postgres user from a directory root alone may enter.
t.test('as root, the server runs as the postgres user', { skip: !root && 'needs root' }, async (t) => {
  const dir = privateDir(t);
  const server = await startEmbedded({ dataDir: join(dir, 'pgdata'), port: await freePort(), settings: { fsync: 'off' } });
  t.teardown(() => server.stop());
  const user = execFileSync('ps', ['-o', 'user=', '-p', String(server.pid)], { encoding: 'utf8' }).trim();
  t.equal(user, 'postgres');
});
