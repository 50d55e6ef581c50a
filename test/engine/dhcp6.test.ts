// The DHCPv6 lease engine (sql/handle6.sql, sql/claim6.sql) on real
// PostgreSQL: addresses and prefixes, in DESIGN's order (current, reserved,
// hinted, new), their lifecycle, and pools far too large to enumerate.
import t from 'tap';
import { engine6Fixture, from, leaseOf, LINK, relayedLan, T, type Answer6 } from '../helpers/engine6.ts';

const NA = { kind: 'na' as const, iaid: 1 };
const PD = { kind: 'pd' as const, iaid: 2 };

t.test('SOLICIT advertises an address and a prefix; REQUEST binds them; RENEW extends them', async (t) => {
  const f = await engine6Fixture(t, relayedLan());
  const [advertise] = await f.handle([from(1, 'solicit', [NA, PD])]);
  t.match(advertise, { action: 'advertise', subnet_id: 1, ias: [
    { kind: 'na', iaid: 1, t1: 1500, t2: 2400, status: null, leases: [{ prefix: '2001:db8:1::100/128', preferred: 3000, valid: 4000 }] },
    { kind: 'pd', iaid: 2, status: null, leases: [{ prefix: '2001:db8:8000::/56' }] },
  ] });
  const [reply] = await f.handle([from(1, 'request', [
    { ...NA, hints: ['2001:db8:1::100'] }, { ...PD, hints: ['2001:db8:8000::/56'] },
  ])], T(5));
  t.equal(reply!.action, 'reply');
  t.same(reply!.ias.map((ia) => leaseOf({ ...reply!, ias: [ia] })), ['2001:db8:1::100/128', '2001:db8:8000::/56'], 'the advertised ones');
  const rows = await f.db.query('leases6', `select host(address) as address, prefix_length, type, duid, iaid, state from dhcpg.leases6 order by type`);
  t.same(rows, [
    { address: '2001:db8:1::100', prefix_length: 128, type: 'ia_na', duid: '00030001020000000001', iaid: 1, state: 'bound' },
    { address: '2001:db8:8000::', prefix_length: 56, type: 'ia_pd', duid: '00030001020000000001', iaid: 2, state: 'bound' },
  ]);
  const [renewed] = await f.handle([from(1, 'renew', [NA, PD])], T(2000));
  t.same(renewed!.ias.map((ia) => ia.leases[0]?.prefix), ['2001:db8:1::100/128', '2001:db8:8000::/56'], 'renewed in place');
  const [expiry] = await f.db.query<{ expires_at: Date }>('expiry', `select expires_at from dhcpg.lease6 where kind = 'na'`);
  t.equal(expiry!.expires_at.getTime(), T(2000 + 4000).getTime(), 'valid lifetime counted from the renewal');
});

t.test('several IA_NA and IA_PD in one message, each its own lease', async (t) => {
  const f = await engine6Fixture(t, relayedLan());
  const [reply] = await f.handle([from(1, 'request', [NA, { kind: 'na', iaid: 7 }, PD, { kind: 'pd', iaid: 8 }])]);
  const leases = reply!.ias.map((ia) => ia.leases[0]?.prefix);
  t.equal(new Set(leases).size, 4, `four distinct leases: ${leases.join(', ')}`);
});

