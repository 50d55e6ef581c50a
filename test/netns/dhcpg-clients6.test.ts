// Real DHCPv6 clients (ISC dhclient -6, dhcpcd) against real `dhcpg serve`
// front-ends in network namespaces: directly attached (the front-end on the
// LAN's interface, in ff02::1:2, answering at the client's link-local
// address) and behind dhcrelay -6. Server namespaces have only what a real
// server has: their LAN's address, or their link to the relay.
import t from 'tap';
import { client6Available, createClient6, type Client6Kind } from '../helpers/dhcp6-clients.ts';
import { startDhcrelay6 } from '../helpers/dhcrelay6.ts';
import { Lab } from '../helpers/dhcpg-netns.ts';
import { netnsAvailable } from '../helpers/netns.ts';
import { addLan6, hostOnLan6, relayedLan6 } from '../helpers/netns6.ts';

const availability = await netnsAvailable();
const noNetns = availability.ok ? false : availability.reason;
const kinds: Client6Kind[] = [];
for (const kind of ['dhclient', 'dhcpcd'] as const) if (await client6Available(kind)) kinds.push(kind);
const noClient = kinds.length === 2 ? false : 'dhclient and dhcpcd are both needed (see test/helpers/debian-packages.txt)';

/** Timers short enough to watch a renewal: T1 at 4 s. */
const CONFIG = {
  'preferred-lifetime': 30,
  'valid-lifetime': 60,
  'renew-timer': 4,
  'rebind-timer': 20,
  subnet6: [
    {
      id: 1, subnet: '2001:db8:1::/64', interface: 'lan0',
      pools: [{ pool: '2001:db8:1::100 - 2001:db8:1::1ff' }],
      'pd-pools': [{ prefix: '2001:db8:8000::', 'prefix-len': 48, 'delegated-len': 56 }],
    },
    {
      id: 2, subnet: '2001:db8:2::/64',
      pools: [{ pool: '2001:db8:2::100 - 2001:db8:2::1ff' }],
    },
  ],
};

const inPool1 = /^2001:db8:1::1[0-9a-f]{2}$/;

