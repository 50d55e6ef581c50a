// DHCPREQUEST in its four RFC 2131 flavours (section 4.3.2): every branch.
import t from 'tap';
import { client, engineFixture, RELAYED, smallLan, T } from '../helpers/engine.ts';

const bind = async (f: Awaited<ReturnType<typeof engineFixture>>, n: number, now = T(0)) => {
  const c = client(n);
  const offer = await f.engine.discover(c, RELAYED, { now });
  const ack = await f.engine.request(c, RELAYED, 'selecting', offer.address!, { now });
  return { c, address: ack.address! };
};

t.test('selecting', async (t) => {
  const f = await engineFixture(t, smallLan());
  const c = client(1);
  const offer = await f.engine.discover(c, RELAYED, { now: T(0) });
  t.match(await f.engine.request(c, RELAYED, 'selecting', offer.address!, { now: T(1), hostname: 'pc1' }),
    { action: 'ack', address: offer.address, valid_lifetime: 3600, hostname: 'pc1' });
  const [row] = await f.db.query<{ state: string; expires_at: Date; hostname: string }>('r1',
    `select state, expires_at, hostname from dhcpg.lease4 where address = $1`, [offer.address]);
  t.match(row, { state: 'bound', hostname: 'pc1' });
  t.same(row?.expires_at, T(3601));

  t.test('an address offered to another client is NAKed', async (t) => {
    const other = await f.engine.discover(client(2), RELAYED, { now: T(0) });
    t.match(await f.engine.request(client(3), RELAYED, 'selecting', other.address!, { now: T(1) }), { action: 'nak', reason: 'in-use' });
  });
  t.test('a lapsed offer whose address is still free is granted', async (t) => {
    const other = await f.engine.discover(client(4), RELAYED, { now: T(0) });
    t.match(await f.engine.request(client(4), RELAYED, 'selecting', other.address!, { now: T(300) }), { action: 'ack' });
  });
  t.test('an address outside the client network is NAKed', async (t) => {
    t.match(await f.engine.request(client(5), RELAYED, 'selecting', '198.51.100.7', { now: T(1) }), { action: 'nak', reason: 'wrong-network' });
  });
  t.test('an address of the subnet outside every pool is NAKed', async (t) => {
    t.match(await f.engine.request(client(5), RELAYED, 'selecting', '192.0.2.200', { now: T(1) }), { action: 'nak', reason: 'not-in-pool' });
  });
  t.test('no subnet for the link: silence', async (t) => {
    t.match(await f.engine.request(client(5), { selector: '203.0.113.9' }, 'selecting', '192.0.2.10'), { action: 'drop', reason: 'no-subnet' });
  });
  t.test('no address at all: silence', async (t) => {
    t.match(await f.engine.request(client(5), RELAYED, 'selecting', undefined), { action: 'drop', reason: 'no-address' });
  });
});

t.test('init-reboot', async (t) => {
  const f = await engineFixture(t, smallLan());
  const { c, address } = await bind(f, 1);
  t.match(await f.engine.request(c, RELAYED, 'init-reboot', address, { now: T(100) }), { action: 'ack', address });
  // Its lease ran out but nobody took the address: still its own.
  t.match(await f.engine.request(c, RELAYED, 'init-reboot', address, { now: T(9000) }), { action: 'ack', address });
  // Verifying another address while bound: NAK.
  t.match(await f.engine.request(c, RELAYED, 'init-reboot', '192.0.2.18', { now: T(9001) }), { action: 'nak', reason: 'not-current-binding' });
  // Wrong network: NAK (it moved to another LAN).
  t.match(await f.engine.request(c, RELAYED, 'init-reboot', '198.51.100.10', { now: T(9001) }), { action: 'nak', reason: 'wrong-network' });
  // A client we have no record of: silence (another server may know it).
  t.match(await f.engine.request(client(2), RELAYED, 'init-reboot', '192.0.2.18', { now: T(9001) }), { action: 'drop', reason: 'unknown-client' });
  // Someone else's address: NAK.
  t.match(await f.engine.request(client(2), RELAYED, 'init-reboot', address, { now: T(9002) }), { action: 'nak', reason: 'in-use' });
});

t.test('init-reboot of an unknown client on an authoritative server', async (t) => {
  const f = await engineFixture(t, smallLan({ authoritative: true }));
  t.match(await f.engine.request(client(2), RELAYED, 'init-reboot', '192.0.2.18'), { action: 'ack', address: '192.0.2.18' });
});

for (const kind of ['renewing', 'rebinding'] as const) {
  t.test(kind, async (t) => {
    const f = await engineFixture(t, smallLan());
    const { c, address } = await bind(f, 1);
    const renewed = await f.engine.request(c, { selector: address }, kind, address, { now: T(1800) });
    t.match(renewed, { action: 'ack', address });
    const [row] = await f.db.query<{ expires_at: Date }>('r2', `select expires_at from dhcpg.lease4 where address = $1`, [address]);
    t.same(row?.expires_at, T(1800 + 3600));
    // Expired, still free: granted again.
    t.match(await f.engine.request(c, { selector: address }, kind, address, { now: T(20000) }), { action: 'ack' });
    // Expired and taken by another client meanwhile: NAK.
    await f.db.query('x', `update dhcpg.lease4 set expires_at = $1 where address = $2`, [T(20001), address]);
    const other = client(2);
    t.match(await f.engine.request(other, RELAYED, 'selecting', address, { now: T(20002) }), { action: 'ack' });
    t.match(await f.engine.request(c, { selector: address }, kind, address, { now: T(20003) }), { action: 'nak', reason: 'in-use' });
    // A lease lost from the database (address free, no record) is granted back.
    t.match(await f.engine.request(client(3), { selector: '192.0.2.19' }, kind, '192.0.2.19', { now: T(20003) }), { action: 'ack' });
  });
}

t.test('reservations', async (t) => {
  const f = await engineFixture(t, smallLan({}, {
    reservations: [
      { 'hw-address': '02:00:00:00:00:63', 'ip-address': '192.0.2.15', hostname: 'printer',
        'option-data': [{ name: 'domain-name', data: 'printers.example' }] },
    ],
  }));
  const printer = client(99);
  t.match(await f.engine.request(printer, RELAYED, 'selecting', '192.0.2.12'), { action: 'nak', reason: 'reserved-elsewhere' });
  t.match(await f.engine.request(printer, RELAYED, 'selecting', '192.0.2.15'),
    { action: 'ack', hostname: 'printer', option_data: [{ name: 'domain-name', data: 'printers.example' }] });
  t.match(await f.engine.request(client(1), RELAYED, 'renewing', '192.0.2.15'), { action: 'nak', reason: 'reserved-for-another' });
  // Even while the reserved client holds no lease, nobody else gets the address.
  await f.engine.release(printer, '192.0.2.15');
  t.match(await f.engine.request(client(1), RELAYED, 'renewing', '192.0.2.15'), { action: 'nak', reason: 'reserved-for-another' });
});
