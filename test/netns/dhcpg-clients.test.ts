// Real DHCP clients (ISC dhclient, busybox udhcpc, dhcpcd) against dhcpg
// front-ends running as `dhcpg serve` inside network namespaces: one LAN
// served directly (front-end started the README's quick-start way, with
// --config and --interface) and one LAN behind dhcrelay. Lease lifetimes here
// are long; the scenarios that wait for T1/T2 are in dhcpg-frontends.test.ts
// and dhcpg-rebind.test.ts. Skips, saying why, without root, network
// namespaces or a client binary (test/helpers/debian-packages.txt).
import t from 'tap';
import { ipv4InRange } from '../../src/net/ipv4.ts';
import {
  CLIENT_KINDS,
  clientAvailable,
  commandAvailable,
  type ClientKind,
  type ClientLease,
  type DhcpClient,
  type ObtainOptions,
} from '../helpers/dhcp-clients.ts';
import { addressesOn, Lab, macOf, metricValue } from '../helpers/dhcpg-netns.ts';
import { netnsAvailable, type BridgeRef } from '../helpers/netns.ts';

const OBTAIN_MS = 15_000;
const LAN_SERVER = '192.0.2.2';
const RELAYED_ROUTER = '198.51.100.1';
const RELAY_SERVER = '203.0.113.2';

const inLanPool = (address: string): boolean => ipv4InRange(address, '192.0.2.100', '192.0.2.199');
const inRelayedPool = (address: string): boolean => ipv4InRange(address, '198.51.100.100', '198.51.100.199');

const CONFIG = {
  'valid-lifetime': 600,
  'renew-timer': 300,
  'rebind-timer': 525,
  'option-data': [
    { name: 'domain-name-servers', data: '192.0.2.53, 192.0.2.54' },
    { name: 'domain-name', data: 'example.test' },
  ],
  subnet4: [
    {
      id: 1,
      subnet: '192.0.2.0/24',
      interface: 'lan0',
      pools: [{ pool: '192.0.2.100 - 192.0.2.199' }],
      'option-data': [
        { name: 'routers', data: '192.0.2.1' },
        { name: 'dhcp-server-identifier', data: LAN_SERVER },
      ],
    },
    {
      // No dhcp-server-identifier: the front-end presents the address the relay reaches it at.
      id: 2,
      subnet: '198.51.100.0/24',
      relay: { 'ip-addresses': [RELAYED_ROUTER] },
      pools: [{ pool: '198.51.100.100 - 198.51.100.199' }],
      'option-data': [{ name: 'routers', data: RELAYED_ROUTER }],
    },
  ],
};

const availability = await netnsAvailable();
const noNetns = availability.ok ? false : availability.reason;
const installed: ClientKind[] = [];
for (const kind of CLIENT_KINDS) if (await clientAvailable(kind)) installed.push(kind);
const noClient = installed.length > 0 ? false : 'no DHCP client is installed (see test/helpers/debian-packages.txt)';
const notInstalled = (kind: ClientKind): string | false =>
  installed.includes(kind) ? false : `${kind} is not installed (see test/helpers/debian-packages.txt)`;
const noneOf = (kinds: ClientKind[], why: string): string | false =>
  kinds.some((kind) => installed.includes(kind)) ? false : `none of ${kinds.join(', ')} is installed (${why})`;
const noRelay = (await commandAvailable('dhcrelay')) ? false : 'dhcrelay (isc-dhcp-relay) is not installed';

interface Obtained {
  client: DhcpClient;
  lease: ClientLease;
  mac: string;
}

