// npm test: the whole suite against a real PostgreSQL. The server is the one
// in DATABASE_URL when set, else a throw-away embedded one. A template
// database is migrated once; each test file clones its own from it
// (test/helpers/db.ts). Arguments are passed to tap (e.g. a test file).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbedded, type EmbeddedServer } from '../src/db/embedded.ts';
import { migrate } from '../src/db/schema.ts';
import { adminQuery, freePort, withDatabaseName } from '../src/db/admin.ts';

let embedded: EmbeddedServer | undefined;
let scratch: string | undefined;
let adminUrl = process.env.DATABASE_URL;
if (!adminUrl) {
  scratch = mkdtempSync(join(tmpdir(), 'dhcpg-test-'));
  // A throw-away cluster: durability settings off make the suite faster and
  // change no result (nothing here survives a crash on purpose).
  embedded = await startEmbedded({
    dataDir: join(scratch, 'pgdata'),
    port: await freePort(),
    settings: { fsync: 'off', full_page_writes: 'off', max_connections: '300' },
  });
  adminUrl = embedded.url;
}

const template = `dhcpg_template_${process.pid}`;
let exitCode = 1;
try {
  await adminQuery(adminUrl, `create database ${template}`);
  await migrate(withDatabaseName(adminUrl, template), 'up');
  const tap = spawn('npx', ['tap', ...process.argv.slice(2)], {
    stdio: 'inherit',
    // Quiet logs unless asked for: one line per lease grant drowns the TAP output.
    env: { LOG_LEVEL: 'warn', ...process.env, DHCPG_TEST_ADMIN_URL: adminUrl, DHCPG_TEST_TEMPLATE: template },
  });
  exitCode = await new Promise<number>((resolve) => tap.on('exit', (code) => resolve(code ?? 1)));
} finally {
  await adminQuery(adminUrl, `drop database if exists ${template} with (force)`).catch(() => {});
  await embedded?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
process.exit(exitCode);