t.test('dhcpg serving real DHCPv6 clients', { skip: noNetns || noClient }, async (t) => {
  const lab = await Lab.create(t);
  await lab.apply6(CONFIG);
  const lan = await addLan6(lab.topology);
  const serverA = await hostOnLan6(lab.topology, lan, { ifname: 'lan0', addresses: ['2001:db8:1::2/64'] });
  const serverB = await hostOnLan6(lab.topology, lan, { ifname: 'lan0', addresses: ['2001:db8:1::3/64'] });
  const frontendA = await lab.startFrontend(serverA.ns, { interfaces: ['lan0'] });
  const frontendB = await lab.startFrontend(serverB.ns, { interfaces: ['lan0'] });
  const client = async (kind: Client6Kind) => {
    const host = await hostOnLan6(lab.topology, lan);
    const c = await createClient6(lab.topology, kind, host.ns, host.ifname);
    t.teardown(() => c.close());
    return c;
  };
  const bound = async (duid: string | undefined) =>
    lab.db.query<{ address: string; type: string; state: string }>('bound6',
      `select host(address) as address, type, state from dhcpg.leases6 where duid = $1 and state = 'bound' order by type`, [duid]);

  t.test('dhclient -6: an address (-N), a prefix (-P), both at once', async (t) => {
    for (const ask of [{ address: true }, { prefix: 56 }, { address: true, prefix: 56 }] as const) {
      const c = await client('dhclient');
      const lease = await c.obtain(ask);
      if ('address' in ask) t.match(lease.addresses[0]?.address, inPool1, `address ${JSON.stringify(ask)}`);
      if ('prefix' in ask) t.match(lease.prefixes[0], { length: 56, prefix: /^2001:db8:8000:/ }, `prefix ${JSON.stringify(ask)}`);
      const rows = await bound(lease.clientId);
      t.equal(rows.length, ('address' in ask ? 1 : 0) + ('prefix' in ask ? 1 : 0), 'each lease bound in leases6');
      await c.close();
    }
  });

  t.test('dhcpcd: ia_na and ia_pd', async (t) => {
    const c = await client('dhcpcd');
    const lease = await c.obtain({ address: true, prefix: 56 });
    t.match(lease.addresses[0]?.address, inPool1);
    t.equal(lease.prefixes[0]?.length, 56);
    t.same((await bound(lease.clientId)).map((r) => r.type), ['ia_na', 'ia_pd']);
  });

  t.test('renewal at T1; then, the front-end that answered stopped by PID, the other renews', async (t) => {
    const c = await client('dhclient');
    const first = await c.obtain({ address: true });
    const renewed = await c.nextLease(10_000);
    t.equal(renewed.addresses[0]?.address, first.addresses[0]?.address, `${renewed.reason}: the same address`);
    await frontendA.stop();
    const again = await c.nextLease(10_000);
    t.equal(again.addresses[0]?.address, first.addresses[0]?.address, `${again.reason} answered by the remaining front-end`);
    t.equal(again.serverId, first.serverId, 'one server DUID for every front-end');
    t.ok(frontendB.logEntries().some((e) => e.msg === 'lease granted' && e.address === `${first.addresses[0]?.address}/128`), 'B granted it');

    // No front-end at all past T2: the client rebinds, and a front-end
    // started meanwhile on another server answers it.
    await frontendB.stop();
    const serverC = await hostOnLan6(lab.topology, lan, { ifname: 'lan0', addresses: ['2001:db8:1::4/64'] });
    await new Promise((resolve) => setTimeout(resolve, (CONFIG['rebind-timer'] + 1) * 1000));
    const frontendC = await lab.startFrontend(serverC.ns, { interfaces: ['lan0'] });
    const rebound = await c.nextLease(30_000);
    t.equal(rebound.reason, 'REBIND6', 'the client rebinds');
    t.equal(rebound.addresses[0]?.address, first.addresses[0]?.address, 'and keeps its address through the new front-end');
    await frontendC.stop();
  });

  t.test('restart without release: the same address; release: it goes back, and comes back to the same client', async (t) => {
    const serverD = await hostOnLan6(lab.topology, lan, { ifname: 'lan0', addresses: ['2001:db8:1::5/64'] });
    await lab.startFrontend(serverD.ns, { interfaces: ['lan0'] });
    const c = await client('dhcpcd');
    const first = await c.obtain({ address: true });
    const rebooted = await c.reboot();
    t.equal(rebooted.addresses[0]?.address, first.addresses[0]?.address, `${rebooted.reason}: the same address`);
    await c.release();
    const [row] = await lab.db.query<{ state: string }>('released', `select state from dhcpg.leases6 where host(address) = $1`, [first.addresses[0]!.address]);
    t.equal(row?.state, 'released');
    const again = await c.obtain({ address: true });
    t.equal(again.addresses[0]?.address, first.addresses[0]?.address, 'its previous address, still free');
  });

  t.test('ten clients at once: ten distinct addresses', async (t) => {
    const clients = await Promise.all(Array.from({ length: 10 }, (_, k) => client(kinds[k % 2]!)));
    const leases = await Promise.all(clients.map((c) => c.obtain({ address: true })));
    t.equal(new Set(leases.map((l) => l.addresses[0]?.address)).size, 10);
  });

  // A relay may forward to the server's global address, to its link-local
  // address, or to ff02::1:2 on the link (RFC 8415, Section 19.1.1): the
  // front-end serves its link's interface, so it hears all three.
  for (const to of ['global', 'link-local', 'ff02::1:2'] as const) {
    t.test(`a LAN behind dhcrelay -6 forwarding to the server's ${to} address`, async (t) => {
      const relayed = await relayedLan6(lab.topology, { router: '2001:db8:2::1/64' }, { router: '2001:db8:ff::1/64', server: '2001:db8:ff::2/64' });
      const frontend = await lab.startFrontend(relayed.server.ns, { interfaces: ['eth0'] });
      const server = to === 'global' ? relayed.serverAddress : to === 'link-local' ? relayed.server.linkLocal : 'ff02::1:2';
      const relay = await startDhcrelay6(lab.topology, relayed.router, { lower: [{ ifname: 'eth0' }], upper: [{ ifname: 'eth1', server }] });
      t.teardown(() => relay.stop());
      const host = await hostOnLan6(lab.topology, relayed.lan);
      const c = await createClient6(lab.topology, 'dhclient', host.ns, host.ifname);
      t.teardown(() => c.close());
      const lease = await c.obtain({ address: true });
      t.match(lease.addresses[0]?.address, /^2001:db8:2::1[0-9a-f]{2}$/, 'from the subnet of the relay\'s link-address');
      t.ok(frontend.logEntries().some((e) => e.msg === 'lease granted'), 'granted by the front-end behind the relay');
      await frontend.stop();
    });
  }
});
