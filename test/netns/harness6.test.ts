// Self-test of the DHCPv6 namespace harness: IPv6 on namespaces
// (test/helpers/netns6.ts), the real DHCPv6 clients (dhcp6-clients.ts),
// dhcrelay -6 (dhcrelay6.ts) and perfdhcp -6 (src/bench/perfdhcp.ts).
//
// The clients need a DHCPv6 server to talk to, and until dhcpg serves
// DHCPv6 the reference is ISC Kea (kea-dhcp6). Kea is used on purpose and
// only here: it is not in test/helpers/debian-packages.txt, and every test
// that needs it skips, saying so, when /usr/sbin/kea-dhcp6 is missing
// (apt-get install kea-dhcp6-server, with the service kept from starting).
// It runs as a plain process in a server namespace: its config, lease file,
// pid and lock files in a temp dir, started and stopped by PID. The tests
// of the harness itself (addresses, link-local, multicast across a LAN,
// routes) need no server. Without root or the Debian packages everything
// skips with the reason.
import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { commandAvailable } from '../helpers/dhcp-clients.ts';
import {
  CLIENT6_KINDS, client6Available, createClient6, type Client6Kind, type Dhcp6Client,
} from '../helpers/dhcp6-clients.ts';
import { dhcrelayInterfaceId, startDhcrelay6 } from '../helpers/dhcrelay6.ts';
import { exec, netnsAvailable, Topology, type SpawnedProcess } from '../helpers/netns.ts';
import {
  addLan6, addNamespace6, addresses6, globalAddresses6, hostOnLan6, macAddress, plugIntoLan6, relayedLan6, routes6,
} from '../helpers/netns6.ts';
import { parsePerfdhcpReport, runPerfdhcp } from '../helpers/perfdhcp.ts';

const OBTAIN_MS = 15_000;
/** Short enough for a renewal within a test: dhclient renews only at T1. */
const TIMERS = { 'renew-timer': 3, 'rebind-timer': 5, 'preferred-lifetime': 8, 'valid-lifetime': 10 } as const;
/** DUID-EN of enterprise 32473 (documentation, RFC 5612), so the tests know the server's DUID. */
const KEA_SERVER_ID = { type: 'EN', 'enterprise-id': 32473, identifier: '0102030405060708', persist: false } as const;
const KEA_DUID = `0002${(32473).toString(16).padStart(8, '0')}0102030405060708`;

const availability = await netnsAvailable();
const noNetns = availability.ok ? false : availability.reason;

const missing = async (command: string, what: string): Promise<string | false> =>
  (await commandAvailable(command)) ? false : `${what} is not installed`;

const noKea = await missing('kea-dhcp6', 'kea-dhcp6 (the reference DHCPv6 server: apt-get install kea-dhcp6-server)');

/** True when address (text) lies in prefix/length; both IPv6, compared by their leading bits. */
const inPrefix = (address: string, prefix: string, length: number): boolean => {
  const bits = (text: string): bigint => {
    const [head = '', tail = ''] = text.split('::');
    const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
    const all = [...groups(head), ...new Array<string>(8 - groups(head).length - groups(tail).length).fill('0'), ...groups(tail)];
    return all.reduce((value, group) => (value << 16n) | BigInt(`0x${group}`), 0n);
  };
  const shift = BigInt(128 - length);
  return bits(address) >> shift === bits(prefix) >> shift;
};

const iaidFromMac = (mac: string): number => Number.parseInt(mac.split(':').slice(2).join(''), 16);

t.test('perfdhcp -6 report parser', async (t) => {
  const stats = (sent: number, received: number): string =>
    `sent packets: ${sent}\nreceived packets: ${received}\ndrops: ${sent - received}\ndrops ratio: 0 %\n` +
    'orphans: 0\nrejected leases: 0\nnon unique addresses: 0\n\nmin delay: 0.150 ms\navg delay: 0.300 ms\n' +
    'max delay: 0.900 ms\nstd deviation: 0.100 ms\ncollected packets: 0\n\n';
  const report =
    '***Rate statistics***\nRate: 2.4974 4-way exchanges/second, expected rate: 5\n\n' +
    '***Malformed Packets***\nMalformed packets: 0\n' +
    `***Statistics for: SOLICIT-ADVERTISE***\n${stats(5, 5)}***Statistics for: REQUEST-REPLY***\n${stats(5, 4)}`;
  const parsed = parsePerfdhcpReport(report);
  t.same(parsed.rate, { achieved: 2.4974, expected: 5 });
  t.match(parsed.discoverOffer, { sent: 5, received: 5, drops: 0, minDelayMs: 0.15 });
  t.match(parsed.requestAck, { sent: 5, received: 4, drops: 1 });
});

