// Tries hard to break DESIGN section 2's invariants with real concurrency:
// 16 connections, thousands of mixed operations, clock jumps, a small pool
// run to exhaustion and back, and one client's messages racing each other.
import t from 'tap';
import type { Client4, Reply4 } from '../../src/engine/lease-engine.ts';
import { client, engineFixture, RELAYED, smallLan, T } from '../helpers/engine.ts';
import { seededRandom } from '../helpers/random.ts';

const CONNECTIONS = 16;
const VALID = 3600;

/** Lease rows that break invariant 2, or hold an address without a holder. */
const invariantViolations = async (db: Awaited<ReturnType<typeof engineFixture>>['db'], now: Date) => {
  const [row] = await db.query<{ twice: number; orphan: number }>('inv',
    `select
       (select count(*) from (select 1 from dhcpg.lease4 where client_key is not null
          group by subnet_id, client_key having count(*) > 1) d) as twice,
       (select count(*) from dhcpg.lease4 where state in ('offered', 'bound')
          and expires_at > $1 and client_key is null) as orphan`, [now]);
  return row!;
};

t.test('16 connections of mixed traffic with clock jumps keep every invariant', async (t) => {
  // 40 addresses, 120 clients: the pool runs out and recovers again and again.
  const f = await engineFixture(t, smallLan({ 'valid-lifetime': VALID }, { pools: [{ pool: '192.0.2.10 - 192.0.2.49' }] }), { max: CONNECTIONS });
  const random = seededRandom(2131);
  const clients = Array.from({ length: 120 }, (_, n) => client(n + 1));
  const keyOf = (c: Client4) => c.hwAddress.toString('hex');
  /** Last address each client was ACKed, per the wire. */
  const holding = new Map<string, string>();
  /** What the wire promised: address -> holder and lease end. */
  const promised = new Map<string, { holder: string; until: number }>();
  const busy = new Set<string>();
  const counts: Record<string, number> = {};
  const violations: string[] = [];
  const errors: unknown[] = [];
  let clock = 0;

  const onAck = async (c: Client4, reply: Reply4, now: number) => {
    const key = keyOf(c);
    const address = reply.address!;
    const before = promised.get(address);
    if (before && before.holder !== key && before.until > now) {
      violations.push(`${address} ACKed to ${key} while promised to ${before.holder} until ${before.until}`);
    }
    promised.set(address, { holder: key, until: now + VALID });
    const previous = holding.get(key);
    if (previous && previous !== address && promised.get(previous)?.holder === key) promised.delete(previous);
    holding.set(key, address);
    // Invariant 3: the ACK came back, so the lease is committed: visible to
    // any other connection right now.
    const [row] = await f.db.query<{ state: string; hw: Buffer; expires_at: Date }>('ack-check',
      `select state, hw_address as hw, expires_at from dhcpg.lease4 where address = $1`, [address]);
    if (row?.state !== 'bound' || !row.hw.equals(c.hwAddress) || row.expires_at.getTime() !== T(now + VALID).getTime()) {
      violations.push(`ACK of ${address} to ${key} not committed as such: ${JSON.stringify(row)}`);
    }
  };

  const operate = async (c: Client4, now: number) => {
    const key = keyOf(c);
    const at = { now: T(now) };
    const held = holding.get(key);
    const dice = random();
    let reply: Reply4;
    if (held && dice < 0.3) {
      reply = await f.engine.request(c, { selector: held }, random() < 0.5 ? 'renewing' : 'rebinding', held, at);
    } else if (held && dice < 0.4) {
      reply = await f.engine.request(c, RELAYED, 'init-reboot', held, at);
    } else if (held && dice < 0.53) {
      // The client gives the lease up when it sends the RELEASE or DECLINE:
      // another client's ACK for the address may come back before this
      // reply does (replies of different calls arrive in any order).
      if (promised.get(held)?.holder === key) promised.delete(held);
      holding.delete(key);
      reply = dice < 0.5 ? await f.engine.release(c, held, at) : await f.engine.decline(c, held, at);
    } else {
      const offer = await f.engine.discover(c, RELAYED, { ...at, requested: random() < 0.2 ? `192.0.2.${10 + Math.floor(random() * 40)}` : undefined });
      counts[`offer:${offer.reason}`] = (counts[`offer:${offer.reason}`] ?? 0) + 1;
      if (offer.action !== 'offer') return;
      reply = await f.engine.request(c, RELAYED, 'selecting', offer.address!, at);
    }
    counts[`${reply.action}:${reply.reason}`] = (counts[`${reply.action}:${reply.reason}`] ?? 0) + 1;
    if (reply.action === 'ack') await onAck(c, reply, now);
    if (reply.action === 'nak') holding.delete(key);
  };

  for (let round = 0; round < 30; round++) {
    const now = clock;
    await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
      for (let i = 0; i < 20; i++) {
        // One operation per client at a time here (the racing of one client's
        // messages is the next test); different clients race freely.
        const free = clients.filter((c) => !busy.has(keyOf(c)));
        const c = free[Math.floor(random() * free.length)]!;
        busy.add(keyOf(c));
        try {
          await operate(c, now);
        } catch (error) {
          errors.push(error);
        } finally {
          busy.delete(keyOf(c));
        }
      }
    }));
    const found = await invariantViolations(f.db, T(now));
    if (found.twice > 0 || found.orphan > 0) violations.push(`round ${round}: ${JSON.stringify(found)}`);
    // Mostly small steps; now and then past every lease and probation.
    clock += random() < 0.2 ? VALID + 700 : Math.floor(random() * 900);
  }

  t.same(errors, [], 'no call failed (no unique violation, deadlock or retry)');
  t.same(violations, [], 'no address promised twice, every ACK committed');
  t.comment(JSON.stringify(counts));
  const operations = Object.values(counts).reduce((a, b) => a + b, 0);
  t.ok(operations >= 9000, `${operations} engine calls`);
  t.ok((counts['offer:pool-exhausted'] ?? 0) > 0, 'the pool ran out');
  t.ok((counts['ack:renewing'] ?? 0) + (counts['ack:rebinding'] ?? 0) > 0, 'leases were renewed');
  t.ok((counts['offer:previous'] ?? 0) > 0, 'returning clients got their previous address');
  const [deadlocks] = await f.db.query<{ deadlocks: number }>('d',
    `select deadlocks from pg_stat_database where datname = current_database()`);
  t.equal(deadlocks?.deadlocks, 0, 'no deadlocks');
});

