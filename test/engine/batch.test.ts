// Batches: several clients' messages in one call to dhcpg.handle4. Messages
// that share a client, an address or a reservation see each other's outcome,
// as if they had come one after the other; one bad message fails alone.
import t from 'tap';
import type { Test } from 'tap';
import { leaseEngine4, type LeaseEngine4, type Reply4 } from '../../src/engine/lease-engine.ts';
import { client, engineFixture, RELAYED, smallLan, T } from '../helpers/engine.ts';

/**
 * An engine with one call slot: the first message goes alone, the ones sent
 * while it runs go together in the next call. Returns the batch sizes seen.
 */
const oneSlot = async (t: Test, dhcp4: unknown = smallLan()) => {
  const f = await engineFixture(t, dhcp4);
  const sizes: number[] = [];
  const engine = leaseEngine4(f.db, { concurrency: 1, onBatch: (size) => sizes.push(size) });
  return { f, engine, sizes };
};

/** Sends `first` alone, then `rest` in one batch behind it. */
const batchBehind = async (engine: LeaseEngine4, first: () => Promise<Reply4>, rest: (() => Promise<Reply4>)[]) => {
  const lead = first();
  const replies = await Promise.all(rest.map((send) => send()));
  await lead;
  return replies;
};

const at = { now: T(0) };

t.test('one client twice in a batch: the second message sees the first', async (t) => {
  const { engine, sizes } = await oneSlot(t);
  const [first, second] = await batchBehind(engine, () => engine.discover(client(9), RELAYED, at), [
    () => engine.discover(client(1), RELAYED, at),
    () => engine.discover(client(1), RELAYED, at),
  ]);
  t.same(sizes, [1, 2]);
  t.match(first, { action: 'offer', reason: 'new' });
  t.match(second, { action: 'offer', reason: 'current', address: first!.address });
});

t.test('two clients asking for one free address in a batch: the first one gets it', async (t) => {
  const { engine, sizes } = await oneSlot(t, smallLan({ authoritative: true }));
  const [a, b] = await batchBehind(engine, () => engine.discover(client(9), RELAYED, at), [
    () => engine.request(client(1), RELAYED, 'init-reboot', '192.0.2.15', at),
    () => engine.request(client(2), RELAYED, 'init-reboot', '192.0.2.15', at),
  ]);
  t.same(sizes, [1, 2]);
  t.match(a, { action: 'ack', address: '192.0.2.15' });
  t.match(b, { action: 'nak', reason: 'in-use' });
});

t.test('a release and another client asking for that address in one batch', async (t) => {
  const { f, engine, sizes } = await oneSlot(t);
  const offer = await f.engine.discover(client(1), RELAYED, at);
  await f.engine.request(client(1), RELAYED, 'selecting', offer.address!, at);
  const [released, offered] = await batchBehind(engine, () => engine.discover(client(9), RELAYED, at), [
    () => engine.release(client(1), offer.address!, at),
    () => engine.discover(client(2), RELAYED, { ...at, requested: offer.address! }),
  ]);
  t.same(sizes, [1, 2]);
  t.match(released, { action: 'done', reason: 'released' });
  t.match(offered, { action: 'offer', reason: 'requested', address: offer.address });
});

t.test('a client renewing its lease keeps it, whatever others in the batch ask', async (t) => {
  const { f, engine } = await oneSlot(t);
  const offer = await f.engine.discover(client(1), RELAYED, at);
  await f.engine.request(client(1), RELAYED, 'selecting', offer.address!, at);
  const [stale, rediscover] = await batchBehind(engine, () => engine.discover(client(9), RELAYED, at), [
    () => engine.request(client(2), RELAYED, 'init-reboot', offer.address!, at),
    () => engine.discover(client(1), RELAYED, at),
  ]);
  t.match(stale, { action: 'nak', reason: 'in-use' });
  t.match(rediscover, { action: 'offer', reason: 'current', address: offer.address });
  const [orphans] = await f.db.query<{ n: number }>('orphans',
    `select count(*)::int as n from dhcpg.lease4 where state in ('offered', 'bound') and client_key is null`);
  t.equal(orphans?.n, 0, 'no running lease lost its holder');
});