t.test('IPv6 on namespaces', { skip: noNetns }, async (t) => {
  const topology = await Topology.create();
  t.teardown(() => topology.cleanup());

  t.test('hosts on a LAN: addresses, link-local, multicast to ff02::1:2', async (t) => {
    const lan = await addLan6(topology);
    const server = await hostOnLan6(topology, lan, { ifname: 'lan0', addresses: ['2001:db8:1::1/64'] });
    const client = await hostOnLan6(topology, lan);
    t.match(client.linkLocal, /^fe80::/);
    const serverAddresses = await addresses6(server.ns, 'lan0');
    t.match(serverAddresses, [{ address: '2001:db8:1::1', prefixLength: 64, scope: 'global', tentative: false }]);
    t.ok(serverAddresses.some((a) => a.scope === 'link' && !a.tentative), 'the server has a usable link-local address');
    t.same(await globalAddresses6(client.ns, 'eth0'), [], 'the client has no global address');
    t.same(
      (await routes6(server.ns)).map((r) => `${r.dst} ${r.dev}`).sort(),
      ['2001:db8:1::/64 lan0', 'fe80::/64 lan0'],
      'the server has its prefix route, nothing else',
    );
    // DHCPv6's own path: client link-local :546 -> ff02::1:2 :547, answered to the link-local source.
    const listener = topology.spawn(server.ns, [process.execPath, '-e', `
      const s = require('dgram').createSocket({ type: 'udp6', reuseAddr: true });
      s.on('message', (m, r) => { console.log('from', r.address, r.port, String(m)); s.send('pong', r.port, r.address); });
      s.bind(547, () => { s.addMembership('ff02::1:2', '::%lan0'); console.log('ready'); });
      setTimeout(() => process.exit(0), 5000);`]);
    for (const deadline = Date.now() + 5_000; !listener.stdout().includes('ready'); ) {
      if (!listener.running() || Date.now() > deadline) throw new Error(`listener did not start: ${listener.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { stdout } = await exec(client.ns, [process.execPath, '-e', `
      const s = require('dgram').createSocket('udp6');
      s.on('message', (m, r) => { console.log(String(m), r.address); process.exit(0); });
      s.bind(546, () => s.send('ping', 547, 'ff02::1:2%eth0'));
      setTimeout(() => process.exit(1), 3000);`], { timeoutMs: 5_000 });
    t.match(stdout, new RegExp(`^pong ${server.linkLocal}`), 'answered from the server\'s link-local address');
    t.match(listener.stdout(), new RegExp(`from ${client.linkLocal}%lan0 546 ping`));
    await listener.stop();
  });

  t.test('DAD on: hostOnLan6() waits until no address is tentative', async (t) => {
    const lan = await addLan6(topology);
    const started = Date.now();
    const host = await hostOnLan6(topology, lan, { dad: true, addresses: ['2001:db8:1::7/64'] });
    t.ok(Date.now() - started >= 500, `took ${Date.now() - started} ms (DAD takes about a second)`);
    t.same((await addresses6(host.ns, 'eth0')).map((a) => [a.scope, a.tentative]), [['global', false], ['link', false]]);
  });

  t.test('a relayed LAN: the server has its link address and no route', async (t) => {
    const relayed = await relayedLan6(topology, { router: '2001:db8:2::1/64' }, {
      router: '2001:db8:ff::1/64', server: '2001:db8:ff::2/64',
    });
    t.same(await globalAddresses6(relayed.server.ns, 'eth0'), ['2001:db8:ff::2/64']);
    t.same((await routes6(relayed.server.ns)).map((r) => r.dst).sort(), ['2001:db8:ff::/64', 'fe80::/64']);
    t.same(await globalAddresses6(relayed.router, 'eth0'), ['2001:db8:2::1/64']);
    const { stdout } = await exec(relayed.router, ['sysctl', '-n', 'net.ipv6.conf.all.forwarding']);
    t.equal(stdout.trim(), '1', 'the router forwards');
  });
});

/** kea-dhcp6 as a plain process in ns. */
interface Kea6 {
  process: SpawnedProcess;
  log(): string;
  /** The lease file's rows, oldest first (a release appends a row with valid_lifetime 0). */
  leases(): Promise<Array<Record<string, string>>>;
}

const startKea6 = async (topology: Topology, ns: string, dhcp6: object, port?: number): Promise<Kea6> => {
  const dir = await topology.tempDir();
  const leaseFile = join(dir, 'kea-leases6.csv');
  const config = {
    Dhcp6: {
      ...dhcp6,
      'data-directory': dir,
      'server-id': KEA_SERVER_ID,
      'lease-database': { type: 'memfile', persist: true, name: leaseFile, 'lfc-interval': 0 },
      loggers: [
        { name: 'kea-dhcp6', output_options: [{ output: 'stdout' }], severity: 'INFO' },
        // Each packet in full (relay headers included), for what the clients and relays send.
        { name: 'kea-dhcp6.packets', output_options: [{ output: 'stdout' }], severity: 'DEBUG', debuglevel: 55 },
      ],
    },
  };
  const path = join(dir, 'kea-dhcp6.json');
  await writeFile(path, JSON.stringify(config, null, 2));
  const child = topology.spawn(ns, ['kea-dhcp6', '-c', path, ...(port ? ['-p', String(port)] : [])], {
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', KEA_LOCKFILE_DIR: dir, KEA_PIDFILE_DIR: dir },
  });
  const log = (): string => child.stdout() + child.stderr();
  for (const deadline = Date.now() + 10_000; !log().includes('DHCP6_STARTED'); ) {
    if (!child.running() || Date.now() > deadline) throw new Error(`kea-dhcp6 did not start:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (/DHCPSRV_OPEN_SOCKET_FAIL|DHCPSRV_NO_SOCKETS_OPEN/.test(log())) throw new Error(`kea-dhcp6 has no sockets:\n${log()}`);
  return {
    process: child,
    log,
    leases: async () => {
      const [header = '', ...rows] = (await readFile(leaseFile, 'utf8').catch(() => '')).trim().split('\n');
      const names = header.split(',');
      return rows.map((row) => Object.fromEntries(row.split(',').map((value, i) => [names[i] ?? `${i}`, value])));
    },
  };
};

const colonHex = (hex: string): string => hex.match(/../g)!.join(':');

t.test('real DHCPv6 clients against kea-dhcp6 (reference server)', { skip: noNetns || noKea }, async (t) => {
  const topology = await Topology.create();
  let kea: Kea6 | undefined;
  t.teardown(async () => {
    if (!t.passing()) t.comment(`kea-dhcp6 log:\n${kea?.log().split('\n').slice(-300).join('\n')}`);
    await topology.cleanup();
  });

  // One server: lan0 on a directly attached LAN, eth0 towards the router of a relayed LAN.
  const lan = await addLan6(topology);
  const relayed = await relayedLan6(topology, { router: '2001:db8:2::1/64' }, {
    router: '2001:db8:ff::1/64', server: '2001:db8:ff::2/64',
  });
  const serverNs = relayed.server.ns;
  await plugIntoLan6(topology, lan, serverNs, { ifname: 'lan0', addresses: ['2001:db8:1::1/64'] });
  kea = await startKea6(topology, serverNs, {
    // Relayed traffic reaches Kea only on a unicast address it was told to listen on.
    'interfaces-config': { interfaces: ['lan0', `eth0/${relayed.serverAddress}`] },
    ...TIMERS,
    subnet6: [
      {
        id: 1, subnet: '2001:db8:1::/64', interface: 'lan0',
        pools: [{ pool: '2001:db8:1::100 - 2001:db8:1::1ff' }],
        'pd-pools': [{ prefix: '2001:db8:100::', 'prefix-len': 40, 'delegated-len': 56 }],
      },
      {
        // Selected by the relay's link-address.
        id: 2, subnet: '2001:db8:2::/64',
        pools: [{ pool: '2001:db8:2::100 - 2001:db8:2::1ff' }],
        'pd-pools': [{ prefix: '2001:db8:200::', 'prefix-len': 40, 'delegated-len': 56 }],
      },
    ],
  });
  const server = kea;

  const joinLan = async (kind: Client6Kind, onLan = lan): Promise<{ client: Dhcp6Client; mac: string }> => {
    const host = await hostOnLan6(topology, onLan);
    return { client: await createClient6(topology, kind, host.ns, 'eth0'), mac: await macAddress(host.ns, 'eth0') };
  };
  const notInstalled = async (kind: Client6Kind): Promise<string | false> =>
    (await client6Available(kind)) ? false : `${kind} is not installed (see test/helpers/debian-packages.txt)`;
  /** Kea's newest lease-file row for address (or prefix). */
  const keaLease = async (address: string): Promise<Record<string, string> | undefined> =>
    (await server.leases()).filter((row) => row.address === address).at(-1);

  t.test('dhclient -6 -N: address, renewal at T1, release', { skip: await notInstalled('dhclient') }, async (t) => {
    const { client, mac } = await joinLan('dhclient');
    const lease = await client.obtain({ timeoutMs: OBTAIN_MS });
    t.equal(lease.reason, 'BOUND6');
    t.equal(lease.addresses.length, 1);
    t.same(lease.prefixes, []);
    const [address] = lease.addresses;
    t.ok(inPrefix(address!.address, '2001:db8:1::', 64), `${address!.address} is on the LAN's prefix`);
    t.match(address, { iaid: iaidFromMac(mac), prefixLength: 128, preferredLifetime: 8, validLifetime: 10, t1: 3, t2: 5 });
    t.equal(lease.serverId, KEA_DUID, "the server's DUID");
    t.match(lease.clientId, new RegExp(`^00010001.{8}${mac.replace(/:/g, '')}$`), 'DUID-LLT of its MAC');
    t.same(lease.reasons, ['PREINIT6', 'BOUND6']);
    t.ok((await globalAddresses6(client.ns, 'eth0')).includes(`${address!.address}/128`), 'the address is on eth0');
    t.match(await keaLease(address!.address), { duid: colonHex(lease.clientId!), iaid: String(iaidFromMac(mac)), lease_type: '0' });

    const renewed = await client.nextLease(8_000);
    t.match(renewed, { reason: 'RENEW6', addresses: [{ address: address!.address }] });

    await client.release(OBTAIN_MS);
    t.equal((await client.events()).at(-1)?.reason, 'RELEASE6');
    t.notOk((await globalAddresses6(client.ns, 'eth0')).some((a) => a.startsWith(address!.address)), 'address removed');
    t.match(await keaLease(address!.address), { valid_lifetime: '0' }, 'Kea released it');
  });

  t.test('dhclient -6 -P: a prefix, then a restart on the stored lease', { skip: await notInstalled('dhclient') }, async (t) => {
    const { client, mac } = await joinLan('dhclient');
    const lease = await client.obtain({ prefix: 56, timeoutMs: OBTAIN_MS });
    t.same(lease.addresses, []);
    t.equal(lease.prefixes.length, 1);
    const [prefix] = lease.prefixes;
    t.match(prefix, { iaid: iaidFromMac(mac), length: 56, preferredLifetime: 8, validLifetime: 10 });
    t.ok(inPrefix(prefix!.prefix, '2001:db8:100::', 40), `${prefix!.prefix}/56 is from the PD pool`);
    t.match(await keaLease(prefix!.prefix), { lease_type: '2', prefix_len: '56' });
    const rebooted = await client.reboot(OBTAIN_MS);
    t.match(rebooted, { reason: 'REBIND6', prefixes: [{ prefix: prefix!.prefix }] }, 'a prefix is rebound, not confirmed');
    await client.release(OBTAIN_MS);
    t.match(await keaLease(prefix!.prefix), { valid_lifetime: '0' }, 'Kea released the prefix');
  });

  t.test('dhclient -6 -N -P with DUID-LL: one call per IA, one IAID for both', { skip: await notInstalled('dhclient') }, async (t) => {
    const { client, mac } = await joinLan('dhclient');
    const lease = await client.obtain({ address: true, prefix: true, duid: 'LL', timeoutMs: OBTAIN_MS });
    t.equal(lease.events.length, 2, 'two hook calls');
    t.same(lease.reasons, ['PREINIT6', 'BOUND6', 'BOUND6']);
    t.equal(lease.clientId, `00030001${mac.replace(/:/g, '')}`, 'DUID-LL');
    t.equal(lease.addresses[0]?.iaid, iaidFromMac(mac));
    t.equal(lease.prefixes[0]?.iaid, iaidFromMac(mac));
    t.ok(inPrefix(lease.prefixes[0]!.prefix, '2001:db8:100::', 40));
    t.match(server.log(), new RegExp(`duid=\\[${colonHex(lease.clientId!)}\\].*SOLICIT`), 'Kea saw the DUID-LL');
    await client.release(OBTAIN_MS);
    t.match(await keaLease(lease.addresses[0]!.address), { valid_lifetime: '0' }, 'address released');
    t.match(await keaLease(lease.prefixes[0]!.prefix), { valid_lifetime: '0' }, 'prefix released');
  });

  t.test('dhcpcd -6 ia_na + ia_pd: lease, renew, release', { skip: await notInstalled('dhcpcd') }, async (t) => {
    const { client } = await joinLan('dhcpcd');
    const lease = await client.obtain({ address: true, prefix: 56, timeoutMs: OBTAIN_MS });
    t.equal(lease.reason, 'BOUND6');
    t.equal(lease.events.length, 1, 'one hook call for the whole Reply');
    t.match(lease.addresses, [{ iaid: 1, preferredLifetime: 8, validLifetime: 10, t1: 3, t2: 5 }]);
    t.match(lease.prefixes, [{ iaid: 2, length: 56, preferredLifetime: 8, validLifetime: 10 }]);
    t.equal(lease.serverId, KEA_DUID);
    const address = lease.addresses[0]!.address;
    const prefix = lease.prefixes[0]!.prefix;
    t.ok((await globalAddresses6(client.ns, 'eth0')).includes(`${address}/128`), 'dhcpcd put the address on eth0');
    t.ok(
      (await routes6(client.ns)).some((r) => r.type === 'unreachable' && r.dst === `${prefix}/56` && r.protocol === 'dhcp'),
      'and a reject route for the delegated prefix',
    );
    t.match(await client.renew(OBTAIN_MS), { reason: 'RENEW6', addresses: [{ address }], prefixes: [{ prefix }] });
    await client.release(OBTAIN_MS);
    t.same((await client.events()).slice(-2).map((e) => e.reason), ['RELEASE6', 'STOPPED']);
    t.same(await globalAddresses6(client.ns, 'eth0'), [], 'address removed');
    t.match(await keaLease(address), { valid_lifetime: '0' });
    t.match(await keaLease(prefix), { valid_lifetime: '0' });
  });

  t.test('dhcpcd -6 -1 (one-shot) ia_na, then a restart: Confirm', { skip: await notInstalled('dhcpcd') }, async (t) => {
    const { client } = await joinLan('dhcpcd');
    const lease = await client.obtain({ oneShot: true, duid: 'LL', timeoutMs: OBTAIN_MS });
    t.match(lease, { reason: 'BOUND6', prefixes: [], addresses: [{ iaid: 1 }] });
    t.match(lease.clientId, /^00030001/, 'DUID-LL');
    t.match(client.log(), /exiting due to oneshot/);
    const rebooted = await client.reboot(OBTAIN_MS);
    t.match(rebooted, { reason: 'REBOOT6', addresses: [{ address: lease.addresses[0]!.address }] });
    t.match(server.log(), new RegExp(`duid=\\[${colonHex(lease.clientId!)}\\].*CONFIRM`));
    await client.close();
  });

  const noRelay = await missing('dhcrelay', 'dhcrelay (isc-dhcp-relay)');
  t.test('behind dhcrelay -6 -I -l eth0#7', { skip: noRelay }, async (t) => {
    const relay = await startDhcrelay6(topology, relayed.router, {
      lower: [{ ifname: 'eth0', interfaceId: 7 }],
      upper: [{ ifname: 'eth1', server: relayed.serverAddress }],
      interfaceId: true,
    });
    for (const kind of CLIENT6_KINDS) {
      if (!(await client6Available(kind))) continue;
      const { client } = await joinLan(kind, relayed.lan);
      const lease = await client.obtain({ address: true, prefix: true, timeoutMs: OBTAIN_MS });
      t.ok(inPrefix(lease.addresses[0]!.address, '2001:db8:2::', 64), `${kind} got ${lease.addresses[0]!.address} on the relayed LAN`);
      t.ok(inPrefix(lease.prefixes[0]!.prefix, '2001:db8:200::', 40), `and ${lease.prefixes[0]!.prefix}/56`);
      t.equal(lease.serverId, KEA_DUID);
      await client.release(OBTAIN_MS);
      t.match(await keaLease(lease.prefixes[0]!.prefix), { valid_lifetime: '0' }, 'released through the relay');
    }
    t.ok(relay.relayedUp('Solicit') > 0 && relay.relayedUp('Request') > 0 && relay.relayedUp('Release') > 0, 'relayed up');
    t.ok(relay.relayedDown('Advertise') > 0 && relay.relayedDown('Reply') > 0, 'relayed down');
    const log = server.log();
    t.match(log, /RELAY_FORWARD\), hop-count=0,\s*link-address=2001:db8:2::1, peer-address=fe80::/, 'link-address: the relay\'s LAN address');
    t.match(log, new RegExp(`type=00018, len=00004: ${colonHex(dhcrelayInterfaceId(7).toString('hex'))}`), 'interface-id: 7 as a host-order int');
    t.match(log, /remoteAddr=\[2001:db8:ff::1\]:547/, 'from the relay\'s upstream address, port 547');
    await relay.stop();
  });

  const noPerfdhcp = await missing('perfdhcp', 'perfdhcp (kea-admin)');
  t.test('perfdhcp -6 on the LAN, multicast from eth0', { skip: noPerfdhcp }, async (t) => {
    const host = await hostOnLan6(topology, lan);
    const result = await runPerfdhcp({
      ns: host.ns, family: 6, localAddress: 'eth0', leaseType: 'address-and-prefix', rate: 5, count: 5, clients: 5, exitWaitMs: 1_000,
    });
    t.ok(result.allCompleted, result.argv.join(' '));
    t.match(result, { discoverOffer: { sent: 5, received: 5 }, requestAck: { sent: 5, received: 5, rejectedLeases: 0 } });
  });

  t.test('perfdhcp -6 relayed on loopback, server on port 10547', { skip: noPerfdhcp }, async (t) => {
    const ns = await addNamespace6(topology);
    await startKea6(topology, ns, {
      'interfaces-config': { interfaces: ['lo/::1'] },
      ...TIMERS,
      subnet6: [{
        id: 1, subnet: '2001:db8:1::/64',
        // perfdhcp -A 1 puts the -l address in link-address: ::1.
        relay: { 'ip-addresses': ['::1'] },
        pools: [{ pool: '2001:db8:1::/80' }],
        'pd-pools': [{ prefix: '2001:db8:100::', 'prefix-len': 40, 'delegated-len': 56 }],
      }],
    }, 10547);
    const run = (localPort: number) => runPerfdhcp({
      ns, family: 6, localAddress: 'lo', server: '::1', localPort, remotePort: 10547, leaseType: 'address-and-prefix',
      rate: 5, count: 5, clients: 5, exitWaitMs: 1_000,
    });
    const on547 = await run(547);
    t.ok(on547.allCompleted, on547.argv.join(' '));
    t.match(on547, { discoverOffer: { received: 5 }, requestAck: { received: 5 } });
    const elsewhere = await run(10546);
    t.match(elsewhere, { allCompleted: false, discoverOffer: { sent: 5, received: 0 } },
      'Kea answers relays at port 547 whatever port they sent from');
  });
});
