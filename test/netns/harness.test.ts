// Self-test of the namespace harness, with busybox udhcpd standing in for
// dhcpg: the three real clients on a bridged LAN, a management link to the
// root namespace, a LAN behind dhcrelay, and perfdhcp. Skips (saying why)
// without root or without the Debian packages in test/helpers/debian-packages.txt.
import { createServer, type AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { ipv4InRange } from '../../src/net/ipv4.ts';
import { exec, netnsAvailable, Topology, type SpawnedProcess } from '../helpers/netns.ts';
import {
  CLIENT_KINDS,
  clientAvailable,
  commandAvailable,
  createClient,
  type ClientKind,
  type ClientLease,
  type DhcpClient,
} from '../helpers/dhcp-clients.ts';
import { parsePerfdhcpReport, runPerfdhcp } from '../helpers/perfdhcp.ts';

const OBTAIN_MS = 15_000;


const missing = async (command: string, what: string): Promise<string | false> =>
  (await commandAvailable(command)) ? false : `${what} is not installed (see test/helpers/debian-packages.txt)`;

interface UdhcpdConfig {
  ifname: string;
  first: string;
  last: string;
  /** udhcpd "option" lines, e.g. 'router 192.0.2.1'. */
  options: string[];
}

/** busybox udhcpd in the foreground, serving one pool on one interface of ns. */
const startUdhcpd = async (topology: Topology, ns: string, config: UdhcpdConfig): Promise<SpawnedProcess> => {
  const dir = await topology.tempDir();
  const leases = join(dir, 'udhcpd.leases');
  await writeFile(leases, '');
  const lines = [
    `start ${config.first}`,
    `end ${config.last}`,
    `interface ${config.ifname}`,
    `lease_file ${leases}`,
    `pidfile ${join(dir, 'udhcpd.pid')}`,
    ...config.options.map((option) => `option ${option}`),
  ];
  await writeFile(join(dir, 'udhcpd.conf'), `${lines.join('\n')}\n`);
  // -a 100: udhcpd ARP-probes each address before offering it, 2 s by default and one at a time.
  const server = topology.spawn(ns, ['busybox', 'udhcpd', '-f', '-a', '100', join(dir, 'udhcpd.conf')]);
  for (const deadline = Date.now() + 5_000; !server.stderr().includes('started'); ) {
    if (!server.running() || Date.now() > deadline) throw new Error(`udhcpd did not start:\n${server.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return server;
};

const addressesOf = async (ns: string, ifname: string): Promise<string> =>
  (await exec(ns, ['ip', '-4', '-o', 'addr', 'show', 'dev', ifname])).stdout;

t.test('perfdhcp report parser', async (t) => {
  const stats = (sent: number, received: number, delays: string): string =>
    `sent packets: ${sent}\nreceived packets: ${received}\ndrops: ${sent - received}\ndrops ratio: 0 %\n` +
    `orphans: 0\nrejected leases: 0\nnon unique addresses: 0\n\n${delays}collected packets: 0\n\n`;
  const report =
    '***Rate statistics***\nRate: 2.4993 4-way exchanges/second, expected rate: 5\n\n' +
    '***Malformed Packets***\nMalformed packets: 0\n' +
    '***Statistics for: DISCOVER-OFFER***\n' +
    stats(10, 10, 'min delay: 0.208 ms\navg delay: 336.411 ms\nmax delay: 2017.087 ms\nstd deviation: 1.000 ms\n') +
    '***Statistics for: REQUEST-ACK***\n' +
    stats(0, 0, 'min delay: inf ms\navg delay: min delay: n/a\navg delay: n/a\nmax delay: n/a\nstd deviation: n/a\n');
  const parsed = parsePerfdhcpReport(report);
  t.same(parsed.rate, { achieved: 2.4993, expected: 5 });
  t.match(parsed.discoverOffer, { sent: 10, received: 10, drops: 0, minDelayMs: 0.208, maxDelayMs: 2017.087 });
  t.match(parsed.requestAck, { sent: 0, received: 0, minDelayMs: undefined, avgDelayMs: undefined });
});

const availability = await netnsAvailable();
const noNetns = availability.ok ? false : availability.reason;

t.test('namespaces', { skip: noNetns }, async (t) => {
  const topology = await Topology.create();
  t.teardown(() => topology.cleanup());

  t.test('management link reaches a TCP service in the root namespace', async (t) => {
    const ns = await topology.addNamespace();
    const link = await topology.addManagementLink(ns);
    t.match(link.hostAddress, /^198\.1[89]\./);
    const server = createServer((socket) => socket.end('hello from root\n'));
    await new Promise<void>((resolve) => server.listen(0, link.hostAddress, resolve));
    t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    const client =
      `require('net').connect(${port}, '${link.hostAddress}').on('data', (d) => process.stdout.write(d))` +
      `.on('error', (e) => { console.error(e.message); process.exit(1); })`;
    const { stdout } = await exec(ns, [process.execPath, '-e', client], { timeoutMs: 5_000 });
    t.equal(stdout, 'hello from root\n');
  });

  t.test('clients on a bridged LAN', { skip: await missing('busybox', 'busybox (udhcpd)') }, async (t) => {
    const lan = await topology.addBridge(await topology.addNamespace());
    const serverNs = await topology.addNamespace();
    await topology.attachToBridge(lan, { ns: serverNs, ifname: 'eth0', addresses: ['192.0.2.1/24'] });
    await startUdhcpd(topology, serverNs, {
      ifname: 'eth0',
      first: '192.0.2.100',
      last: '192.0.2.150',
      options: [
        'subnet 255.255.255.0',
        'router 192.0.2.1',
        'dns 192.0.2.53 192.0.2.54',
        'domain example.test',
        'lease 600',
      ],
    });

    const joinLan = async (kind: ClientKind) => {
      const ns = await topology.addNamespace();
      await topology.attachToBridge(lan, { ns, ifname: 'eth0' });
      return createClient(topology, kind, ns, 'eth0');
    };
    const checkLease = async (t: Test, kind: ClientKind, ns: string, lease: ClientLease): Promise<void> => {
      t.ok(ipv4InRange(lease.address, '192.0.2.100', '192.0.2.150'), `${lease.address} is in the pool`);
      t.match(lease, {
        client: kind,
        prefixLength: 24,
        mask: '255.255.255.0',
        routers: ['192.0.2.1'],
        dnsServers: ['192.0.2.53', '192.0.2.54'],
        domainName: 'example.test',
        leaseTime: 600,
        serverId: '192.0.2.1',
      });
      t.match(await addressesOf(ns, 'eth0'), `${lease.address}/24`, 'the address is on the interface');
    };
    const obtain = async (kind: ClientKind): Promise<{ client: DhcpClient; lease: ClientLease }> => {
      const client = await joinLan(kind);
      return { client, lease: await client.obtain({ timeoutMs: OBTAIN_MS }) };
    };

    const notInstalled = async (kind: ClientKind): Promise<string | false> =>
      (await clientAvailable(kind)) ? false : `${kind} is not installed (see test/helpers/debian-packages.txt)`;

    t.test('dhclient: obtain, init-reboot, release, decline', { skip: await notInstalled('dhclient') }, async (t) => {
      const { client, lease } = await obtain('dhclient');
      t.equal(lease.reason, 'BOUND');
      await checkLease(t, 'dhclient', client.ns, lease);
      const rebooted = await client.reboot(OBTAIN_MS);
      t.match(rebooted, { reason: 'REBOOT', address: lease.address });
      await client.release(OBTAIN_MS);
      t.equal((await client.events()).at(-1)?.reason, 'RELEASE');
      t.notMatch(await addressesOf(client.ns, 'eth0'), lease.address, 'released address removed');
      const afterDecline = await client.obtain({ timeoutMs: OBTAIN_MS, declineFirstOffer: true });
      const bounds = (await client.events()).filter((e) => e.reason === 'BOUND');
      t.same(bounds.slice(-2).map((e) => e.declined), [true, false], 'first lease declined, second taken');
      t.equal(afterDecline.reason, 'BOUND');
      await client.close();
    });

    t.test('udhcpc: obtain, renew, release', { skip: await notInstalled('udhcpc') }, async (t) => {
      const { client, lease } = await obtain('udhcpc');
      t.equal(lease.reason, 'bound');
      await checkLease(t, 'udhcpc', client.ns, lease);
      t.match(await client.renew(OBTAIN_MS), { reason: 'renew', address: lease.address });
      await client.release(OBTAIN_MS);
      t.notMatch(await addressesOf(client.ns, 'eth0'), lease.address, 'released address removed');
    });

    t.test('dhcpcd: obtain, renew, init-reboot, release', { skip: await notInstalled('dhcpcd') }, async (t) => {
      const { client, lease } = await obtain('dhcpcd');
      t.equal(lease.reason, 'BOUND');
      await checkLease(t, 'dhcpcd', client.ns, lease);
      t.match(await client.renew(OBTAIN_MS), { reason: 'RENEW', address: lease.address });
      t.match(await client.reboot(OBTAIN_MS), { reason: 'REBOOT', address: lease.address });
      await client.release(OBTAIN_MS);
      t.notMatch(await addressesOf(client.ns, 'eth0'), lease.address, 'released address removed');
    });

    const noPerfdhcp = await missing('perfdhcp', 'perfdhcp (kea-admin)');
    t.test('perfdhcp relays load to the server', { skip: noPerfdhcp }, async (t) => {
      const ns = await topology.addNamespace();
      await topology.attachToBridge(lan, { ns, ifname: 'eth0', addresses: ['192.0.2.10/24'] });
      const result = await runPerfdhcp({
        ns,
        server: '192.0.2.1',
        localAddress: '192.0.2.10',
        rate: 5,
        count: 5,
        clients: 5,
        dropTimeSeconds: 3,
        exitWaitMs: 2_000,
      });
      // Not every exchange need complete: perfdhcp picks one of its 5 MACs at random per
      // exchange, and udhcpd may ignore a client that starts over while its REQUEST is pending.
      t.equal(result.discoverOffer.sent, 5);
      for (const exchange of [result.discoverOffer, result.requestAck]) {
        t.ok(exchange.received > 0, 'answers came back');
        t.equal(exchange.received + exchange.drops, exchange.sent, 'every request is answered or dropped');
      }
    });
  });

  const installed = await Promise.all(
    CLIENT_KINDS.map(async (kind) => ((await clientAvailable(kind)) ? kind : undefined)),
  );
  const relayedClient = installed.find((kind) => kind !== undefined);
  const noRelay =
    (await missing('dhcrelay', 'dhcrelay (isc-dhcp-relay)')) ||
    (await missing('busybox', 'busybox (udhcpd)')) ||
    (relayedClient ? false : 'no DHCP client is installed');
  t.test('a LAN behind dhcrelay', { skip: noRelay }, async (t) => {
    const kind = relayedClient!;
    const lan = await topology.addBridge(await topology.addNamespace());
    const router = await topology.addNamespace();
    const serverNs = await topology.addNamespace();
    await topology.attachToBridge(lan, { ns: router, ifname: 'eth0', addresses: ['198.51.100.1/24'] });
    await topology.addVeth(
      { ns: router, ifname: 'eth1', addresses: ['203.0.113.1/24'] },
      { ns: serverNs, ifname: 'eth0', addresses: ['203.0.113.2/24'] },
    );
    await exec(router, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    await exec(serverNs, ['ip', 'route', 'add', '198.51.100.0/24', 'via', '203.0.113.1']);
    await startUdhcpd(topology, serverNs, {
      ifname: 'eth0',
      first: '198.51.100.100',
      last: '198.51.100.150',
      options: ['subnet 255.255.255.0', 'router 198.51.100.1', 'dns 203.0.113.53', 'lease 600'],
    });
    const relay = topology.spawn(router, ['dhcrelay', '-4', '-d', '-id', 'eth0', '-iu', 'eth1', '203.0.113.2']);

    const clientNs = await topology.addNamespace();
    await topology.attachToBridge(lan, { ns: clientNs, ifname: 'eth0' });
    const client = await createClient(topology, kind, clientNs, 'eth0');
    const lease = await client.obtain({ timeoutMs: OBTAIN_MS });
    t.ok(ipv4InRange(lease.address, '198.51.100.100', '198.51.100.150'), `${kind} got ${lease.address} through the relay`);
    t.match(lease, { serverId: '203.0.113.2', routers: ['198.51.100.1'], dnsServers: ['203.0.113.53'] });
    t.match(relay.stderr() + relay.stdout(), /Forwarded BOOTREQUEST .* to 203\.0\.113\.2/);
    t.match(relay.stderr() + relay.stdout(), /BOOTREPLY giaddr: 198\.51\.100\.1/);
    await client.release(OBTAIN_MS);
  });
});
