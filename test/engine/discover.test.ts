// DHCPDISCOVER: RFC 2131 section 4.3.1's order of choice, offers, rapid commit,
// exhaustion and subnet selection.
import t from 'tap';
import { client, engineFixture, RELAYED, smallLan, T } from '../helpers/engine.ts';

t.test('a new client is offered the first never-used address, held for offer-lifetime', async (t) => {
  const { engine, db } = await engineFixture(t, smallLan());
  const offer = await engine.discover(client(1), RELAYED, { now: T(0) });
  t.match(offer, { action: 'offer', reason: 'new', address: '192.0.2.10', subnet_id: 1, valid_lifetime: 3600 });
  const [row] = await db.query<{ state: string; expires_at: Date }>('r1', `select state, expires_at from dhcpg.lease4 where address = '192.0.2.10'`);
  t.equal(row?.state, 'offered');
  t.same(row?.expires_at, T(30));
  // Another client does not get the offered address...
  t.equal((await engine.discover(client(2), RELAYED, { now: T(10) })).address, '192.0.2.11');
  // ...until the offer lapses (and never-used addresses run out).
  for (let n = 3; n <= 10; n++) await engine.discover(client(n), RELAYED, { now: T(31) });
  t.equal((await engine.discover(client(11), RELAYED, { now: T(31) })).address, '192.0.2.10');
});

t.test('order of choice: reserved, current, previous, requested, new', async (t) => {
  const { engine } = await engineFixture(t, smallLan({}, {
    reservations: [{ 'hw-address': '02:00:00:00:00:63', 'ip-address': '192.0.2.99', hostname: 'printer' }],
  }));
  // Reserved (outside the pool) wins over everything.
  t.match(await engine.discover(client(99), RELAYED, { requested: '192.0.2.15', now: T(0) }),
    { action: 'offer', reason: 'reserved', address: '192.0.2.99', hostname: 'printer' });

  // Current binding wins over the requested address.
  const c = client(1);
  const offer = await engine.discover(c, RELAYED, { now: T(0) });
  t.match(await engine.request(c, RELAYED, 'selecting', offer.address!, { now: T(1) }), { action: 'ack' });
  t.match(await engine.discover(c, RELAYED, { requested: '192.0.2.17', now: T(2) }),
    { reason: 'current', address: offer.address });

  // Previous address (expired) wins over the requested address.
  t.match(await engine.discover(c, RELAYED, { requested: '192.0.2.17', now: T(5000) }),
    { reason: 'previous', address: offer.address });

  // Requested address wins over a new one when free.
  t.match(await engine.discover(client(2), RELAYED, { requested: '192.0.2.17', now: T(0) }),
    { reason: 'requested', address: '192.0.2.17' });
  // A requested address that is not free is not given.
  t.match(await engine.discover(client(3), RELAYED, { requested: '192.0.2.17', now: T(0) }),
    { reason: 'new' });
  // A requested address outside the pools is not given.
  t.match(await engine.discover(client(4), RELAYED, { requested: '192.0.2.200', now: T(0) }),
    { reason: 'new' });
});

t.test('a bound client that sends DISCOVER is offered its lease unchanged', async (t) => {
  const { engine, db } = await engineFixture(t, smallLan());
  const c = client(1);
  const offer = await engine.discover(c, RELAYED, { now: T(0) });
  await engine.request(c, RELAYED, 'selecting', offer.address!, { now: T(0) });
  t.match(await engine.discover(c, RELAYED, { now: T(100) }), { action: 'offer', address: offer.address, reason: 'current' });
  const [row] = await db.query<{ state: string; expires_at: Date }>('r2', `select state, expires_at from dhcpg.lease4 where address = $1`, [offer.address]);
  t.equal(row?.state, 'bound');
  t.same(row?.expires_at, T(3600));
});

