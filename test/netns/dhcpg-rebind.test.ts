// REBINDING against a real front-end: the configured dhcp-server-identifier
// is an address nobody owns on the LAN (192.0.2.254), so each client's unicast
// renewal at T1 finds no host and goes nowhere; at T2 the client broadcasts
// its REQUEST (ciaddr set, no server identifier), which the front-end answers,
// and the client keeps its address on an extended lease.
//
// busybox udhcpc takes no part: it ignores T1/T2 and raises a short lease to
// 122 s, rebinding only in its last 30 s, far beyond this test's time.
import t from 'tap';
import { clientAvailable, type ClientKind } from '../helpers/dhcp-clients.ts';
import { addressesOn, Lab, macOf, SHORT_LEASE, shortLeaseLan } from '../helpers/dhcpg-netns.ts';
import { netnsAvailable } from '../helpers/netns.ts';

const OBTAIN_MS = 15_000;
const UNOWNED_SERVER_ID = '192.0.2.254';
const { valid: VALID, rebind: REBIND } = SHORT_LEASE;
/** Slack for a client's timer and the hook's bookkeeping. */
const TIMER_SLACK_MS = 500;

const CONFIG = shortLeaseLan(UNOWNED_SERVER_ID);

const availability = await netnsAvailable();
const noNetns = availability.ok ? false : availability.reason;
const kinds: ClientKind[] = [];
for (const kind of ['dhclient', 'dhcpcd'] as const) if (await clientAvailable(kind)) kinds.push(kind);
const noClient = kinds.length > 0 ? false : 'neither dhclient nor dhcpcd is installed (see test/helpers/debian-packages.txt)';

t.test('clients rebind at T2 when the server identifier is unreachable', { skip: noNetns || noClient }, async (t) => {
  const lab = await Lab.create(t);
  await lab.apply(CONFIG);
  const lan = await lab.addLan();
  const frontend = await lab.startFrontend(await lab.addLanServer(lan, '192.0.2.2/24'), { interfaces: ['lan0'] });

  await Promise.all(kinds.map(async (kind) => {
    const client = await lab.addClient(lan, kind);
    const lease = await client.obtain({ timeoutMs: OBTAIN_MS });
    const mac = await macOf(client.ns, client.ifname);
    t.equal(lease.serverId, UNOWNED_SERVER_ID, `${kind} was given the unowned server identifier`);
    const [granted] = frontend.grants(mac);
    const [bound] = await lab.leasesOf(mac);

    // Nothing can answer the unicast renewals, so the next lease is the rebinding.
    const rebound = await client.nextLease((VALID + REBIND) * 1000);
    // dhclient keeps calling its state RENEW when it broadcasts at T2; dhcpcd says REBIND.
    t.match(rebound, { reason: /^(RENEW|REBIND)$/, address: lease.address }, `${kind} kept ${lease.address}`);
    const renewals = frontend.grants(mac).filter((grant) => grant.reason === 'renewing');
    t.ok(renewals.length > 0, `${kind}: the front-end granted the broadcast REQUEST`);
    const firstRenewal = (renewals[0]?.time as number) - (granted?.time as number);
    t.ok(
      firstRenewal >= REBIND * 1000 - TIMER_SLACK_MS,
      `${kind}: no renewal reached the front-end before T2 (first after ${firstRenewal} ms)`,
    );
    const [extended] = await lab.leasesOf(mac);
    t.ok(
      extended && bound && extended.state === 'bound' && extended.expires_at > bound.expires_at,
      `${kind}: expires_at moved from ${bound?.expires_at.toISOString()} to ${extended?.expires_at.toISOString()}`,
    );
    t.ok((await addressesOn(client.ns, client.ifname)).includes(`${lease.address}/24`), `${kind}: address still on eth0`);
  }));
});