t.test('a returning DUID+IAID gets its previous lease while free; a free hint in the pool is honoured', async (t) => {
  const f = await engine6Fixture(t, relayedLan());
  const first = leaseOf((await f.handle([from(1, 'request', [NA])]))[0]);
  await f.handle([from(1, 'release', [NA])], T(10));
  // Another client comes meanwhile: it gets a never-used address, not the released one.
  t.not(leaseOf((await f.handle([from(2, 'request', [NA])], T(20)))[0]), first);
  t.equal(leaseOf((await f.handle([from(1, 'solicit', [NA])], T(30)))[0]), first, 'back on its address');

  t.equal(leaseOf((await f.handle([from(3, 'request', [{ ...NA, hints: ['2001:db8:1::1f0'] }])]))[0]), '2001:db8:1::1f0/128', 'hint honoured');
  t.not(leaseOf((await f.handle([from(4, 'request', [{ ...NA, hints: ['2001:db8:1::1f0'] }])]))[0]), '2001:db8:1::1f0/128', 'not when taken');
  t.not(leaseOf((await f.handle([from(5, 'request', [{ ...NA, hints: ['2001:db8:2::5'] }])]))[0]), '2001:db8:2::5/128', 'not outside the pool');
  t.equal(leaseOf((await f.handle([from(6, 'request', [{ ...PD, hints: ['2001:db8:8000:ff00::/56'] }])]))[0]), '2001:db8:8000:ff00::/56', 'prefix hint honoured');
  t.not(leaseOf((await f.handle([from(7, 'request', [{ ...PD, hints: ['2001:db8:8000:ff01::/64'] }])]))[0]), '2001:db8:8000:ff01::/64', 'not of another length');
});

t.test('reservations by DUID and by hardware address are kept for their owner alone', async (t) => {
  const f = await engine6Fixture(t, relayedLan({
    pools: [{ pool: '2001:db8:1::10 - 2001:db8:1::13' }],
    'pd-pools': [{ prefix: '2001:db8:8000::', 'prefix-len': 55, 'delegated-len': 56 }],
    reservations: [
      { duid: '00:03:00:01:02:00:00:00:00:63', 'ip-addresses': ['2001:db8:1::11'], prefixes: ['2001:db8:8000:100::/56'] },
      { 'hw-address': '02:00:00:00:00:62', 'ip-addresses': ['2001:db8:1::12'] },
    ],
  }));
  const others = await f.handle([1, 2, 3, 4].map((n) => from(n, 'request', [NA, PD])));
  // One batch: which of its clients get the two free addresses is not an
  // order of arrival, only that nothing reserved is given to them.
  const given = others.flatMap((a) => a.ias.map((ia) => ia.leases[0]?.prefix ?? ia.status)).sort();
  t.same(given, ['2001:db8:1::10/128', '2001:db8:1::13/128', '2001:db8:8000::/56', 'NoAddrsAvail', 'NoAddrsAvail',
    'NoPrefixAvail', 'NoPrefixAvail', 'NoPrefixAvail'], 'four clients share what is not reserved; the pool is then exhausted');
  const [owner] = await f.handle([from(99, 'request', [NA, PD])]);
  t.same(owner!.ias.map((ia) => ia.leases[0]?.prefix), ['2001:db8:1::11/128', '2001:db8:8000:100::/56'], 'reserved by DUID');
  const [byHw] = await f.handle([from(98, 'request', [NA], { hw_address: '020000000062' })]);
  t.equal(leaseOf(byHw), '2001:db8:1::12/128', 'reserved by hardware address');
});

t.test('DECLINE quarantines the address for the probation time; expired leases come back without a sweeper', async (t) => {
  const f = await engine6Fixture(t, relayedLan({ pools: [{ pool: '2001:db8:1::10 - 2001:db8:1::11' }] }, { 'decline-probation-period': 600 }));
  const a = leaseOf((await f.handle([from(1, 'request', [NA])]))[0])!;
  const b = leaseOf((await f.handle([from(2, 'request', [NA])]))[0])!;
  const [declined] = await f.handle([from(1, 'decline', [{ ...NA, hints: [a.replace('/128', '')] }])], T(10));
  t.same(declined!.ias[0]!.status, null, 'Success');
  t.equal((await f.handle([from(3, 'request', [NA])], T(20)))[0]!.ias[0]!.status, 'NoAddrsAvail', 'declined address held back');
  t.equal(leaseOf((await f.handle([from(3, 'request', [NA])], T(700)))[0]), a, 'after the probation it is given again');
  t.equal(leaseOf((await f.handle([from(4, 'request', [NA])], T(5000)))[0]), b, 'an expired lease is given again');
});

