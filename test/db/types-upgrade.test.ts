// `dhcpg migrate up` onto a database whose composite types are a subset of
// this release's (the release before added none of the DHCPv6 engine's
// ia6 and ia6_outcome): the new types are created and the installed ones
// keep their identity. Dropped and created again, a running front-end's call
// planned with the old ones fails ("cache lookup failed for type"): one
// 0.1.0 front-end counted a database error and lost 8 exchanges so during
// test/upgrade/rolling.test.ts.
import t from 'tap';
import { migrate } from '../../src/db/schema.ts';
import { testDatabase } from '../helpers/db.ts';

t.test('types sql/ adds are created without dropping the installed ones', async (t) => {
  const { db, url } = await testDatabase(t);
  const types = () => db.query<{ name: string; oid: number }>('types', `
    select t.typname as name, t.oid::int as oid
      from pg_type t join pg_class c on c.oid = t.typrelid and c.relkind = 'c'
      where t.typnamespace = 'dhcpg'::regnamespace order by t.typname`);
  // As the release before left it: without the DHCPv6 engine's types (and the functions taking them).
  await db.query('drop-new-types', 'drop type dhcpg.ia6, dhcpg.ia6_outcome cascade');
  const before = await types();
  t.ok(before.length > 0, `installed: ${before.map((type) => type.name).join(', ')}`);

  await migrate(url, 'up');
  const after = await types();
  t.same(after.filter((type) => before.some((old) => old.name === type.name)), before, 'the installed types keep their identity');
  t.same(after.map((type) => type.name).filter((name) => !before.some((old) => old.name === name)), ['ia6', 'ia6_outcome'], 'the new ones are created');
  await t.resolves(db.query('handle6', `select dhcpg.handle6('[]'::jsonb)`), 'and the DHCPv6 engine, which uses them, answers');
});
