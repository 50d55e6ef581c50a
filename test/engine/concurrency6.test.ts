// DESIGN's invariants for DHCPv6 under 16-way concurrency: no address or
// prefix bound to two clients, one lease per client per IA, the same client's
// message through several front-ends at once answered alike, no deadlock and
// no retry (every call answers at once).
import t, { type Test } from 'tap';
import { engine6Fixture, from, leaseOf, relayedLan, type Answer6, type Message6 } from '../helpers/engine6.ts';

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
    const byClient = new Map<string, Set<string>>();
    const batches = name === 'advertised' ? spread(300, (n) => from(n, 'solicit', [NA, PD])) : spread(300, (n) => from(n, 'request', [NA, PD]));
    rounds.forEach((answers, b) => answers.forEach((answer, k) => {
      const client = batches[b]![k]!.duid;
      const got = byClient.get(client) ?? new Set();
      got.add(`${leaseOf(answer, 0)} ${leaseOf(answer, 1)}`);
      byClient.set(client, got);
    }));
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
