// A DHCPv6 front-end on loopback, driven as a relay drives it: RELAY-FORW in,
// RELAY-REPL back to the port it came from, for every message type it serves.
import t, { type Test } from 'tap';
import dgram from 'node:dgram';
import { applyConfig } from '../../src/config/apply.ts';
import { readDhcp6 } from '../../src/config/dhcp6.ts';
import { iaNaOption, iaPdOption, type IaNa, type IaPd } from '../../src/dhcp6/ia.ts';
import {
  ADVERTISE, CONFIRM, decodePacket6, encodePacket6, iaNas, iaPds, INFORMATION_REQUEST, isRelay, OPTION_CLIENTID,
  OPTION_INTERFACE_ID, OPTION_ORO, OPTION_SERVERID, RELAY_FORW, RELEASE, RENEW, REPLY, REQUEST, serverId, SOLICIT,
  type Dhcp6Message, type Dhcp6Relay,
} from '../../src/dhcp6/packet.ts';
import { leaseEngine6 } from '../../src/engine/lease-engine6.ts';
import { loadFrontendConfig } from '../../src/server/config-cache.ts';
import { startFrontend, type Frontend } from '../../src/server/frontend.ts';
import { createHandler6 } from '../../src/server/handler6.ts';
import { testDatabase } from '../helpers/db.ts';
import { metricValue } from '../helpers/dhcpg-netns.ts';

const DNS_SERVERS = 23;
const STATUS_CODE = 13;
const DUID = Buffer.from('00030001020000000001', 'hex');

const config = {
  'preferred-lifetime': 3000,
  'valid-lifetime': 4000,
  'option-data': [{ name: 'dns-servers', data: '2001:db8::53' }],
  subnet6: [{
    id: 1,
    subnet: '2001:db8:1::/64',
    pools: [{ pool: '2001:db8:1::100 - 2001:db8:1::1ff' }],
    'pd-pools': [{ prefix: '2001:db8:8000::', 'prefix-len': 48, 'delegated-len': 56 }],
  }],
};

const na = (addresses: IaNa['addresses'] = []): IaNa => ({ iaid: 1, t1: 0, t2: 0, addresses, options: [] });
const pd = (prefixes: IaPd['prefixes'] = []): IaPd => ({ iaid: 2, t1: 0, t2: 0, prefixes, options: [] });

const message = (msgType: number, xid: number, extra: Dhcp6Message['options'] = []): Dhcp6Message => ({
  msgType, transactionId: xid, options: [{ code: OPTION_CLIENTID, data: DUID }, ...extra],
});

const relayed = (inner: Dhcp6Message): Dhcp6Relay => ({
  msgType: RELAY_FORW, hopCount: 0, linkAddress: '2001:db8:1::1', peerAddress: 'fe80::2',
  options: [{ code: OPTION_INTERFACE_ID, data: Buffer.from('eth7') }], relayed: inner,
});

/** A relay on ::1: one RELAY-FORW out, the RELAY-REPL back (or nothing within a second). */
const relay = async (t: Test) => {
  const socket = dgram.createSocket('udp6');
  await new Promise<void>((resolve) => socket.bind(0, '::1', resolve));
  t.teardown(() => socket.close());
  return (port: number, packet: Dhcp6Relay | Buffer): Promise<Dhcp6Relay | undefined> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        socket.off('message', onMessage);
        resolve(undefined);
      }, 1000);
      const onMessage = (data: Buffer) => {
        clearTimeout(timer);
        socket.off('message', onMessage);
        const decoded = decodePacket6(data, 'client');
        resolve(decoded.ok && isRelay(decoded.packet) ? decoded.packet : undefined);
      };
      socket.on('message', onMessage);
      socket.send(Buffer.isBuffer(packet) ? packet : encodePacket6(packet), port, '::1');
    });
};

const innerOf = (reply: Dhcp6Relay | undefined): Dhcp6Message => reply!.relayed as Dhcp6Message;

