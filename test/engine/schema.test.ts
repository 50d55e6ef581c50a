// The schema: version check, concurrent installs, and the front-end role's
// narrow rights.
import t from 'tap';
import pg from 'pg';
import { checkSchema, migrate, SchemaMismatch, SCHEMA_VERSION } from '../../src/db/schema.ts';
import { connect } from '../../src/db/pool.ts';
import { testDatabase } from '../helpers/db.ts';
import { adminQuery, withDatabaseName } from '../../src/db/admin.ts';
import { client, RELAYED, smallLan } from '../helpers/engine.ts';
import { applyConfig4 } from '../../src/config/apply.ts';
import { readDhcp4 } from '../../src/config/dhcp4.ts';

const admin = (sql: string) => adminQuery(process.env.DHCPG_TEST_ADMIN_URL!, sql);

t.test('a database with another schema version is refused, naming both', async (t) => {
  const { db } = await testDatabase(t);
  await checkSchema(db);
  await db.query('v', `create or replace function dhcpg.schema_version() returns integer language sql as 'select 99'`);
  await t.rejects(checkSchema(db), new SchemaMismatch(
    `the database holds dhcpg schema version 99, this dhcpg is built for version ${SCHEMA_VERSION}: upgrade this dhcpg`));
});

t.test('an unmigrated database is refused', async (t) => {
  const name = `dhcpg_empty_${process.pid}`;
  await admin(`create database ${name}`);
  const db = connect(withDatabaseName(process.env.DHCPG_TEST_ADMIN_URL!, name));
  t.teardown(async () => {
    await db.end();
    await admin(`drop database ${name} with (force)`);
  });
  await t.rejects(checkSchema(db), /no dhcpg schema: run "dhcpg migrate"/);
});

t.test('20 concurrent migrations of one database all succeed; down stops at 002', async (t) => {
  const name = `dhcpg_migr_${process.pid}`;
  await admin(`create database ${name}`);
  const url = withDatabaseName(process.env.DHCPG_TEST_ADMIN_URL!, name);
  t.teardown(() => admin(`drop database ${name} with (force)`));
  const runs = await Promise.all(Array.from({ length: 20 }, () => migrate(url, 'up')));
  t.equal(runs.filter((ran) => ran.length > 0).length, 1, 'one run applied, the others found nothing to do');
  // 003 and 004 changed nothing a front-end relies on: going down a step
  // leaves the schema version as it was. 002 replaced the per-message
  // functions of 001: there is no way back past it.
  t.same((await migrate(url, 'down')).map((m) => m.name), ['004_decisions_carry_messages']);
  t.same((await migrate(url, 'down')).map((m) => m.name), ['003_single_round_batches']);
  await t.rejects(migrate(url, 'down'), /migration 002_message_batches cannot be undone; nothing was changed/);
  t.same((await migrate(url, 'up')).map((m) => m.name), ['003_single_round_batches', '004_decisions_carry_messages'],
    'only 003 and 004 were undone');
  const [row] = await adminQuery<{ version: number }>(url, 'select dhcpg.schema_version() as version');
  t.equal(row?.version, SCHEMA_VERSION);
});

t.test('the front-end role may call the functions and read nothing else', async (t) => {
  const { db, url } = await testDatabase(t);
  await applyConfig4(db, readDhcp4(smallLan()).config);
  const role = `dhcpg_fe_${process.pid}`;
  await admin(`do $$ begin create role ${role} login password 'fe' in role dhcpg_frontend; exception when duplicate_object then null; end $$`);
  t.teardown(() => admin(`drop role if exists ${role}`));
  const u = new URL(url);
  u.username = role;
  u.password = 'fe';
  const fe = new pg.Client({ connectionString: u.toString() });
  await fe.connect();
  t.teardown(() => fe.end());
  const c = client(1);
  const { rows } = await fe.query(`select * from dhcpg.handle4($1::jsonb)`,
    [JSON.stringify([{ type: 'discover', hw_type: c.hwType, hw_address: `\\x${c.hwAddress.toString('hex')}`, relay: RELAYED.selector, selector: RELAYED.selector }])]);
  t.equal(rows[0].action, 'offer');
  await fe.query(`select dhcpg.frontend_config()`);
  await fe.query(`listen dhcpg_config`);
  await t.rejects(fe.query(`select * from dhcpg.lease4`), /permission denied/);
  await t.rejects(fe.query(`update dhcpg.lease4 set state = 'free'`), /permission denied/);
  await t.rejects(fe.query(`select * from dhcpg.leases4`), /permission denied/);
});

t.test('an operator role with select on the views reads them', async (t) => {
  const { db, url } = await testDatabase(t);
  await applyConfig4(db, readDhcp4(smallLan()).config);
  const role = `dhcpg_op_${process.pid}`;
  await admin(`do $$ begin create role ${role} login password 'op'; exception when duplicate_object then null; end $$`);
  t.teardown(() => admin(`drop role if exists ${role}`));
  await db.query('grant-usage', `grant usage on schema dhcpg to ${role}`);
  await db.query('grant-select', `grant select on dhcpg.leases4, dhcpg.pool_stats to ${role}`);
  const u = new URL(url);
  u.username = role;
  u.password = 'op';
  const op = new pg.Client({ connectionString: u.toString() });
  await op.connect();
  t.teardown(() => op.end());
  await db.query('bind', `select * from dhcpg.handle4('[{"type": "discover", "hw_type": 1, "hw_address": "\\\\x020000000001", "selector": "192.0.2.1", "relay": "192.0.2.1"}]')`);
  const { rows } = await op.query(`select address, hwaddr, state from dhcpg.leases4`);
  t.same(rows, [{ address: '192.0.2.10', hwaddr: '02:00:00:00:00:01', state: 'offered' }]);
  t.equal((await op.query(`select total from dhcpg.pool_stats`)).rows[0].total, 10);
  await db.query('revoke-select', `revoke select on dhcpg.leases4, dhcpg.pool_stats from ${role}`);
  await db.query('revoke-usage', `revoke usage on schema dhcpg from ${role}`);
});