t.test('rapid commit binds at once', async (t) => {
  const { engine, db } = await engineFixture(t, smallLan());
  t.match(await engine.discover(client(1), RELAYED, { rapidCommit: true, now: T(0) }), { action: 'ack', address: '192.0.2.10' });
  const [row] = await db.query<{ state: string; expires_at: Date }>('r1', `select state, expires_at from dhcpg.lease4 where address = '192.0.2.10'`);
  t.equal(row?.state, 'bound');
  t.same(row?.expires_at, T(3600));
});

t.test('an exhausted pool drops the DISCOVER, and recovers when leases expire', async (t) => {
  const { engine } = await engineFixture(t, smallLan());
  for (let n = 1; n <= 10; n++) {
    const c = client(n);
    const offer = await engine.discover(c, RELAYED, { now: T(0) });
    t.equal(offer.action, 'offer');
    await engine.request(c, RELAYED, 'selecting', offer.address!, { now: T(0) });
  }
  t.match(await engine.discover(client(11), RELAYED, { now: T(100) }), { action: 'drop', reason: 'pool-exhausted' });
  t.match(await engine.discover(client(11), RELAYED, { now: T(3601) }), { action: 'offer', reason: 'new' });
});

t.test('subnet selection: relay addresses, selector, interface, shared networks', async (t) => {
  const { engine } = await engineFixture(t, {
    'shared-networks': [{
      name: 'campus',
      relay: { 'ip-addresses': ['203.0.113.1'] },
      subnet4: [
        { id: 10, subnet: '198.51.100.0/30', pools: [{ pool: '198.51.100.1 - 198.51.100.2' }] },
        { id: 11, subnet: '198.51.100.64/26', pools: [{ pool: '198.51.100.70 - 198.51.100.71' }] },
      ],
    }],
    subnet4: [{ id: 20, subnet: '192.0.2.0/24', interface: 'lan0', pools: [{ pool: '192.0.2.50 - 192.0.2.59' }] }],
  });
  // Relay address of the shared network; the first member fills, then the next.
  const via = { selector: '203.0.113.1', relay: '203.0.113.1' };
  t.match(await engine.discover(client(1), via), { subnet_id: 10, address: '198.51.100.1' });
  t.match(await engine.discover(client(2), via), { subnet_id: 10, address: '198.51.100.2' });
  t.match(await engine.discover(client(3), via), { subnet_id: 11, address: '198.51.100.70' });
  // A link-selection address picks the subnet containing it.
  t.match(await engine.discover(client(4), { selector: '198.51.100.65' }), { subnet_id: 11, address: '198.51.100.71' });
  // The interface name, for a directly connected client.
  t.match(await engine.discover(client(5), { interface: 'lan0' }), { subnet_id: 20, address: '192.0.2.50' });
  // Nothing matches: dropped.
  t.match(await engine.discover(client(6), { selector: '203.0.113.99' }), { action: 'drop', reason: 'no-subnet' });
});

t.test('reserved addresses inside a pool go to nobody else', async (t) => {
  const { engine } = await engineFixture(t, smallLan({}, {
    reservations: [{ 'hw-address': '02:00:00:00:00:63', 'ip-address': '192.0.2.10' }],
  }));
  const seen = new Set<string>();
  for (let n = 1; n <= 9; n++) seen.add((await engine.discover(client(n), RELAYED, { requested: '192.0.2.10' })).address!);
  t.notOk(seen.has('192.0.2.10'));
  t.equal(seen.size, 9);
  t.match(await engine.discover(client(10), RELAYED), { action: 'drop', reason: 'pool-exhausted' });
  t.match(await engine.discover(client(99), RELAYED), { reason: 'reserved', address: '192.0.2.10' });
});

t.test('client identifier, when sent, is the identity', async (t) => {
  const { engine } = await engineFixture(t, smallLan());
  const a = await engine.discover(client(1, 'laptop'), RELAYED);
  // Same client id, other hardware address (a new NIC): same lease.
  t.equal((await engine.discover(client(2, 'laptop'), RELAYED)).address, a.address);
  // Same hardware, other client id: another client.
  t.not((await engine.discover(client(1, 'dock'), RELAYED)).address, a.address);
});
