// DHCPRELEASE, DHCPDECLINE with its probation, DHCPINFORM, and the order in
// which expired addresses are reused.
import t from 'tap';
import { client, engineFixture, RELAYED, smallLan, T } from '../helpers/engine.ts';

t.test('release frees the address and keeps it for the same client', async (t) => {
  const f = await engineFixture(t, smallLan());
  const c = client(1);
  const { address } = await f.engine.discover(c, RELAYED, { now: T(0) });
  await f.engine.request(c, RELAYED, 'selecting', address!, { now: T(0) });
  // Only the holder can release.
  t.match(await f.engine.release(client(2), address!, { now: T(10) }), { action: 'drop', reason: 'not-held' });
  t.match(await f.engine.release(c, address!, { now: T(10) }), { action: 'done', reason: 'released' });
  t.match(await f.engine.release(c, address!, { now: T(11) }), { action: 'drop', reason: 'not-held' });
  const [row] = await f.db.query<{ state: string }>('r', `select state from dhcpg.leases4 where address = $1`, [address]);
  t.equal(row?.state, 'released');
  t.match(await f.engine.discover(c, RELAYED, { now: T(20) }), { reason: 'previous', address });
});

t.test('a declined address is quarantined for the probation period', async (t) => {
  const f = await engineFixture(t, smallLan());
  const c = client(1);
  const { address } = await f.engine.discover(c, RELAYED, { now: T(0) });
  await f.engine.request(c, RELAYED, 'selecting', address!, { now: T(0) });
  t.match(await f.engine.decline(client(2), address!, { now: T(1) }), { action: 'drop', reason: 'not-held' });
  t.match(await f.engine.decline(c, address!, { now: T(1) }), { action: 'done', reason: 'declined' });
  // The client itself gets another address, and nobody gets this one...
  t.not((await f.engine.discover(c, RELAYED, { now: T(2) })).address, address);
  for (let n = 2; n <= 9; n++) t.not((await f.engine.discover(client(n), RELAYED, { requested: address!, now: T(2) })).address, address);
  t.match(await f.engine.discover(client(10), RELAYED, { now: T(2) }), { action: 'drop', reason: 'pool-exhausted' });
  t.match(await f.engine.request(client(10), RELAYED, 'selecting', address!, { now: T(2) }), { action: 'nak', reason: 'in-use' });
  const [row] = await f.db.query<{ state: string }>('r', `select state from dhcpg.leases4 where address = $1`, [address]);
  t.equal(row?.state, 'declined');
  // ...until probation (600 s) ends.
  t.match(await f.engine.request(client(10), RELAYED, 'selecting', address!, { now: T(601) }), { action: 'ack', address });
});

t.test('expired addresses are reused longest-expired first, after never-used ones', async (t) => {
  const f = await engineFixture(t, smallLan());
  // Ten clients bind, one second apart: .10 expires first.
  for (let n = 1; n <= 10; n++) {
    const c = client(n);
    const { address } = await f.engine.discover(c, RELAYED, { now: T(n) });
    await f.engine.request(c, RELAYED, 'selecting', address!, { now: T(n) });
  }
  // All expired; new clients get the longest-expired addresses in order.
  const order: string[] = [];
  for (let n = 11; n <= 13; n++) order.push((await f.engine.discover(client(n), RELAYED, { now: T(10000) })).address!);
  t.same(order, ['192.0.2.10', '192.0.2.11', '192.0.2.12']);
  // A returning client still gets its own previous address.
  t.match(await f.engine.discover(client(10), RELAYED, { now: T(10000) }), { reason: 'previous', address: '192.0.2.19' });
});

t.test('inform answers with the subnet and reservation, writing nothing', async (t) => {
  const f = await engineFixture(t, smallLan({}, {
    reservations: [{ 'hw-address': '02:00:00:00:00:63', hostname: 'printer' }],
  }));
  t.match(await f.engine.inform(client(99), { selector: '192.0.2.77' }), { action: 'ack', subnet_id: 1, hostname: 'printer' });
  t.match(await f.engine.inform(client(1), { selector: '203.0.113.5' }), { action: 'drop', reason: 'no-subnet' });
  const [row] = await f.db.query<{ count: number }>('c', `select count(*) as count from dhcpg.leases4`);
  t.equal(row?.count, 0);
});