t.test('RELEASE of a lease the client does not hold: NoBinding', async (t) => {
  const f = await engine6Fixture(t, relayedLan());
  t.equal((await f.handle([from(1, 'release', [NA])]))[0]!.ias[0]!.status, 'NoBinding');
});

t.test('a message from no configured link is dropped', async (t) => {
  const f = await engine6Fixture(t, relayedLan());
  t.match((await f.handle([from(1, 'solicit', [NA], { link: '2001:db8:99::1' })]))[0], { action: 'drop', reason: 'no-subnet' });
});

t.test('rapid commit binds at SOLICIT where the subnet allows it', async (t) => {
  const f = await engine6Fixture(t, relayedLan({ 'rapid-commit': true }));
  t.equal((await f.handle([from(1, 'solicit', [NA], { rapid_commit: true })]))[0]!.action, 'reply');
  t.equal((await f.handle([from(2, 'solicit', [NA])]))[0]!.action, 'advertise', 'not unless the client asks');
  const [row] = await f.db.query<{ state: string }>('state', `select state from dhcpg.leases6 where duid = $1`, ['00030001020000000001']);
  t.equal(row!.state, 'bound');
});

t.test('a /64 address pool and a /32 delegated as /56: 2^64 and 2^24 leases, one row each in pool6', async (t) => {
  const f = await engine6Fixture(t, relayedLan({
    pools: [{ pool: '2001:db8:1::/64' }],
    'pd-pools': [{ prefix: '2001:db9::', 'prefix-len': 32, 'delegated-len': 56 }],
  }));
  const stats = await f.db.query('stats', `select kind, total::text, free::text from dhcpg.pool_stats where family = 6 order by kind`);
  t.same(stats, [
    { kind: 'addresses', total: '18446744073709551616', free: '18446744073709551616' },
    { kind: 'prefixes /56', total: '16777216', free: '16777216' },
  ]);
  const answers = await f.handle(Array.from({ length: 50 }, (_, k) => from(k + 1, 'request', [NA, PD])));
  t.equal(new Set(answers.map((a) => leaseOf(a, 1))).size, 50, '50 distinct prefixes');
  t.equal(leaseOf(answers[49], 1), '2001:db9:0:3100::/56', 'the 50th /56 of the /32');
  const [{ rows }] = await f.db.query<{ rows: number }>('rows', 'select count(*)::int as rows from dhcpg.lease6') as [{ rows: number }];
  t.equal(rows, 100, 'a row per lease handed out, nothing more');
  t.equal(LINK, '2001:db8:1::1');
  // The arithmetic behind prefixes: a 128-bit number back to its address, at
  // the edges of its 32-bit words (numeric division rounds 2^64 - 1 up).
  const numbers = ['0', '1', '65535', '4294967296', '18446744073709551615', '18446744073709551616',
    '42540766411282592856903984951653826560', '340282366920938463463374607431768211455'];
  const addresses = await f.db.query<{ a: string }>('inet6', 'select host(dhcpg.inet6_from_number(n::numeric)) as a from unnest($1::text[]) n', [numbers]);
  t.same(addresses.map((row) => row.a), ['::', '::1', '::ffff', '::1:0:0', '::ffff:ffff:ffff:ffff', '0:0:0:1::',
    '2001:db8::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], 'addresses from 128-bit numbers');
});

t.test('subnet selection: the relay\'s Interface-Id, its link-address, a shared network', async (t) => {
  const f = await engine6Fixture(t, {
    subnet6: [{ id: 1, subnet: '2001:db8:1::/64', 'interface-id': 'port-7', pools: [{ pool: '2001:db8:1::100 - 2001:db8:1::1ff' }] }],
    'shared-networks': [{
      name: 'building',
      subnet6: [
        { id: 2, subnet: '2001:db8:2::/64', pools: [{ pool: '2001:db8:2::10 - 2001:db8:2::10' }] },
        { id: 3, subnet: '2001:db8:3::/64', pools: [{ pool: '2001:db8:3::10 - 2001:db8:3::1f' }] },
      ],
    }],
  });
  const byInterfaceId = await f.handle([from(1, 'request', [NA], { link: '2001:db8:9::1', interface_id: Buffer.from('port-7').toString('hex') })]);
  t.match(leaseOf(byInterfaceId[0]), /^2001:db8:1::/, 'Interface-Id first, whatever the link-address');
  const shared = await f.handle([2, 3].map((n) => from(n, 'request', [NA], { link: '2001:db8:2::1' })));
  t.same(shared.map((a) => a.subnet_id), [2, 3], 'the second client from the other subnet of the shared network');
  t.match(leaseOf(shared[1]), /^2001:db8:3::/);
});

t.test('a pool whose never-used space is spent hands out its longest-expired leases, a whole batch in one step', async (t) => {
  const f = await engine6Fixture(t, relayedLan({ pools: [{ pool: '2001:db8:1::10 - 2001:db8:1::1f' }] }));
  const first = await f.handle(Array.from({ length: 16 }, (_, k) => from(k + 1, 'request', [NA])));
  t.equal(new Set(first.map((a) => leaseOf(a))).size, 16, 'the 16 addresses bound');
  // Clients 1 to 8 renew later, so their leases expire last.
  await f.handle(Array.from({ length: 8 }, (_, k) => from(k + 1, 'renew', [NA])), T(100));
  const newcomers = Array.from({ length: 8 }, (_, k) => from(101 + k, 'solicit', [NA]));
  // In one transaction, to read the calls it made of dhcpg.claim6 (one IA at a time).
  const { answers, claims } = await f.db.transaction(async (tx) => {
    await tx.query(`set local track_functions = 'pl'`);
    const rows = await tx.query<{ answer: Answer6 }>('select handle6 as answer from dhcpg.handle6($1::jsonb, $2)', [JSON.stringify(newcomers), T(4050)]);
    const [calls] = await tx.query<{ n: number | null }>(`select pg_stat_get_xact_function_calls('dhcpg.claim6'::regproc)::int as n`);
    return { answers: rows.map((row) => row.answer), claims: calls!.n ?? 0 };
  });
  t.same(answers.map((a) => leaseOf(a)).sort(), first.slice(8).map((a) => leaseOf(a)).sort(),
    'the newcomers get the 8 leases expired at 4000 s, not those renewed to 4100 s');
  t.equal(claims, 0, 'no IA claimed one at a time');
  t.equal(leaseOf((await f.handle([from(200, 'solicit', [NA])], T(4060)))[0]), undefined, 'nothing else has expired yet');
});

t.test('a re-apply without a subnet removes its leases; without a pool, its leases lose their pool', async (t) => {
  const second = { id: 2, subnet: '2001:db8:2::/64', pools: [{ pool: '2001:db8:2::10 - 2001:db8:2::1f' }] };
  const lan = relayedLan();
  const f = await engine6Fixture(t, { ...lan, subnet6: [...lan.subnet6, second] });
  t.ok(leaseOf((await f.handle([from(1, 'request', [NA, PD])]))[0]), 'a lease in subnet 1');
  t.ok(leaseOf((await f.handle([from(2, 'request', [NA], { link: '2001:db8:2::1' })]))[0]), 'and one in subnet 2');
  await f.apply(relayedLan({ pools: [{ pool: '2001:db8:1::300 - 2001:db8:1::3ff' }] }));
  const rows = await f.db.query('rows', `select subnet_id, kind, pool_id is not null as pooled from dhcpg.lease6 order by kind`);
  t.same(rows, [{ subnet_id: 1, kind: 'na', pooled: false }, { subnet_id: 1, kind: 'pd', pooled: true }],
    "subnet 2's lease is gone; the address of the removed pool is kept without its pool, the prefix with its own");
});
