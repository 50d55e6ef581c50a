// The schema a release installs is pinned by a committed snapshot, and a
// database of the first release upgrades to exactly what a fresh database
// gets, keeping its data.
import t from 'tap';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { adminQuery, withDatabaseName } from '../../src/db/admin.ts';
import { knownMigrations, migrate } from '../../src/db/schema.ts';
import { testDatabase } from '../helpers/db.ts';
import { checkoutRelease } from '../helpers/releases.ts';
import { dumpSchema } from '../helpers/schema-dump.ts';

const SNAPSHOT = new URL('../fixtures/schema.sql', import.meta.url);
const admin = (sql: string) => adminQuery(process.env.DHCPG_TEST_ADMIN_URL!, sql);

t.test('a freshly migrated database matches the committed schema snapshot', async (t) => {
  const { url } = await testDatabase(t);
  const schema = await dumpSchema(url);
  if (process.env.DHCPG_UPDATE_SNAPSHOT === '1') writeFileSync(SNAPSHOT, schema);
  t.equal(schema, readFileSync(SNAPSHOT, 'utf8'),
    'the schema changed: if on purpose, run DHCPG_UPDATE_SNAPSHOT=1 npm test -- test/db/schema-upgrade.test.ts and commit test/fixtures/schema.sql');
});

t.test('a database of dhcpg 0.1.0 migrates to the schema of a fresh one, data kept', async (t) => {
  const release = checkoutRelease(t, '0.1.0');
  const name = `dhcpg_010_${process.pid}`;
  await admin(`create database ${name}`);
  t.teardown(() => admin(`drop database if exists ${name} with (force)`));
  const url = withDatabaseName(process.env.DHCPG_TEST_ADMIN_URL!, name);
  const old = (...args: string[]) => promisify(execFile)(process.execPath, [release.cli, ...args], {
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' },
  });
  await old('migrate', 'up');
  const config = new URL('../../example.json', import.meta.url).pathname;
  await old('config', 'apply', config);
  const before = await adminQuery<{ duid: string; subnets: number; leases: number }>(url,
    `select encode(duid, 'hex') as duid, (select count(*) from dhcpg.subnet4)::int as subnets,
            (select count(*) from dhcpg.lease4)::int as leases from dhcpg.server`);
  t.ok(before[0]!.subnets > 0 && before[0]!.leases > 0, 'the release applied its configuration');

  const report = await migrate(url, 'up');
  t.same(report.migrations, knownMigrations().slice(4), 'only what 0.1.0 did not have (it had 001-004)');
  const { url: fresh } = await testDatabase(t);
  t.equal(await dumpSchema(url), await dumpSchema(fresh), 'the upgraded schema is the fresh one');
  t.same(await adminQuery(url,
    `select encode(duid, 'hex') as duid, (select count(*) from dhcpg.subnet4)::int as subnets,
            (select count(*) from dhcpg.lease4)::int as leases from dhcpg.server`), before, 'server identity and leases kept');
});