t.test('dhcpg serving real clients', { skip: noNetns || noClient }, async (t) => {
  const lab = await Lab.create(t);
  const lan = await lab.addLan();
  // The README's quick start: `dhcpg serve --config FILE --interface IF`.
  const frontend = await lab.startFrontend(await lab.addLanServer(lan, `${LAN_SERVER}/24`), {
    interfaces: ['lan0'],
    configFile: await lab.configFile(CONFIG),
  });

  const obtainOn = async (where: BridgeRef, kind: ClientKind, options: ObtainOptions = {}): Promise<Obtained> => {
    const client = await lab.addClient(where, kind);
    const lease = await client.obtain({ timeoutMs: OBTAIN_MS, ...options });
    return { client, lease, mac: await macOf(client.ns, client.ifname) };
  };
  const obtain = (kind: ClientKind, options: ObtainOptions = {}): Promise<Obtained> =>
    obtainOn(lan, kind, options);
  const expiry = async (mac: string): Promise<number> => (await lab.leasesOf(mac))[0]?.expires_at.getTime() ?? 0;

  t.test('quick start: each client gets an address with mask, router, DNS and lease time', async (t) => {
    t.ok(
      frontend.logEntries().some((entry) => entry.msg.startsWith('applied (serial')),
      'serve --config applied the file before serving',
    );
    const obtained = await Promise.all(installed.map((kind) => obtain(kind)));
    for (const { client, lease, mac } of obtained) {
      t.ok(inLanPool(lease.address), `${client.kind}: ${lease.address} is in the pool`);
      t.match(lease, {
        reason: client.kind === 'udhcpc' ? 'bound' : 'BOUND',
        prefixLength: 24,
        mask: '255.255.255.0',
        routers: ['192.0.2.1'],
        dnsServers: ['192.0.2.53', '192.0.2.54'],
        domainName: 'example.test',
        leaseTime: 600,
        serverId: LAN_SERVER,
      }, `${client.kind}: the options it applied`);
      t.ok((await addressesOn(client.ns, 'eth0')).includes(`${lease.address}/24`), `${client.kind}: address on eth0`);
      t.same(
        (await lab.leasesOf(mac)).map(({ address, state }) => ({ address, state })),
        [{ address: lease.address, state: 'bound' }],
        `${client.kind}: one bound lease in dhcpg.leases4 under its MAC`,
      );
    }
    t.equal(
      new Set(obtained.map(({ lease }) => lease.address)).size,
      obtained.length,
      'every client has an address of its own',
    );
  });

  t.test('renew: udhcpc and dhcpcd on SIGUSR1, unicast to the server', { skip: noneOf(['udhcpc', 'dhcpcd'], 'dhclient renews only at T1') }, async (t) => {
    const kinds = installed.filter((kind) => kind !== 'dhclient');
    await Promise.all(kinds.map(async (kind) => {
      const { client, lease, mac } = await obtain(kind);
      const before = await expiry(mac);
      const renewed = await client.renew(OBTAIN_MS);
      t.match(renewed, { reason: kind === 'udhcpc' ? 'renew' : 'RENEW', address: lease.address }, `${kind} renewed its address`);
      t.ok(await expiry(mac) > before, `${kind}: expires_at moved forward`);
      t.ok(await frontend.granted(mac, 'renewing'), `${kind}: the front-end granted a renewal`);
    }));
  });

  t.test('INIT-REBOOT: dhclient and dhcpcd restarted on their stored lease', { skip: noneOf(['dhclient', 'dhcpcd'], 'udhcpc stores no lease') }, async (t) => {
    const kinds = installed.filter((kind) => kind !== 'udhcpc');
    await Promise.all(kinds.map(async (kind) => {
      const { client, lease, mac } = await obtain(kind);
      const rebooted = await client.reboot(OBTAIN_MS);
      t.match(rebooted, { reason: 'REBOOT', address: lease.address }, `${kind} got its address back`);
      t.ok(await frontend.granted(mac, 'init-reboot'), `${kind}: granted as INIT-REBOOT`);
      t.same((await lab.leasesOf(mac)).map((row) => row.state), ['bound'], `${kind}: still one bound lease`);
    }));
  });

  t.test('release: the lease row goes to released', async (t) => {
    await Promise.all(installed.map(async (kind) => {
      const { client, lease } = await obtain(kind);
      await client.release(OBTAIN_MS);
      const row = await lab.waitForLease(lease.address, (r) => r.state !== 'bound');
      t.equal(row.state, 'released', `${kind}: ${lease.address} released`);
      t.notOk((await addressesOn(client.ns, 'eth0')).includes(`${lease.address}/24`), `${kind}: address removed`);
    }));
  });

  t.test('decline: dhclient declines its first lease and ends with another', { skip: notInstalled('dhclient') }, async (t) => {
    const { client, lease, mac } = await obtain('dhclient', { declineFirstOffer: true });
    const declined = (await client.events()).find((event) => event.declined)?.env.new_ip_address;
    t.ok(declined, 'the first lease was declined');
    t.not(lease.address, declined, `ended with ${lease.address}, not the declined ${declined}`);
    t.ok(inLanPool(lease.address), 'from the pool');
    // Handled out of order, the DISCOVER right behind the DECLINE was offered the
    // declined address again, and dhclient ignored the NAKs that followed for 10 s.
    const repliesForDeclined = frontend.logEntries()
      .filter((entry) => entry.msg === 'replied' && entry.address === declined)
      .map((entry) => entry.type);
    t.same(repliesForDeclined, ['offer'], `${declined} was offered once: not again after the DECLINE, never NAKed`);
    const row = await lab.waitForLease(declined!, (r) => r.state !== 'bound');
    t.equal(row.state, 'declined', `${declined} is declined in dhcpg.leases4`);
    t.same(
      (await lab.leasesOf(mac)).filter((r) => r.state === 'bound').map((r) => r.address),
      [lease.address],
      'the client holds only its second address',
    );
  });

  t.test('ten clients at once, of all kinds, get distinct addresses', async (t) => {
    const kinds = Array.from({ length: 10 }, (_, i) => installed[i % installed.length]!);
    const obtained = await Promise.all(kinds.map((kind) => obtain(kind)));
    const addresses = obtained.map(({ lease }) => lease.address);
    t.equal(new Set(addresses).size, 10, `ten distinct addresses: ${addresses.join(' ')}`);
    t.ok(addresses.every(inLanPool), 'all from the pool');
    const rows = await Promise.all(obtained.map(({ mac }) => lab.leasesOf(mac)));
    t.same(
      rows.map((leases) => leases.map(({ address, state }) => ({ address, state }))),
      addresses.map((address) => [{ address, state: 'bound' }]),
      'each MAC holds exactly the one bound lease its client reported',
    );
  });

  t.test('a LAN behind dhcrelay', { skip: noRelay }, async (t) => {
    const relayed = await lab.addRelayedLan(
      { network: '198.51.100.0/24', router: `${RELAYED_ROUTER}/24` },
      { router: '203.0.113.1/24', server: `${RELAY_SERVER}/24` },
    );
    const relayFrontend = await lab.startFrontend(relayed.serverNs);

    t.test('each client obtains a relayed address, renews and releases by unicast', async (t) => {
      await Promise.all(installed.map(async (kind) => {
        const { client, lease, mac } = await obtainOn(relayed.lan, kind);
        t.ok(inRelayedPool(lease.address), `${kind}: ${lease.address} from the relayed subnet`);
        t.match(lease, { routers: [RELAYED_ROUTER], prefixLength: 24, leaseTime: 600 }, `${kind}: the relayed subnet's options`);
        // Renewals and releases go straight to the server identifier, through the router.
        t.equal(lease.serverId, RELAY_SERVER, `${kind}: server identifier is the address the relay reaches`);
        if (client.capabilities.renew) {
          // The ACK to a unicast REQUEST names the server too: the client renews and releases there next.
          t.match(await client.renew(OBTAIN_MS), { address: lease.address, serverId: RELAY_SERVER }, `${kind}: renewed by unicast`);
          t.ok(await relayFrontend.granted(mac, 'renewing'), `${kind}: the renewal reached the front-end`);
        }
        await client.release(OBTAIN_MS);
        t.equal((await lab.waitForLease(lease.address, (r) => r.state !== 'bound')).state, 'released', `${kind}: released`);
      }));
      const relayLog = relayed.relay.stdout() + relayed.relay.stderr();
      t.match(relayLog, /Forwarded BOOTREPLY for .* to 198\.51\.100\./, 'dhcrelay forwarded the replies');
    });

    t.test('a client carried to the other LAN is NAKed and gets a fresh address', { skip: noneOf(['dhclient', 'dhcpcd'], 'udhcpc does no INIT-REBOOT') }, async (t) => {
      const kinds = installed.filter((kind) => kind !== 'udhcpc');
      const naksBefore = metricValue(await frontend.metrics(), 'dhcpg_packets_sent_total{family="4",type="nak"}');
      await Promise.all(kinds.map(async (kind) => {
        const { client, lease } = await obtainOn(relayed.lan, kind);
        t.ok(inRelayedPool(lease.address), `${kind} first holds ${lease.address} behind the relay`);
        await client.close();
        await lab.moveToLan(client.ns, client.ifname, relayed.lan, lan);
        // INIT-REBOOT asks for the relayed address on the wrong LAN: NAK, then DISCOVER.
        const fresh = await client.reboot(OBTAIN_MS);
        t.ok(inLanPool(fresh.address), `${kind} now holds ${fresh.address} on the LAN it was carried to`);
        t.equal(fresh.reason, 'BOUND', `${kind} went through DISCOVER again`);
        t.ok(
          frontend.logEntries().some((entry) => entry.type === 'nak' && entry.address === lease.address),
          `${kind}: the front-end logged a NAK for ${lease.address}`,
        );
      }));
      const naks = metricValue(await frontend.metrics(), 'dhcpg_packets_sent_total{family="4",type="nak"}');
      t.ok(naks >= naksBefore + kinds.length, `dhcpg_packets_sent_total{family="4",type="nak"} went from ${naksBefore} to ${naks}`);
    });
  });
});

