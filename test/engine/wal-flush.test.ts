// Group commit (src/engine/wal-flush.ts): a batch that binds, releases or
// declines commits without waiting for the WAL flush, its answers wait for a
// flush begun after it committed, and the engine's connection takes the next
// batch meanwhile.
import t from 'tap';
import { connect, type Db } from '../../src/db/pool.ts';
import { leaseEngine4 } from '../../src/engine/lease-engine.ts';
import { walFlusher, type WalFlusher } from '../../src/engine/wal-flush.ts';
import { leaseEngine6 } from '../../src/engine/lease-engine6.ts';
import { client, engineFixture, RELAYED, smallLan, T } from '../helpers/engine.ts';
import { engine6Fixture, from, relayedLan } from '../helpers/engine6.ts';

const at = { now: T(0) };

/** A flusher whose flushes end when the test says so. */
const heldFlusher = () => {
  const pending: { resolve(): void; reject(error: unknown): void }[] = [];
  const flusher: WalFlusher = { flushed: () => new Promise((resolve, reject) => pending.push({ resolve, reject })) };
  return { flusher, pending };
};

/** Whether a promise has settled, after pending callbacks ran. */
const settled = async (promise: Promise<unknown>): Promise<boolean> => {
  let done = false;
  promise.then(() => (done = true), () => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

t.test('an ACK waits for the flush; the connection serves the next batch meanwhile', async (t) => {
  const f = await engineFixture(t, smallLan());
  const held = heldFlusher();
  const sizes: number[] = [];
  const engine = leaseEngine4(f.db, { concurrency: 1, flusher: held.flusher, onBatch: (size) => sizes.push(size) });

  const offer = await engine.discover(client(1), RELAYED, at);
  t.equal(held.pending.length, 0, 'an offer does not wait for a flush');
  const ack = engine.request(client(1), RELAYED, 'selecting', offer.address!, at);
  while (held.pending.length === 0) await new Promise((resolve) => setImmediate(resolve));
  t.notOk(await settled(ack), 'no answer before the flush');
  const [row] = await f.db.query<{ state: string }>('state', 'select state::text from dhcpg.lease4 where address = $1', [offer.address]);
  t.equal(row!.state, 'bound', 'the binding is committed (without waiting for the flush)');

  const other = await engine.discover(client(2), RELAYED, at);
  t.match(other, { action: 'offer' }, 'the next batch ran while the flush was pending');
  held.pending[0]!.resolve();
  t.match(await ack, { action: 'ack', address: offer.address });
  t.same(sizes, [1, 1, 1]);
});

t.test('a failed flush fails its batch, which is not sent again', async (t) => {
  const f = await engineFixture(t, smallLan());
  const held = heldFlusher();
  const sizes: number[] = [];
  const engine = leaseEngine4(f.db, { concurrency: 1, flusher: held.flusher, onBatch: (size) => sizes.push(size) });
  const clients = [client(1), client(2)];
  const offers = await Promise.all(clients.map((c) => engine.discover(c, RELAYED, at)));
  sizes.length = 0;
  const acks = Promise.allSettled(clients.map((c, k) => engine.request(c, RELAYED, 'selecting', offers[k]!.address!, at)));
  // Every flush asked for fails.
  while (!(await settled(acks))) {
    for (const flush of held.pending.splice(0)) flush.reject(new Error('connection lost'));
  }
  t.match(await acks, [{ status: 'rejected', reason: { message: 'connection lost' } }, { status: 'rejected', reason: { message: 'connection lost' } }]);
  t.equal(sizes.reduce((total, size) => total + size, 0), 2, 'each request went to the database once');
});

t.test('one flush covers every batch that committed before it began', async (t) => {
  const calls: (() => void)[] = [];
  const db = {
    query: () => new Promise<never[]>((resolve) => calls.push(() => resolve([]))),
  } as unknown as Db;
  const flusher = walFlusher(db);
  const first = flusher.flushed();
  t.equal(calls.length, 1, 'a flush begins at once');
  const during = [flusher.flushed(), flusher.flushed()];
  t.equal(calls.length, 1, 'no second flush while one runs');
  calls[0]!();
  await first;
  t.notOk(await settled(Promise.race(during)), 'the flush that was running does not cover those who came during it');
  t.equal(calls.length, 2, 'one more flush, for both of them');
  calls[1]!();
  await Promise.all(during);
  t.equal(calls.length, 2, 'and no other');
});

t.test('a flush makes the WAL durable past every batch committed before it, under the front-ends\' role', async (t) => {
  const f = await engineFixture(t, smallLan());
  // A login with nothing but the front-ends' rights, as deployed.
  const role = `fe_flush_${process.pid}`;
  await f.db.query('role', `create role ${role} login password 'fe' in role dhcpg_frontend`);
  const url = new URL(f.url);
  url.username = role;
  url.password = 'fe';
  const frontendDb = connect(url.toString(), { max: 2 });
  t.teardown(async () => {
    await frontendDb.end();
    await f.db.query('drop-role', `drop role ${role}`);
  });
  // Where the WAL ended once each batch had committed (flushed() is asked for
  // after the commit): the flush must reach at least there.
  const real = walFlusher(frontendDb);
  let committedTo = '';
  const flusher: WalFlusher = {
    flushed: async () => {
      const [row] = await f.db.query<{ lsn: string }>('insert-lsn', 'select pg_current_wal_insert_lsn()::text as lsn');
      committedTo = row!.lsn;
      return real.flushed();
    },
  };
  const engine = leaseEngine4(frontendDb, { concurrency: 1, flusher });
  // PostgreSQL's WAL writer flushes asynchronous commits within
  // wal_writer_delay by itself; checked right after each ACK, a flush that
  // flushed nothing shows within a few rounds.
  for (let n = 1; n <= 10; n++) {
    const offer = await engine.discover(client(n), RELAYED, at);
    const ack = await engine.request(client(n), RELAYED, 'selecting', offer.address!, at);
    t.equal(ack.action, 'ack');
    const [lsn] = await f.db.query<{ durable: boolean }>('lsn',
      'select pg_current_wal_flush_lsn() >= $1::pg_lsn as durable', [committedTo]);
    if (!lsn!.durable) return t.fail(`ACK ${n} was answered before its commit was flushed`);
  }
  t.pass('every ACK came after the WAL was flushed past its commit');
});

t.test('DHCPv6: a REPLY that binds, renews or releases waits for the flush; an ADVERTISE does not', async (t) => {
  const f = await engine6Fixture(t, relayedLan());
  const held = heldFlusher();
  const engine = leaseEngine6(f.db, { concurrency: 1, flusher: held.flusher });
  const advertise = await engine.handle(from(1, 'solicit', [{ kind: 'na', iaid: 1 }]), T(0));
  t.equal(advertise.action, 'advertise');
  t.equal(held.pending.length, 0, 'an ADVERTISE does not wait for a flush');
  for (const type of ['request', 'renew', 'release'] as const) {
    const reply = engine.handle(from(1, type, [{ kind: 'na', iaid: 1 }]), T(0));
    while (held.pending.length === 0 && !(await settled(reply))) await new Promise((resolve) => setImmediate(resolve));
    t.notOk(await settled(reply), `no ${type} REPLY before the flush`);
    held.pending.shift()?.resolve();
    t.equal((await reply).action, 'reply');
  }
});
