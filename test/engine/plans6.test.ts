// dhcpg.handle6 plans its statements once per connection, generically, with
// the statistics lease6 has at that moment. A DHCPv6 lease table starts empty
// (rows exist only for leases handed out) and can be emptied again, and a
// plan made then believed reading all of it cheap: one such plan scanned
// lease6 whole for every IA, by index without a condition, and a front-end
// lost 25-85% of its exchanges at 1,000 a second while the table grew. So,
// with plans made on an empty, vacuumed table: no statement of a batch may
// read lease6 or reservation6 whole. Checked on the plans themselves, as
// test/engine/plans.test.ts does for DHCPv4.
import t from 'tap';
import { applyConfig } from '../../src/config/apply.ts';
import { readDhcp6 } from '../../src/config/dhcp6.ts';
import { batchRescans, explainingSession } from '../helpers/auto-explain.ts';
import { testDatabase } from '../helpers/db.ts';
import { from, LINK, type Message6 } from '../helpers/engine6.ts';

/**
 * Scans of a table with no condition of their own (an index scan without
 * Index Cond, a bitmap scan without Recheck Cond, a sequential scan): they
 * read every row.
 */
const wholeReads = (plan: string, table: string): string[] => {
  const lines = plan.split('\n');
  const scan = new RegExp(`(Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan)( Backward)?( using \\S+)? on ${table}\\b`);
  return lines.flatMap((line, k) => {
    if (!scan.test(line)) return [];
    // The node's detail lines: indented deeper than it, up to the next node.
    const indent = line.search(/\S/);
    const details: string[] = [];
    for (let j = k + 1; j < lines.length && lines[j]!.search(/\S/) > indent && !lines[j]!.includes('->'); j++) details.push(lines[j]!);
    return details.some((detail) => /(Index|Recheck) Cond:/.test(detail)) ? [] : [line.trim()];
  });
};

