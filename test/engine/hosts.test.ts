// Host lists (postgres://h1,h2/db): the pool uses the writable host and looks
// again after a failover-like error.
import t from 'tap';
import pg from 'pg';
import { splitHosts } from '../../src/db/hosts.ts';
import { connect } from '../../src/db/pool.ts';
import { CONTRACT } from '../../src/db/schema.ts';
import { testDatabase } from '../helpers/db.ts';

t.test('splitHosts', async (t) => {
  t.same(splitHosts('postgres://u:p@h1:5432,h2:5433/dhcpg?sslmode=disable'),
    ['postgres://u:p@h1:5432/dhcpg?sslmode=disable', 'postgres://u:p@h2:5433/dhcpg?sslmode=disable']);
  t.same(splitHosts('postgresql://h1/db'), ['postgresql://h1/db']);
});

t.test('a down host is skipped; a lost connection makes the pool look again', async (t) => {
  const { url } = await testDatabase(t);
  const real = new URL(url);
  // 127.0.0.1:1 refuses connections: the first host of the list is "down".
  const list = url.replace(`@${real.host}`, `@127.0.0.1:1,${real.host}`);
  const db = connect(list, { max: 2, connectionTimeout: 2000 });
  t.teardown(() => db.end());
  const [row] = await db.query<{ newest: number }>('contracts', 'select * from dhcpg.frontend_contracts()');
  t.equal(row?.newest, CONTRACT);
  t.equal(new URL(db.currentUrl()!).host, real.host);

  // The server ends our connections (as a failover does): one query fails,
  // the next finds the primary again.
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`);
  await admin.end();
  await db.query('v2', 'select 1').catch(() => undefined);
  const [again] = await db.query<{ one: number }>('one', 'select 1 as one');
  t.equal(again?.one, 1);
});

t.test('no writable host: a clear error', async (t) => {
  const db = connect('postgres://x:y@127.0.0.1:1,127.0.0.1:2/db', { connectionTimeout: 1000 });
  t.teardown(() => db.end());
  await t.rejects(db.query('v2', 'select 1'), /no writable PostgreSQL among the hosts \(127\.0\.0\.1:1: .*; 127\.0\.0\.1:2: /);
});
