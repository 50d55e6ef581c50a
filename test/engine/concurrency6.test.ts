// DESIGN's invariants for DHCPv6 under 16-way concurrency: no address or
// prefix bound to two clients, one lease per client per IA, the same client's
// message through several front-ends at once answered alike, no deadlock and
// no retry (every call answers at once).
import t, { type Test } from 'tap';
import type { Tx } from '../../src/db/pool.ts';
import { engine6Fixture, from, leaseOf, relayedLan, T, type Answer6, type Message6 } from '../helpers/engine6.ts';

const CALLERS = 16;
const NA = { kind: 'na' as const, iaid: 1 };
const PD = { kind: 'pd' as const, iaid: 2 };

/** Runs the batches on CALLERS connections at once (each caller takes the next batch). */
const concurrently = async (handle: (m: Message6[]) => Promise<Answer6[]>, batches: Message6[][]): Promise<Answer6[][]> => {
  const answers: Answer6[][] = [];
  let next = 0;
  await Promise.all(Array.from({ length: CALLERS }, async () => {
    while (next < batches.length) {
      const k = next++;
      answers[k] = await handle(batches[k]!);
    }
  }));
  return answers;
};

/** Each client's message three times, in three different batches (three front-ends). */
const spread = (clients: number, message: (n: number) => Message6, batchSize = 20): Message6[][] => {
  const copies = [0, 1, 2].flatMap((copy) => Array.from({ length: clients }, (_, k) => message(((k + copy * 7) % clients) + 1)));
  const batches: Message6[][] = [];
  for (let k = 0; k < copies.length; k += batchSize) batches.push(copies.slice(k, k + batchSize));
  return batches;
};

/** Per client, the distinct "address prefix" pairs its messages were answered with, through every front-end. */
const answersByClient = (batches: Message6[][], rounds: Answer6[][]): Map<string, Set<string>> => {
  const byClient = new Map<string, Set<string>>();
  rounds.forEach((answers, b) => answers.forEach((answer, k) => {
    const client = batches[b]![k]!.duid;
    byClient.set(client, (byClient.get(client) ?? new Set()).add(`${leaseOf(answer, 0)} ${leaseOf(answer, 1)}`));
  }));
  return byClient;
};

const invariants = async (t: Test, f: Awaited<ReturnType<typeof engine6Fixture>>) => {
  const [row] = await f.db.query<{ leases: number; prefixes: number; doubled: number }>('invariants', `
    select count(*)::int as leases, count(distinct prefix)::int as prefixes,
           (select count(*)::int from (select 1 from dhcpg.lease6 where state in ('offered', 'bound') and duid is not null
                                       group by subnet_id, duid, iaid, kind having count(*) > 1) d) as doubled
      from dhcpg.lease6 where state = 'bound'`);
  t.equal(row!.doubled, 0, 'one lease per client per IA');
  t.equal(row!.leases, row!.prefixes, 'no address or prefix bound twice');
  return row!;
};

t.test(`${CALLERS} callers, 300 clients each through three front-ends at once: SOLICIT then REQUEST`, async (t) => {
  const f = await engine6Fixture(t, relayedLan({
    pools: [{ pool: '2001:db8:1::/116' }],
    'pd-pools': [{ prefix: '2001:db8:8000::', 'prefix-len': 40, 'delegated-len': 56 }],
  }), { max: CALLERS });
  const advertised = await concurrently(f.handle, spread(300, (n) => from(n, 'solicit', [NA, PD])));
  const bound = await concurrently(f.handle, spread(300, (n) => from(n, 'request', [NA, PD])));
  for (const [name, rounds] of [['advertised', advertised], ['bound', bound]] as const) {
    const batches = name === 'advertised' ? spread(300, (n) => from(n, 'solicit', [NA, PD])) : spread(300, (n) => from(n, 'request', [NA, PD]));
    const byClient = answersByClient(batches, rounds);
    t.equal([...byClient.values()].filter((got) => got.size > 1).length, 0, `${name}: every client answered alike by all three`);
    const leases = [...byClient.values()].map((got) => [...got][0]!);
    t.equal(new Set(leases.flatMap((pair) => pair.split(' '))).size, 600, `${name}: 300 addresses and 300 prefixes, all distinct`);
  }
  const row = await invariants(t, f);
  t.equal(row.leases, 600);
});