t.test('one client\'s DISCOVER and REQUEST arriving on many connections at once', async (t) => {
  const f = await engineFixture(t, smallLan({}, { pools: [{ pool: '192.0.2.10 - 192.0.2.109' }] }), { max: CONNECTIONS });
  // 40 clients, each sending 8 copies of each message at once (320 in flight).
  const clients = Array.from({ length: 40 }, (_, n) => client(n + 1));
  const offers = await Promise.all(clients.map((c) =>
    Promise.all(Array.from({ length: 8 }, () => f.engine.discover(c, RELAYED, { now: T(0) })))));
  for (const [i, copies] of offers.entries()) {
    t.equal(new Set(copies.map((o) => o.address)).size, 1, `client ${i + 1}: one address for all copies`);
  }
  t.equal(new Set(offers.map((copies) => copies[0]!.address)).size, 40, 'distinct addresses across clients');

  const acks = await Promise.all(clients.map((c, i) =>
    Promise.all(Array.from({ length: 8 }, () => f.engine.request(c, RELAYED, 'selecting', offers[i]![0]!.address!, { now: T(1) })))));
  t.ok(acks.flat().every((a) => a.action === 'ack'), 'every copy ACKed');
  const [rows] = await f.db.query<{ leases: number; clients: number }>('c1',
    `select count(*) as leases, count(distinct client_key) as clients from dhcpg.lease4 where state = 'bound'`);
  t.same(rows, { leases: 40, clients: 40 }, 'one lease per client');

  // Each client asks for a different address on different connections at once:
  // exactly one lease per client remains.
  await Promise.all(clients.map((c, i) => Promise.all([
    f.engine.discover(c, RELAYED, { requested: `192.0.2.${60 + i}`, now: T(5000) }),
    f.engine.request(c, RELAYED, 'init-reboot', offers[i]![0]!.address!, { now: T(5000) }),
    f.engine.request(c, RELAYED, 'selecting', `192.0.2.${60 + i}`, { now: T(5000) }),
    f.engine.discover(c, RELAYED, { now: T(5000) }),
  ])));
  const [after] = await f.db.query<{ twice: number }>('c2',
    `select count(*) as twice from (select 1 from dhcpg.lease4 where client_key is not null group by subnet_id, client_key having count(*) > 1) d`);
  t.equal(after?.twice, 0);
});

t.test('an exhausted pool under a stampede: every address once, the rest dropped, then recovery', async (t) => {
  const f = await engineFixture(t, smallLan({}, { pools: [{ pool: '192.0.2.10 - 192.0.2.59' }] }), { max: CONNECTIONS });
  const stampede = async (from: number, now: Date) =>
    Promise.all(Array.from({ length: 200 }, (_, n) => f.engine.discover(client(from + n), RELAYED, { now })));
  const first = await stampede(1, T(0));
  const offered = first.filter((r) => r.action === 'offer').map((r) => r.address);
  t.equal(offered.length, 50);
  t.equal(new Set(offered).size, 50, 'no address offered twice');
  t.ok(first.filter((r) => r.action === 'drop').every((r) => r.reason === 'pool-exhausted'));
  // Offers lapse after 30 s: another 200 new clients get all 50 again.
  const second = await stampede(1001, T(31));
  t.equal(new Set(second.filter((r) => r.action === 'offer').map((r) => r.address)).size, 50);
});
