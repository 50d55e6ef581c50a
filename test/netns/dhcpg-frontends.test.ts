// Two dhcpg front-ends on one LAN, each in its own namespace, both presenting
// the one server identifier 192.0.2.2 (front-end A's address) on short lease
// timers (valid 12 s, renew 3 s, rebind 6 s), so that clients renew and
// rebind within seconds: both answer every broadcast and nobody ends up with
// two leases; dhclient renews at T1 through A; once A is stopped, the
// clients' unicast renewals to 192.0.2.2 go unanswered and they rebind by
// broadcast at T2 through B, keeping their addresses.
//
// busybox udhcpc takes no part in the timer scenarios: it ignores T1/T2 and
// raises a short lease to 122 s (renewing at half of it, rebinding only in the
// last 30 s), far beyond these tests' time.
import t from 'tap';
import { CLIENT_KINDS, clientAvailable, type ClientKind, type ClientLease, type DhcpClient } from '../helpers/dhcp-clients.ts';
import { Lab, macOf, metricValue, type DhcpgFrontend, SHORT_LEASE, shortLeaseLan } from '../helpers/dhcpg-netns.ts';
import { netnsAvailable } from '../helpers/netns.ts';

const OBTAIN_MS = 15_000;
const SHARED_SERVER_ID = '192.0.2.2';
const { valid: VALID, renew: RENEW, rebind: REBIND } = SHORT_LEASE;

const CONFIG = shortLeaseLan(SHARED_SERVER_ID);

const availability = await netnsAvailable();
const noNetns = availability.ok ? false : availability.reason;
const installed: ClientKind[] = [];
for (const kind of CLIENT_KINDS) if (await clientAvailable(kind)) installed.push(kind);
const noClient = installed.length > 0 ? false : 'no DHCP client is installed (see test/helpers/debian-packages.txt)';
/** The clients that follow the server's T1 and T2 (see the top of this file). */
const timed: ClientKind[] = installed.filter((kind) => kind !== 'udhcpc');
const noTimedClient = timed.length > 0 ? false : 'neither dhclient nor dhcpcd is installed';

interface Held {
  client: DhcpClient;
  lease: ClientLease;
  mac: string;
}

/** The client's next lease event whose reason is `reason`, skipping others; bounded by timeoutMs. */
const nextLeaseWith = async (client: DhcpClient, reason: string, timeoutMs: number): Promise<ClientLease> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lease = await client.nextLease(Math.max(1, deadline - Date.now()));
    if (lease.reason === reason) return lease;
  }
};

/**
 * The client's first lease event after `frontend` granted it more leases than
 * grantsBefore, skipping earlier ones (a renewal granted just before); bounded
 * by timeoutMs.
 */
const nextLeaseGrantedBy = async (
  held: Held,
  frontend: DhcpgFrontend,
  grantsBefore: number,
  timeoutMs: number,
): Promise<ClientLease> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lease = await held.client.nextLease(Math.max(1, deadline - Date.now()));
    if (frontend.grants(held.mac).length > grantsBefore) return lease;
  }
};

t.test('two front-ends on one LAN', { skip: noNetns || noClient }, async (t) => {
  const lab = await Lab.create(t);
  await lab.apply(CONFIG);
  const lan = await lab.addLan();
  const [a, b] = await Promise.all([
    lab.addLanServer(lan, `${SHARED_SERVER_ID}/24`).then((ns) => lab.startFrontend(ns, { interfaces: ['lan0'] })),
    lab.addLanServer(lan, '192.0.2.3/24').then((ns) => lab.startFrontend(ns, { interfaces: ['lan0'] })),
  ]);
  const held: Held[] = [];

  t.test('both answer, every client gets one address and one lease row', async (t) => {
    // Two of each kind, all at once.
    const kinds = [...installed, ...installed];
    held.push(...await Promise.all(kinds.map(async (kind) => {
      const client = await lab.addClient(lan, kind);
      const lease = await client.obtain({ timeoutMs: OBTAIN_MS });
      return { client, lease, mac: await macOf(client.ns, client.ifname) };
    })));
    const addresses = held.map(({ lease }) => lease.address);
    t.equal(new Set(addresses).size, held.length, `distinct addresses: ${addresses.join(' ')}`);
    t.ok(held.every(({ lease }) => lease.serverId === SHARED_SERVER_ID), 'every client saw the one shared server identifier');
    for (const frontend of [a, b]) {
      const offers = metricValue(await frontend.metrics(), 'dhcpg_packets_sent_total{family="4",type="offer"}');
      t.ok(offers >= held.length, `front-end in ${frontend.ns} answered every DISCOVER (${offers} offers)`);
    }
    const rows = await lab.db.query<{ hwaddr: string; leases: number; addresses: string[] }>(
      'leases-per-mac',
      `select hwaddr, count(*)::int as leases, array_agg(host(address)) as addresses
         from dhcpg.leases4 where hwaddr = any($1::text[]) group by hwaddr`,
      [held.map(({ mac }) => mac)],
    );
    t.equal(rows.length, held.length, 'every client has a lease row');
    t.same(
      rows.filter((row) => row.leases !== 1),
      [],
      'nobody holds two rows in dhcpg.leases4',
    );
  });

  t.test('dhclient renews at T1, by unicast to the front-end owning the identifier', { skip: installed.includes('dhclient') ? false : 'dhclient is not installed' }, async (t) => {
    const holder = held.find(({ client }) => client.kind === 'dhclient');
    if (!holder) return t.fail('no dhclient got a lease');
    const renewed = await nextLeaseWith(holder.client, 'RENEW', (VALID + RENEW) * 1000);
    t.equal(renewed.address, holder.lease.address, 'same address');
    t.ok(await a.granted(holder.mac, 'renewing'), 'front-end A granted the renewal');
    t.notOk(b.grants(holder.mac).some((grant) => grant.reason === 'renewing'), 'B never saw it: it went by unicast to A');
  });

  t.test('with A stopped, clients rebind through B and keep their addresses', { skip: noTimedClient }, async (t) => {
    const clients = held.filter(({ client }) => timed.includes(client.kind));
    await a.stop();
    t.notOk(a.process.running(), 'front-end A stopped');
    const stoppedAt = Date.now();
    const grantsBefore = new Map(clients.map(({ mac }) => [mac, b.grants(mac).length]));
    await Promise.all(clients.map(async (holder) => {
      const { client, lease, mac } = holder;
      const rebound = await nextLeaseGrantedBy(holder, b, grantsBefore.get(mac)!, (VALID + REBIND) * 1000);
      // dhclient keeps calling its state RENEW when it broadcasts at T2; dhcpcd says REBIND.
      t.match(rebound, { reason: /^(RENEW|REBIND)$/, address: lease.address }, `${client.kind} kept ${lease.address} through B`);
      t.ok(
        b.grants(mac).some((grant) => grant.reason === 'renewing' && grant.time as number > stoppedAt),
        `${client.kind}: B granted it as a renewal (REQUEST with ciaddr)`,
      );
      const [row] = await lab.leasesOf(mac);
      t.ok(row && row.state === 'bound' && row.expires_at.getTime() > stoppedAt, `${client.kind}: lease extended past A's stop`);
    }));
  });
});