t.test(`${CALLERS} callers, 300 new clients for 256 addresses: 256 bound, 44 NoAddrsAvail`, async (t) => {
  const f = await engine6Fixture(t, relayedLan({ pools: [{ pool: '2001:db8:1::/120' }] }), { max: CALLERS });
  const batches = Array.from({ length: 15 }, (_, b) => Array.from({ length: 20 }, (_, k) => from(b * 20 + k + 1, 'request', [NA])));
  const answers = (await concurrently(f.handle, batches)).flat();
  t.equal(answers.filter((a) => a.ias[0]!.status === 'NoAddrsAvail').length, 44);
  t.equal(new Set(answers.map((a) => leaseOf(a)).filter(Boolean)).size, 256);
  await invariants(t, f);
});

t.test(`${CALLERS} callers, 300 newcomers through three front-ends for a spent pool's 256 expired leases`, async (t) => {
  const f = await engine6Fixture(t, relayedLan({
    pools: [{ pool: '2001:db8:1::/120' }],
    'pd-pools': [{ prefix: '2001:db8:8000::', 'prefix-len': 48, 'delegated-len': 56 }],
  }), { max: CALLERS });
  for (let b = 0; b < 256; b += 64) await f.handle(Array.from({ length: 64 }, (_, k) => from(b + k + 1, 'request', [NA, PD])));
  // Past the leases' 4,000 s: every row of both pools expired, nothing left
  // never used. Each batch in its own transaction, to count its calls of the
  // set-based reuse (dhcpg.reuse6) and of the one-IA-at-a-time claim6.
  const calls = { reuse6: 0, claim6: 0 };
  // Counts not yet flushed to the statistics carry over from the
  // connection's earlier transactions: the batch's own are the difference.
  const made = async (tx: Tx) => (await tx.query<{ reuse6: number; claim6: number }>(`
    select coalesce(pg_stat_get_xact_function_calls('dhcpg.reuse6'::regproc), 0)::int as reuse6,
           coalesce(pg_stat_get_xact_function_calls('dhcpg.claim6'::regproc), 0)::int as claim6`))[0]!;
  const handle = (messages: Message6[]) => f.db.transaction(async (tx) => {
    await tx.query(`set local track_functions = 'pl'`);
    const before = await made(tx);
    const rows = await tx.query<{ answer: Answer6 }>('select handle6 as answer from dhcpg.handle6($1::jsonb, $2)',
      [JSON.stringify(messages), T(5000)]);
    const after = await made(tx);
    calls.reuse6 += after.reuse6 - before.reuse6;
    calls.claim6 += after.claim6 - before.claim6;
    return rows.map((row) => row.answer);
  });
  const newcomer = (n: number) => from(1000 + n, 'request', [NA, PD]);
  const batches = spread(300, newcomer);
  const answers = await concurrently(handle, batches);
  const byClient = answersByClient(batches, answers);
  t.equal([...byClient.values()].filter((got) => got.size > 1).length, 0, 'every newcomer answered alike by all three');
  const firsts = [...byClient.values()].map((got) => [...got][0]!.split(' '));
  // The pools are claimed apart: a client may get one IA and not the other.
  t.equal(new Set(firsts.map(([na]) => na).filter((na) => na !== 'undefined')).size, 256, '256 newcomers get an address, all distinct');
  t.equal(new Set(firsts.map(([, pd]) => pd).filter((pd) => pd !== 'undefined')).size, 256, '256 get a prefix, all distinct');
  const ias = answers.flat().flatMap((a) => a.ias);
  const refused = ias.filter((ia) => ia.leases.length === 0);
  t.same(refused.filter((ia) => ia.status !== (ia.kind === 'na' ? 'NoAddrsAvail' : 'NoPrefixAvail')), [], 'the rest told NoAddrsAvail or NoPrefixAvail');
  t.equal(refused.length, 2 * 44 * 3, '44 addresses and 44 prefixes short, through each front-end');
  t.ok(calls.reuse6 > 0, `the expired leases handed out set-based (${calls.reuse6} calls of reuse6)`);
  t.equal(calls.claim6, refused.length, 'claim6, one IA at a time, only for the IAs refused');
  const row = await invariants(t, f);
  t.equal(row.leases, 512, 'the 512 rows bound again, none added');
});