t.test('one bad message fails alone; the rest of its batch is answered', async (t) => {
  const { engine, sizes } = await oneSlot(t);
  const replies = await batchBehind(engine, () => engine.discover(client(9), RELAYED, at), [
    () => engine.discover(client(1), RELAYED, at),
    // PostgreSQL text cannot hold a NUL character: this message is refused.
    () => engine.discover(client(2), RELAYED, { ...at, hostname: 'bad\u0000name' }),
    () => engine.discover(client(3), RELAYED, at),
  ].map((send) => () => send().catch((error: Error) => ({ failed: error.message }) as unknown as Reply4)));
  t.same(sizes.slice(0, 2), [1, 3], 'the three went as one batch, then alone');
  t.match(replies[0], { action: 'offer' });
  t.match(replies[1], { failed: /unsupported Unicode escape sequence|null character/ });
  t.match(replies[2], { action: 'offer' });
  t.not(replies[0]!.address, replies[2]!.address);
});

t.test('a malformed batch is refused with a clear error', async (t) => {
  const { f } = await oneSlot(t);
  await t.rejects(f.db.query('bad-batch', `select * from dhcpg.handle4('{"type": "discover"}')`), /messages must be a JSON array/);
  await t.rejects(f.db.query('bad-type', `select * from dhcpg.handle4('[{"type": "offer", "hw_type": 1, "hw_address": "\\\\x01"}]')`),
    /no valid type, request_kind or hardware address/);
});

/** An engine with one call slot and a 200 ms batch wait, and the size of each of its calls. */
const waitingEngine = async (t: Test) => {
  const f = await engineFixture(t, smallLan());
  const sizes: number[] = [];
  const engine = leaseEngine4(f.db, { concurrency: 1, batchWait: 200, onBatch: (size) => sizes.push(size) });
  return { sizes, discover: (n: number) => engine.discover(client(n), RELAYED, at) };
};

/**
 * A call of the `behind` messages queued behind a lone one, two messages
 * while it runs, and three 30 ms after it has returned.
 */
const callThenMore = async (discover: (n: number) => Promise<Reply4>, behind: number[]) => {
  const tick = () => new Promise(setImmediate);
  await tick();
  const lead = discover(10);
  const busy = behind.map(discover);
  await lead;
  await tick();
  const during = [16, 17].map(discover);
  await Promise.all(busy);
  await new Promise((resolve) => setTimeout(resolve, 30));
  const after = [18, 19, 20].map(discover);
  await Promise.all([...during, ...after]);
};

t.test('under load a free slot waits for more messages; one message at a time never waits', async (t) => {
  const { sizes, discover } = await waitingEngine(t);

  // Alone, one after the other: no wait (200 ms each would show).
  const started = performance.now();
  for (let n = 1; n <= 5; n++) await discover(n);
  t.ok(performance.now() - started < 900, 'five lone messages took no wait');
  t.same(sizes, [1, 1, 1, 1, 1]);

  // After a busy call of five, the wait gathers the two and the three into one call.
  sizes.length = 0;
  await callThenMore(discover, [11, 12, 13, 14, 15]);
  t.same(sizes, [1, 5, 5], 'the two and the three went together');
});

t.test('a call of two messages is load already: the next free slot waits', async (t) => {
  const { sizes, discover } = await waitingEngine(t);
  await callThenMore(discover, [11, 12]);
  t.same(sizes, [1, 2, 5], 'the two and the three went together');
});

t.test('half a batch waiting ends the wait', async (t) => {
  const f = await engineFixture(t, smallLan());
  const sizes: number[] = [];
  const engine = leaseEngine4(f.db, { concurrency: 1, maxBatch: 8, batchWait: 60_000, onBatch: (size) => sizes.push(size) });
  const discover = (n: number) => engine.discover(client(n), RELAYED, at);
  const lead = discover(10);
  const busy = [11, 12, 13, 14].map(discover);
  await lead;
  await Promise.all(busy);
  const started = performance.now();
  await Promise.all([21, 22, 23, 24].map(discover));
  t.ok(performance.now() - started < 5000, 'answered without waiting out the minute');
  t.same(sizes, [1, 4, 4]);
});
