// The schema: the contract check, concurrent installs, and the front-end
// role's narrow rights.
import t from 'tap';
import pg from 'pg';
import { checkSchema, CONTRACT, knownMigrations, migrate, RELEASE, SchemaMismatch } from '../../src/db/schema.ts';
import { connect } from '../../src/db/pool.ts';
import { testDatabase } from '../helpers/db.ts';
import { adminQuery, withDatabaseName } from '../../src/db/admin.ts';
import { client, RELAYED, smallLan } from '../helpers/engine.ts';
import { applyConfig4 } from '../../src/config/apply.ts';
import { readDhcp4 } from '../../src/config/dhcp4.ts';

const admin = (sql: string) => adminQuery(process.env.DHCPG_TEST_ADMIN_URL!, sql);

t.test('a database serving other front-end contracts is refused, naming both and what to do', async (t) => {
  const { db } = await testDatabase(t);
  await checkSchema(db);
  await db.query('later', `update dhcpg.server set frontend_contracts = int4range($1, $2, '[]')`, [CONTRACT + 1, CONTRACT + 2]);
  await t.rejects(checkSchema(db), new SchemaMismatch(
    `the database serves front-end contracts ${CONTRACT + 1}-${CONTRACT + 2}, dhcpg ${RELEASE} speaks contract ${CONTRACT}: upgrade this dhcpg`));
  await db.query('earlier', `update dhcpg.server set frontend_contracts = int4range($1, $1, '[]')`, [CONTRACT - 1]);
  await t.rejects(checkSchema(db), new SchemaMismatch(
    `the database serves front-end contracts ${CONTRACT - 1}, dhcpg ${RELEASE} speaks contract ${CONTRACT}: run this release's "dhcpg migrate"`));
  // A database of dhcpg 0.1.0 has no such function.
  await db.query('0.1.0', 'drop function dhcpg.frontend_contracts()');
  await t.rejects(checkSchema(db), new SchemaMismatch('the database holds the schema of an earlier dhcpg: run "dhcpg migrate"'));
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

t.test('20 concurrent migrations of one database all succeed; down and up again', async (t) => {
  const name = `dhcpg_migr_${process.pid}`;
  await admin(`create database ${name}`);
  const url = withDatabaseName(process.env.DHCPG_TEST_ADMIN_URL!, name);
  t.teardown(() => admin(`drop database ${name} with (force)`));
  const runs = await Promise.all(Array.from({ length: 20 }, () => migrate(url, 'up')));
  t.equal(runs.filter((run) => run.migrations.length > 0).length, 1, 'one run applied the migrations, the others found none pending');
  t.ok(runs.every((run) => run.installed?.release === RELEASE), 'and every run installed sql/');
  // The last two migrations, one at a time down, then both up again.
  const [beforeLast, last] = knownMigrations().slice(-2);
  t.same((await migrate(url, 'down')).migrations, [last]);
  t.same((await migrate(url, 'down')).migrations, [beforeLast]);
  t.same((await migrate(url, 'up')).migrations, [beforeLast, last]);
  const [row] = await adminQuery<{ oldest: number; newest: number }>(url, 'select * from dhcpg.frontend_contracts()');
  t.same(row, { oldest: 2, newest: CONTRACT });
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
  await fe.query(`select * from dhcpg.register_frontend(gen_random_uuid(), 'fe', 1, '0.2.0', 3)`);
  await fe.query(`listen dhcpg_config`);
  await t.rejects(fe.query(`select * from dhcpg.lease4`), /permission denied/);
  await t.rejects(fe.query(`update dhcpg.lease4 set state = 'free'`), /permission denied/);
  await t.rejects(fe.query(`select * from dhcpg.leases4`), /permission denied/);
  await t.rejects(fe.query(`select * from dhcpg.frontend`), /permission denied/);
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
  t.equal((await op.query(`select total from dhcpg.pool_stats`)).rows[0].total, '10', 'numeric: a DHCPv6 pool may hold 2^64');
  await db.query('revoke-select', `revoke select on dhcpg.leases4, dhcpg.pool_stats from ${role}`);
  await db.query('revoke-usage', `revoke usage on schema dhcpg from ${role}`);
});

t.test('migrate up installs sql/ in place: same functions and types kept, changed ones replaced, left-overs dropped', async (t) => {
  const { url } = await testDatabase(t);
  const oids = async () => (await adminQuery<{ handle4: number; reply4: number }>(url,
    `select 'dhcpg.handle4(jsonb, timestamptz)'::regprocedure::oid::int as handle4, 'dhcpg.reply4'::regtype::oid::int as reply4`))[0]!;
  const before = await oids();
  await migrate(url, 'up');
  t.same(await oids(), before, 'an unchanged function and type keep their identity (calls in flight go on)');

  // What an earlier release might have left: a function sql/ no longer has,
  // one whose result type differs, and a type of another shape.
  await adminQuery(url, `
    create function dhcpg.removed_in_this_release() returns int language sql as 'select 1';
    drop view dhcpg.leases4, dhcpg.leases6;
    drop function dhcpg.hw_text(bytea);
    create function dhcpg.hw_text(hw bytea) returns integer language sql as 'select 1';
    alter type dhcpg.reply4 add attribute old_field integer`);
  await migrate(url, 'up');
  const [after] = await adminQuery<{ removed: string | null; hw_text: string; reply4_fields: number }>(url, `
    select to_regproc('dhcpg.removed_in_this_release') as removed,
           pg_get_function_result('dhcpg.hw_text(bytea)'::regprocedure) as hw_text,
           (select count(*)::int from pg_attribute where attrelid = 'dhcpg.reply4'::regclass and attname = 'old_field') as reply4_fields`);
  t.same(after, { removed: null, hw_text: 'text', reply4_fields: 0 });
  t.not((await oids()).reply4, before.reply4, 'the changed type was replaced');
  const { db } = await testDatabase(t);
  await checkSchema(db);
});