t.test('relayed SOLICIT, REQUEST, RENEW, CONFIRM, INFORMATION-REQUEST, RELEASE', async (t) => {
  const { db, url } = await testDatabase(t);
  await applyConfig(db, { dhcp6: readDhcp6(config).config });
  const frontend: Frontend = await startFrontend({ url, port: 0, address: '127.0.0.1', port6: 0, address6: '::1', http: { host: '127.0.0.1', port: 0 } });
  t.teardown(() => frontend.close());
  const [port] = frontend.udpPorts6();
  t.ok(port, 'DHCPv6 served: the configuration has Dhcp6');
  const exchange = await relay(t);
  const [{ duid }] = await db.query<{ duid: Buffer }>('duid', 'select duid from dhcpg.server') as [{ duid: Buffer }];
  const oro = { code: OPTION_ORO, data: Buffer.from([0, DNS_SERVERS]) };

  const advertised = await exchange(port!, relayed(message(SOLICIT, 1, [iaNaOption(na()), iaPdOption(pd()), oro])));
  t.equal(advertised?.linkAddress, '2001:db8:1::1', 'answered through the relay');
  t.same(advertised?.options, [{ code: OPTION_INTERFACE_ID, data: Buffer.from('eth7') }], 'interface-id echoed');
  const advertise = innerOf(advertised);
  t.equal(advertise.msgType, ADVERTISE);
  t.equal(advertise.transactionId, 1);
  t.same(serverId(advertise), duid, 'the server DUID kept in the database');
  const address = iaNas(advertise)[0]!.addresses[0]!;
  const prefix = iaPds(advertise)[0]!.prefixes[0]!;
  t.match(address, { address: '2001:db8:1::100', preferredLifetime: 3000, validLifetime: 4000 });
  t.match(prefix, { prefix: '2001:db8:8000::', prefixLength: 56 });
  t.same(advertise.options.find((o) => o.code === DNS_SERVERS)?.data, Buffer.from('20010db8000000000000000000000053', 'hex'), 'dns-servers, as asked');

  const server = { code: OPTION_SERVERID, data: duid };
  const reply = innerOf(await exchange(port!, relayed(message(REQUEST, 2, [server, iaNaOption(na([address])), iaPdOption(pd([prefix]))]))));
  t.equal(reply.msgType, REPLY);
  t.equal(iaNas(reply)[0]!.addresses[0]!.address, '2001:db8:1::100');
  t.same(await db.query('bound', `select host(address) as address, type, state from dhcpg.leases6 order by type`), [
    { address: '2001:db8:1::100', type: 'ia_na', state: 'bound' },
    { address: '2001:db8:8000::', type: 'ia_pd', state: 'bound' },
  ]);

  const renewed = innerOf(await exchange(port!, relayed(message(RENEW, 3, [server, iaNaOption(na([address]))]))));
  t.equal(iaNas(renewed)[0]!.addresses[0]!.address, '2001:db8:1::100', 'RENEW keeps the address');

  const confirmed = innerOf(await exchange(port!, relayed(message(CONFIRM, 4, [iaNaOption(na([address]))]))));
  t.equal(confirmed.options.find((o) => o.code === STATUS_CODE)?.data.readUInt16BE(0), 0, 'CONFIRM: Success, on link');
  const elsewhere = innerOf(await exchange(port!, relayed(message(CONFIRM, 5, [iaNaOption(na([{ ...address, address: '2001:db8:9::1' }]))]))));
  t.equal(elsewhere.options.find((o) => o.code === STATUS_CODE)?.data.readUInt16BE(0), 4, 'CONFIRM elsewhere: NotOnLink');

  const info = innerOf(await exchange(port!, relayed(message(INFORMATION_REQUEST, 6, [oro]))));
  t.ok(info.options.some((o) => o.code === DNS_SERVERS), 'INFORMATION-REQUEST: the options');

  t.equal(await exchange(port!, relayed(message(REQUEST, 7, [{ code: OPTION_SERVERID, data: Buffer.from('0004aabbccddeeff', 'hex') }, iaNaOption(na())]))),
    undefined, 'a REQUEST for another server: not answered');
  t.equal(await exchange(port!, Buffer.from([12, 0, 1, 2])), undefined, 'a broken datagram: not answered');

  const released = innerOf(await exchange(port!, relayed(message(RELEASE, 8, [server, iaNaOption(na([address])), iaPdOption(pd([prefix]))]))));
  t.equal(released.msgType, REPLY);
  t.same(await db.query('released', `select state from dhcpg.leases6`), [{ state: 'released' }, { state: 'released' }]);

  const metrics = await (await fetch(`http://127.0.0.1:${frontend.httpPort}/metrics`)).text();
  t.equal(metricValue(metrics, 'dhcpg_packets_sent_total{family="6",type="advertise"}'), 1);
  t.equal(metricValue(metrics, 'dhcpg_leases_granted_total{family="6"}'), 3, 'REQUEST: an address and a prefix; RENEW: the address');
  t.equal(metricValue(metrics, 'dhcpg_drops_total{family="6",reason="other-server"}'), 1);
  t.equal(metricValue(metrics, 'dhcpg_drops_total{family="6",reason="truncated-relay-header"}'), 1);
});