t.test('with plans made while lease6 is empty, no statement of a batch reads lease6 or reservation6 whole', async (t) => {
  const { db, url } = await testDatabase(t);
  await applyConfig(db, { dhcp6: readDhcp6({
    'preferred-lifetime': 3000,
    'valid-lifetime': 4000,
    subnet6: [{
      id: 1,
      subnet: '2001:db8:1::/64',
      relay: { 'ip-addresses': [LINK] },
      pools: [{ pool: '2001:db8:1::/64' }],
      'pd-pools': [{ prefix: '2001:db8:8000::', 'prefix-len': 40, 'delegated-len': 56 }],
      // Client 999's DUID (helpers/engine6.ts).
      reservations: [{ duid: '00:03:00:01:02:00:00:00:03:e7', 'ip-addresses': ['2001:db8:1::7'] }],
    }, {
      // 256 addresses: soon spent, then handed out again once expired.
      id: 2,
      subnet: '2001:db8:2::/64',
      pools: [{ pool: '2001:db8:2::/120' }],
    }],
  }).config });
  // Emptied and vacuumed: the statistics of a table known to be empty.
  await db.query('vacuum', 'vacuum analyze dhcpg.lease6, dhcpg.reservation6');

  const explaining = await explainingSession(t, url);
  if (!explaining) return t.plan(0, 'this PostgreSQL has no auto_explain module');
  const { session, plans } = explaining;
  const handle = (messages: Message6[], later = 0) =>
    session.query(`select dhcpg.handle6($1::jsonb, now() + make_interval(secs => $2))`, [JSON.stringify(messages), later]);
  const ias = [{ kind: 'na' as const, iaid: 1 }, { kind: 'pd' as const, iaid: 2 }];

  // Every path: new clients, their REQUESTs and RENEWs (current leases), a
  // hint, a reservation, a client twice in a batch, RELEASE and DECLINE, and
  // expired leases of a spent pool.
  const clients = Array.from({ length: 40 }, (_, k) => k + 1);
  await handle(clients.map((n) => from(n, 'solicit', ias)));
  await handle(clients.map((n) => from(n, 'request', ias)));
  await handle(clients.map((n) => from(n, 'renew', ias)));
  await handle([
    from(100, 'solicit', [{ kind: 'na', iaid: 1, hints: ['2001:db8:1::99'] }]),
    from(999, 'request', ias),
    from(101, 'solicit', ias), from(101, 'request', ias),
    from(1, 'release', ias),
    from(2, 'decline', [{ kind: 'na', iaid: 1 }]),
  ]);
  const onLink2 = { link: '2001:db8:2::1' };
  // The 256 addresses of link 2's pool handed out one at a time and given
  // back at once, as SOLICITs an operator's clients do not take up: the
  // pool's rows are written again and again before it is spent.
  for (let n = 1000; n < 1256; n++) {
    const { rows: [row] } = await session.query<{ handle6: { ias: { leases: { prefix: string }[] }[] } }>(
      `select dhcpg.handle6($1::jsonb, now())`, [JSON.stringify([from(n, 'solicit', [{ kind: 'na', iaid: 1 }], onLink2)])]);
    await db.query('unoffer', `update dhcpg.lease6 set state = 'released', duid = null, iaid = null,
      expires_at = now() - interval '1 second' where prefix = $1::cidr`, [row!.handle6.ias[0]!.leases[0]!.prefix]);
  }
  await handle([300, 301].map((n) => from(n, 'solicit', [{ kind: 'na', iaid: 1 }], onLink2)), 5000);

  const statements = plans.filter((plan) => plan.includes('Query Text'));
  t.ok(statements.some((plan) => plan.includes('with held as')), 'the plans include the current-lease step');
  t.ok(statements.some((plan) => plan.includes('insert into dhcpg.lease6')), 'and the new-lease step');
  t.ok(statements.some((plan) => plan.includes('for update skip locked') && plan.includes('reuse6.now')), 'and the expired-lease step');
  t.same(statements.flatMap((plan) => wholeReads(plan, 'lease6')), [], 'no statement reads lease6 whole');
  // Nor a pool whole: expired rows are taken the longest expired first, in
  // the order of lease6_free. Planned on the empty table, the step once read
  // every row of the pool by its pool id and sorted them, a cost that grows
  // with the pool (a spent 256-address pool: 1.25 times a fresh pool's
  // SOLICIT, against 1.12 with the plan of a filled table).
  const expiredSteps = statements.filter((plan) => /order by l\.expires_at\s/.test(plan) && plan.includes('for update skip locked'));
  t.ok(expiredSteps.length > 0, 'the expired-lease steps were planned');
  for (const plan of expiredSteps) {
    t.match(plan, /Index Scan using lease6_free on lease6/, `${/Query Text: (.*)/.exec(plan)?.[1]?.trim()}: in lease6_free's order`);
  }
  t.same(statements.flatMap((plan) => wholeReads(plan, 'reservation6')), [], 'nor reservation6');
  t.same(statements.flatMap(batchRescans), [], 'no nested loop over an array or a CTE of the batch');
});

t.test('the SQL helpers the engine calls per IA are inlined: one that is not is planned again at every statement calling it', async (t) => {
  const { db } = await testDatabase(t);
  const plan = async (helper: string, sql: string) =>
    (await db.query<{ 'QUERY PLAN': string }>(`explain-${helper}`, `explain (verbose, costs off) ${sql}`)).map((row) => row['QUERY PLAN']).join('\n');
  t.match(await plan('pool6_spent', 'select dhcpg.pool6_spent(p) from dhcpg.pool6 p'), /pg_sequence_last_value/, 'pool6_spent');
  t.match(await plan('lease6_expiry', `select dhcpg.lease6_expiry(s, 'bound', now()) from dhcpg.subnet6 s`), /make_interval/, 'lease6_expiry');
  t.match(await plan('pool6_sequence', 'select dhcpg.pool6_sequence(p.id) from dhcpg.pool6 p'), /format/, 'pool6_sequence');
  t.match(await plan('pool6_lease', 'select dhcpg.pool6_lease(p, 1) from dhcpg.pool6 p'), /inet6_from_number/, 'pool6_lease');
});