t.test('rapid commit: a SOLICIT asking for it on a subnet that allows it is answered with a REPLY that binds', async (t) => {
  const { db, url } = await testDatabase(t);
  await applyConfig(db, { dhcp6: readDhcp6({ ...config, 'rapid-commit': true }).config });
  const frontend = await startFrontend({ url, port: 0, address: '127.0.0.1', port6: 0, address6: '::1' });
  t.teardown(() => frontend.close());
  const exchange = await relay(t);
  const RAPID_COMMIT = 14;
  const answer = innerOf(await exchange(frontend.udpPorts6()[0]!, relayed(message(SOLICIT, 9, [iaNaOption(na()), { code: RAPID_COMMIT, data: Buffer.alloc(0) }]))));
  t.equal(answer.msgType, REPLY);
  t.ok(answer.options.some((o) => o.code === RAPID_COMMIT), 'with the Rapid Commit option');
  t.same(await db.query('bound', `select state from dhcpg.leases6`), [{ state: 'bound' }]);
});

t.test('a client on the link sending by unicast is told UseMulticast (RFC 8415, Section 18.4)', async (t) => {
  const { db } = await testDatabase(t);
  await applyConfig(db, { dhcp6: readDhcp6({ ...config, subnet6: [{ ...config.subnet6[0], interface: 'lan0' }] }).config });
  const cache = await loadFrontendConfig(db);
  const handle = createHandler6({ engine: leaseEngine6(db), config: () => cache, clientPort: 546, ready: () => true });
  const onLan = (data: Buffer, multicast: boolean) =>
    handle({ data, from: { address: 'fe80::2', port: 546 }, interface: { name: 'lan0', address: 'fe80::1' }, multicast });
  const server = { code: OPTION_SERVERID, data: cache.duid };

  const told = await onLan(encodePacket6(message(REQUEST, 1, [server, iaNaOption(na())])), false);
  const reply = decodePacket6(told.reply!.data, 'client');
  t.ok(reply.ok);
  const answer = (reply as { packet: Dhcp6Message }).packet;
  t.equal(answer.msgType, REPLY);
  t.same(answer.options.find((o) => o.code === STATUS_CODE)?.data.readUInt16BE(0), 5, 'UseMulticast');
  t.same(iaNas(answer), [], 'and nothing else');
  t.equal((await onLan(encodePacket6(message(SOLICIT, 2, [iaNaOption(na())])), false)).drop, 'unicast', 'a unicast SOLICIT is dropped');
  const advertised = await onLan(encodePacket6(message(SOLICIT, 3, [iaNaOption(na())])), true);
  t.equal(advertised.reply?.type, 'advertise', 'the same SOLICIT to ff02::1:2 is answered');
  t.same(await db.query('none', 'select count(*)::int as n from dhcpg.lease6 where state = $1', ['bound']), [{ n: 0 }], 'nothing bound by unicast');
});
