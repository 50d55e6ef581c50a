// Byte fixtures written field by field (RFC 8415, Sections 8, 9 and 21), so
// each test says exactly which bytes it feeds the decoder. Three are the
// bytes of captures ISC published with Kea's tests (a relayed SOLICIT, a
// DOCSIS eRouter's relayed SOLICIT, a SOLICIT through two relays), written
// out here option by option.
import t, { type Test } from 'tap';
import {
  ADVERTISE,
  DROP_REASONS_6,
  INFORMATION_REQUEST,
  MAX_PACKET_SIZE_6,
  RECONFIGURE,
  RELAY_FORW,
  RELAY_REPL,
  REPLY,
  REQUEST,
  SOLICIT,
  clientFqdn,
  clientId,
  clientLinkLayerAddress,
  decodePacket6,
  elapsedTime,
  iaNas,
  iaPds,
  iaTas,
  interfaceId,
  isRelay,
  oro,
  rapidCommit,
  reconfigureAccept,
  relayChain,
  serverId,
  type DecodeResult6,
  type Dhcp6Message,
  type Dhcp6Packet,
  type Dhcp6Relay,
  type DropReason6,
  type Receiver,
} from '../../src/dhcp6/packet.ts';
import { DUID_LL, DUID_LLT, duidHardwareAddress } from '../../src/dhcp6/hardware-address.ts';
import { STATUS_NO_BINDING } from '../../src/dhcp6/ia.ts';
import { ascii, hex, option, relayHeader, u16, u32, wireName, zeros } from '../helpers/dhcp6-wire.ts';

const decoded = (result: DecodeResult6): Dhcp6Packet => {
  if (!result.ok) throw new Error(`expected a packet, got ${result.reason}: ${result.detail}`);
  return result.packet;
};
const message = (bytes: number[], receiver: Receiver = 'server'): Dhcp6Message => {
  const p = decoded(decodePacket6(Buffer.from(bytes), receiver));
  if (isRelay(p)) throw new Error('expected a client or server message');
  return p;
};
const relay = (bytes: number[]): Dhcp6Relay => {
  const p = decoded(decodePacket6(Buffer.from(bytes)));
  if (!isRelay(p)) throw new Error('expected a relay message');
  return p;
};

// Every reason a test below reaches, checked against DROP_REASONS_6 at the end.
const reached = new Set<DropReason6>();
const drops = (t: Test, bytes: number[], reason: DropReason6, detail: string | RegExp, receiver: Receiver = 'server') => {
  const result = decodePacket6(Buffer.from(bytes), receiver);
  reached.add(reason);
  t.match(result, { ok: false, reason, detail }, `${reason}: ${detail}`);
};

const MAC = [0x52, 0x54, 0x00, 0xab, 0xcd, 0xef];
/** DUID-LLT (RFC 8415, Section 11.2): type 1, Ethernet, seconds since 2000-01-01, the MAC. */
const DUID_LLT_BYTES = [...u16(1), ...u16(1), ...u32(0x2c8f3a1b), ...MAC];
/** DUID-LL (RFC 8415, Section 11.4): type 3, Ethernet, the MAC. */
const DUID_LL_BYTES = [...u16(3), ...u16(1), ...MAC];
/** A server's DUID-LL, for REQUESTs. */
const SERVER_DUID = [...u16(3), ...u16(1), 0x52, 0x54, 0x00, 0x00, 0x00, 0x01];

// A SOLICIT laid out the way ISC dhclient -6 writes one: its DUID-LLT,
// elapsed time 0, an ORO for DNS servers, domain search, FQDN and SNTP, and
// an IA_NA named after the MAC's last 4 bytes with T1 and T2 left to the server.
const dhclientSolicit = [
  SOLICIT, 0x4a, 0x3b, 0x2c, // msg-type, transaction-id 0x4a3b2c
  ...option(1, ...DUID_LLT_BYTES), // client identifier
  ...option(8, ...u16(0)), // elapsed time: 0
  ...option(6, ...u16(23), ...u16(24), ...u16(39), ...u16(31)), // ORO
  ...option(3, ...u32(0x00abcdef), ...u32(0), ...u32(0)), // IA_NA: IAID, T1, T2
];

// A SOLICIT laid out the way dhcpcd 10 writes one for an address and a /56:
// DUID-LL, rapid commit, reconfigure accept, vendor class, its FQDN (S flag,
// a partial name), an IA_NA and an IA_PD with a prefix-length hint.
const dhcpcdSolicit = [
  SOLICIT, 0x10, 0x20, 0x30,
  ...option(1, ...DUID_LL_BYTES),
  ...option(8, ...u16(150)), // elapsed time: 1.5 s
  ...option(14), // rapid commit
  ...option(20), // reconfigure accept
  ...option(16, ...u32(40712), ...u16(21), ...ascii('dhcpcd-10.0.6:Linux-6')), // vendor class: enterprise, one class
  ...option(6, ...u16(23), ...u16(24), ...u16(39), ...u16(82)), // ORO
  ...option(39, 0x01, 6, ...ascii('laptop')), // client FQDN: S flag, partial name "laptop"
  ...option(3, ...u32(0xabcdef01), ...u32(0), ...u32(0)), // IA_NA
  ...option(25, ...u32(1), ...u32(0), ...u32(0), // IA_PD, IAID 1
    ...option(26, ...u32(0), ...u32(0), 56, ...zeros(16))), // IAPREFIX hint: ::/56
];

// A SOLICIT as perfdhcp -6 -c writes one: options in code order (Kea packs
// them that way), IA_NA IAID 1 with T1 3600 and T2 5400.
const perfdhcpSolicit = [
  SOLICIT, 0x00, 0x00, 0x2a,
  ...option(1, ...DUID_LLT_BYTES),
  ...option(3, ...u32(1), ...u32(3600), ...u32(5400)),
  ...option(6, ...u16(23), ...u16(24)),
  ...option(8, ...u16(0)),
  ...option(14),
];

// The REQUEST that follows an ADVERTISE: the server's identifier, the offered
// address and prefix with the lifetimes the server gave.
const dhcpcdRequest = [
  REQUEST, 0x10, 0x20, 0x31,
  ...option(1, ...DUID_LL_BYTES),
  ...option(2, ...SERVER_DUID),
  ...option(8, ...u16(0)),
  ...option(3, ...u32(0xabcdef01), ...u32(1800), ...u32(2880),
    ...option(5, ...hex('20010db8 00010000 00000000 00000100'), ...u32(3600), ...u32(7200))), // IAADDR 2001:db8:1::100
  ...option(25, ...u32(1), ...u32(1800), ...u32(2880),
    ...option(26, ...u32(3600), ...u32(7200), 56, ...hex('20010db8 ff000000 00000000 00000000'))), // IAPREFIX 2001:db8:ff00::/56
];

// Kea's captureRelayedSolicit: one relay (hop count 5), Interface-Id "15".
const keaRelayedSolicit = [
  ...relayHeader(RELAY_FORW, 5, zeros(16), hex('fc00 0000 0000 0000 0000 0000 0000 0009')),
  ...option(18, ...ascii('15')), // interface-id
  ...option(9, // relay message
    SOLICIT, 0x05, 0x17, 0x10,
    ...option(1, ...u16(1), ...u16(1), ...u32(0x51b5e462), 0x08, 0x00, 0x27, 0x58, 0xf1, 0xe8), // DUID-LLT
    ...option(3, ...u32(1), ...u32(0), ...u32(0)), // IA_NA
    ...option(6, ...u16(7)), // ORO: preference
  ),
];

// Kea's captureeRouterRelayedSolicit: a DOCSIS CMTS relaying an eRouter's
// SOLICIT for an address and a /56, with the Relay Message option first and
// CableLabs vendor options on both sides.
const cableLabs = (...subOptions: number[]) => [...u32(4491), ...subOptions];
const keaERouterSolicit = [
  ...relayHeader(RELAY_FORW, 0, hex('20010558 ffa80000 00000000 00000001'), hex('fe800000 00000000 22e52aff feb81515')),
  ...option(9,
    SOLICIT, 0xa9, 0x00, 0x44,
    ...option(14), // rapid commit
    ...option(20), // reconfigure accept
    ...option(6, ...u16(17), ...u16(23), ...u16(24), ...u16(25)),
    ...option(16, ...cableLabs(...u16(10), ...ascii('eRouter1.0'))), // vendor class
    ...option(17, ...cableLabs( // vendor-specific information
      ...option(2, ...ascii('EROUTER')),
      ...option(3, ...ascii('ECM:EROUTER')),
      ...option(4, ...ascii('2BR229U40044C')),
      ...option(5, ...ascii('1.04')),
      ...option(6, ...ascii('V1.33.03')),
      ...option(7, ...ascii('2.3.0R2')),
      ...option(8, ...ascii('00095B')),
      ...option(9, ...ascii('CG3000DCR')),
      ...option(10, ...ascii('Netgear')),
    )),
    ...option(1, ...u16(3), ...u16(1), 0x20, 0xe5, 0x2a, 0xb8, 0x15, 0x15), // DUID-LL
    ...option(25, ...hex('2ab81515'), ...u32(0), ...u32(0), ...option(26, ...u32(0), ...u32(0), 56, ...zeros(16))),
    ...option(3, ...hex('2ab81515'), ...u32(0), ...u32(0)),
    ...option(8, ...u16(0)),
  ),
  ...option(17, ...cableLabs(...option(1026, 0x20, 0xe5, 0x2a, 0xb8, 0x15, 0x14), ...option(1025, 1, 2, 3, 0))),
  ...option(18, ...u32(0x22)), // interface-id
  ...option(37, ...u32(4115), ...hex('00015c228d4110000122')), // remote-id: Arris
  ...option(53, ...hex('0003000100015c228d3d')), // relay-id
];

// Kea's captureRelayed2xRSOO: a SOLICIT through two relays of different
// vendors. The first relay (inner) writes the Relay Message option last, the
// second (outer) first.
const PEER = hex('fe800000 00000000 020021ff fe5c18a9');
const keaTwiceRelayed = [
  ...relayHeader(RELAY_FORW, 1, hex('20010888 0db80001 00000000 00000000'), PEER),
  ...option(9,
    ...relayHeader(RELAY_FORW, 0, zeros(16), PEER),
    ...option(66, ...option(255, 1, 2, 3, 4), ...option(256, 1, 2, 3, 4, 5, 6, 7, 8, 9)), // RSOO
    ...option(37, ...u32(3561)), // remote-id, no data
    ...option(9,
      SOLICIT, 0x6b, 0x4f, 0xe2,
      ...option(1, ...u16(1), ...u16(1), ...hex('18b03341 0000215c18a9')),
      ...option(3, ...u32(1), ...u32(0xffffffff), ...u32(0xffffffff)),
      ...option(8, ...u16(0)),
      ...option(6, ...u16(23), ...u16(242), ...u16(243)),
    ),
  ),
  ...option(18, ...ascii('ISAM144|299|ipv6|nt:vp:1:110')), // interface-id
  ...option(37, ...u32(6527), ...hex('0001000118b033410000215c18a9')), // remote-id
];

t.test('client messages', async (t) => {
  const dhclient = message(dhclientSolicit);
  t.equal(dhclient.msgType, SOLICIT);
  t.equal(dhclient.transactionId, 0x4a3b2c);
  t.same(dhclient.options.map((o) => o.code), [1, 8, 6, 3], 'options kept in wire order');
  t.same([...clientId(dhclient)!], DUID_LLT_BYTES);
  t.equal(serverId(dhclient), undefined);
  t.same(oro(dhclient), [23, 24, 39, 31]);
  t.equal(elapsedTime(dhclient), 0);
  t.same(iaNas(dhclient), [{ iaid: 0x00abcdef, t1: 0, t2: 0, addresses: [], options: [] }]);
  t.same(iaPds(dhclient), []);
  t.equal(rapidCommit(dhclient), false);
  t.equal(clientFqdn(dhclient), undefined);

  const dhcpcd = message(dhcpcdSolicit);
  t.equal(elapsedTime(dhcpcd), 150);
  t.equal(rapidCommit(dhcpcd), true);
  t.equal(reconfigureAccept(dhcpcd), true);
  t.same(clientFqdn(dhcpcd), { name: 'laptop' }, 'a partial name has no final dot');
  t.same(iaNas(dhcpcd).map((ia) => ia.iaid), [0xabcdef01]);
  t.same(iaPds(dhcpcd), [{
    iaid: 1, t1: 0, t2: 0, options: [],
    prefixes: [{ prefix: '::', prefixLength: 56, preferredLifetime: 0, validLifetime: 0, options: [] }],
  }]);

  const perfdhcp = message(perfdhcpSolicit);
  t.same(iaNas(perfdhcp), [{ iaid: 1, t1: 3600, t2: 5400, addresses: [], options: [] }]);
  t.same(oro(perfdhcp), [23, 24]);
  t.equal(rapidCommit(perfdhcp), true);

  const request = message(dhcpcdRequest);
  t.same([...serverId(request)!], SERVER_DUID);
  t.same(iaNas(request), [{
    iaid: 0xabcdef01, t1: 1800, t2: 2880, options: [],
    addresses: [{ address: '2001:db8:1::100', preferredLifetime: 3600, validLifetime: 7200, options: [] }],
  }]);
  t.same(iaPds(request)[0]?.prefixes, [
    { prefix: '2001:db8:ff00::', prefixLength: 56, preferredLifetime: 3600, validLifetime: 7200, options: [] },
  ]);

  const inform = message([INFORMATION_REQUEST, 1, 2, 3, ...option(8, ...u16(0)), ...option(6, ...u16(23))]);
  t.equal(inform.msgType, INFORMATION_REQUEST);
  t.equal(clientId(inform), undefined, 'an INFORMATION-REQUEST may leave its identifier out');
  t.same(message([SOLICIT, 0, 0, 0]).options, [], 'a header alone is a message');
});

t.test('relayed messages', async (t) => {
  const one = relay(keaRelayedSolicit);
  t.match(one, { msgType: RELAY_FORW, hopCount: 5, linkAddress: '::', peerAddress: 'fc00::9' });
  t.same(one.options.map((o) => o.code), [18], 'the Relay Message option is not among the relay options');
  t.same([...interfaceId(one)!], ascii('15'));
  const { message: solicit, relays } = relayChain(one);
  t.same(relays, [one]);
  t.equal(solicit.transactionId, 0x051710);
  t.same(oro(solicit), [7]);

  const eRouter = relay(keaERouterSolicit);
  t.match(eRouter, { hopCount: 0, linkAddress: '2001:558:ffa8::1', peerAddress: 'fe80::22e5:2aff:feb8:1515' });
  t.same(eRouter.options.map((o) => o.code), [17, 18, 37, 53], 'relay options in order, whichever side of the relayed message');
  t.same([...interfaceId(eRouter)!], u32(0x22));
  const inner = relayChain(eRouter).message;
  t.same(inner.options.map((o) => o.code), [14, 20, 6, 16, 17, 1, 25, 3, 8]);
  t.same(iaPds(inner)[0]?.prefixes.map((p) => `${p.prefix}/${p.prefixLength}`), ['::/56']);
  t.same(duidHardwareAddress(clientId(inner)!), { hwType: 1, address: Buffer.from([0x20, 0xe5, 0x2a, 0xb8, 0x15, 0x15]) });

  const twice = relay(keaTwiceRelayed);
  const chain = relayChain(twice);
  t.same(chain.relays.map((r) => [r.hopCount, r.linkAddress, r.peerAddress]), [
    [1, '2001:888:db8:1::', 'fe80::200:21ff:fe5c:18a9'],
    [0, '::', 'fe80::200:21ff:fe5c:18a9'],
  ], 'outermost first');
  t.same(chain.relays.map((r) => r.options.map((o) => o.code)), [[18, 37], [66, 37]]);
  t.equal(interfaceId(chain.relays[1]!), undefined, 'the first relay sent no Interface-Id');
  t.same(iaNas(chain.message), [{ iaid: 1, t1: 0xffffffff, t2: 0xffffffff, addresses: [], options: [] }]);
  t.same(oro(chain.message), [23, 242, 243]);

  const reply = decoded(decodePacket6(Buffer.from([
    ...relayHeader(RELAY_REPL, 0, zeros(16), PEER),
    ...option(9, REPLY, 1, 2, 3, ...option(2, ...SERVER_DUID)),
  ]), 'client'));
  t.match(reply, { msgType: RELAY_REPL, relayed: { msgType: REPLY, transactionId: 0x010203 } }, 'a relay takes RELAY-REPL');
});

const wrap = (inner: number[], layers: number): number[] =>
  Array.from({ length: layers }).reduce<number[]>(
    (relayed, _, index) => [...relayHeader(RELAY_FORW, index, zeros(16), PEER), ...option(9, ...relayed)],
    inner,
  );

t.test('relay nesting is bounded (RFC 8415, Sections 7.6 and 19.1.1)', async (t) => {
  const nine = relay(wrap(dhclientSolicit, 9));
  t.equal(relayChain(nine).relays.length, 9, 'nine relays: hop counts 0 to 8, as many as compliant relays make');
  t.equal(relayChain(nine).message.transactionId, 0x4a3b2c);
  drops(t, wrap(dhclientSolicit, 10), 'relay-too-deep', 'relay 1: relay 2: relay 3: relay 4: relay 5: relay 6: relay 7: relay 8: relay 9: more than 9 relay messages deep');
  drops(t, wrap(dhclientSolicit, 300), 'relay-too-deep', /more than 9 relay messages deep$/);
});

t.test('drop reasons', async (t) => {
  drops(t, zeros(MAX_PACKET_SIZE_6 + 1), 'oversize', '65528 bytes, more than 65527');
  drops(t, [], 'truncated-header', 'no bytes');
  drops(t, [SOLICIT, 1, 2], 'truncated-header', '3 bytes, the header takes 4');
  drops(t, relayHeader(RELAY_FORW, 0, zeros(16), PEER).slice(0, 33), 'truncated-relay-header', 'relay 1: 33 bytes, the header takes 34');
  drops(t, [0, 1, 2, 3], 'unknown-message-type', 'message type 0');
  drops(t, [14, 1, 2, 3], 'unknown-message-type', 'message type 14');
  drops(t, [255, 1, 2, 3], 'unknown-message-type', 'message type 255');
  for (const type of [ADVERTISE, REPLY, RECONFIGURE, RELAY_REPL]) {
    drops(t, [type, 1, 2, 3], 'wrong-direction', /is not sent to a server$/);
  }
  drops(t, [SOLICIT, 1, 2, 3], 'wrong-direction', 'SOLICIT is not sent to a client', 'client');
  drops(t, wrap(dhclientSolicit, 1), 'wrong-direction', 'RELAY-FORW is not sent to a client', 'client');
  drops(t, wrap([ADVERTISE, 1, 2, 3], 1), 'wrong-direction', 'relay 1: ADVERTISE is not sent to a server');
  drops(t, [SOLICIT, 1, 2, 3, 0, 1, 0], 'option-overrun', 'SOLICIT: 3 bytes at offset 4, too few for an option header');
  drops(t, [SOLICIT, 1, 2, 3, 0, 1, 0, 4, 1, 2, 3], 'option-overrun', 'SOLICIT: option 1 at offset 4 claims 4 bytes, 3 left');
  drops(t, [...relayHeader(RELAY_FORW, 0, zeros(16), PEER), 0, 18, 0, 9, 1], 'option-overrun', 'relay 1: option 18 at offset 34 claims 9 bytes, 1 left');
  drops(t, [...dhclientSolicit.slice(0, 4), ...option(3, ...u32(1), ...u32(0), ...u32(0), 0, 5, 0, 30)], 'option-overrun',
    'SOLICIT: IA_NA: option 5 at offset 12 claims 30 bytes, 0 left');
  drops(t, [SOLICIT, 1, 2, 3, ...option(3, ...u32(1), ...u32(0), ...u32(0),
    ...option(5, ...zeros(24), 0, 13, 0, 8, 0))], 'option-overrun', 'SOLICIT: IA_NA: IAADDR: option 13 at offset 24 claims 8 bytes, 1 left');
  // Kea's captureSolicitWithTruncatedVIVSO: vendor options claiming 1 byte, 3 more after it.
  drops(t, [0x01, 0xba, 0x04, 0x8e, ...option(1, ...hex('0003000108002725d3f4')),
    ...option(3, ...hex('00aabbcc'), ...u32(0), ...u32(0), ...option(5, ...zeros(24))),
    ...option(6, ...u16(0xd1), ...u16(0xd2), ...u16(12)), ...u16(17), ...u16(1), ...hex('00001e61')],
  'option-overrun', 'SOLICIT: 3 bytes at offset 77, too few for an option header');
  drops(t, [...relayHeader(RELAY_FORW, 0, zeros(16), PEER), ...option(18, 1)], 'no-relay-message', 'relay 1 carries no message');
  drops(t, [...relayHeader(RELAY_FORW, 0, zeros(16), PEER), ...option(9, ...dhclientSolicit), ...option(9, ...dhclientSolicit)],
    'duplicate-relay-message', 'relay 1 carries 2 messages');
  drops(t, wrap([], 1), 'truncated-header', 'relay 1: no bytes');
  drops(t, [SOLICIT, 1, 2, 3, ...option(3, ...zeros(11))], 'bad-ia', 'SOLICIT: IA_NA of 11 bytes, its fixed part takes 12');
  drops(t, [SOLICIT, 1, 2, 3, ...option(25, ...zeros(11))], 'bad-ia', 'SOLICIT: IA_PD of 11 bytes, its fixed part takes 12');
  drops(t, [SOLICIT, 1, 2, 3, ...option(4, ...zeros(3))], 'bad-ia', 'SOLICIT: IA_TA of 3 bytes, its fixed part takes 4');
  drops(t, [SOLICIT, 1, 2, 3, ...option(3, ...zeros(12), ...option(5, ...zeros(23)))], 'bad-iaaddr', 'SOLICIT: IA_NA: IAADDR of 23 bytes, its fixed part takes 24');
  drops(t, [SOLICIT, 1, 2, 3, ...option(4, ...zeros(4), ...option(5, ...zeros(16)))], 'bad-iaaddr', 'SOLICIT: IA_TA: IAADDR of 16 bytes, its fixed part takes 24');
  drops(t, [SOLICIT, 1, 2, 3, ...option(25, ...zeros(12), ...option(26, ...zeros(24)))], 'bad-iaprefix', 'SOLICIT: IA_PD: IAPREFIX of 24 bytes, its fixed part takes 25');
  drops(t, [SOLICIT, 1, 2, 3, ...option(25, ...zeros(12), ...option(26, ...zeros(8), 129, ...zeros(16)))], 'bad-iaprefix', 'SOLICIT: IA_PD: IAPREFIX with prefix length 129');
  drops(t, [SOLICIT, 1, 2, 3, ...option(3, ...zeros(12), ...option(13, 0))], 'bad-status-code', 'SOLICIT: IA_NA: status code of 1 bytes, its code takes 2');
  drops(t, [SOLICIT, 1, 2, 3, ...option(3, ...zeros(12), ...option(13, 0, 0), ...option(13, 0, 1))], 'bad-status-code', 'SOLICIT: IA_NA: more than one status code');
  drops(t, wrap([SOLICIT, 1, 2, 3, ...option(25, ...zeros(11))], 2), 'bad-ia', 'relay 1: relay 2: SOLICIT: IA_PD of 11 bytes, its fixed part takes 12');
});

t.test('every drop reason is reached above', async (t) => {
  t.same([...DROP_REASONS_6].filter((reason) => !reached.has(reason)), []);
});

t.test('what IAs carry', async (t) => {
  const solicit = message([SOLICIT, 1, 2, 3,
    ...option(3, ...u32(7), ...u32(100), ...u32(200),
      ...option(5, ...hex('20010db8 00000000 00000000 00000001'), ...u32(300), ...u32(400), ...option(13, ...u16(0), ...ascii('fine'))),
      ...option(13, ...u16(STATUS_NO_BINDING), ...Buffer.from('pas trouvé', 'utf8')),
      ...option(5, ...hex('20010db8 00000000 00000000 00000002'), ...u32(0xffffffff), ...u32(0xffffffff)),
      ...option(99, 1, 2)),
    ...option(3, ...u32(8), ...u32(0), ...u32(0)),
    ...option(4, ...u32(9), ...option(5, ...hex('fe800000 00000000 00000000 00000003'), ...u32(0), ...u32(0))),
    ...option(25, ...u32(10), ...u32(0), ...u32(0),
      ...option(26, ...u32(0), ...u32(0), 48, ...hex('20010db8 00ff00ff 00000000 000000ff'))),
  ]);
  t.same(iaNas(solicit), [
    {
      iaid: 7, t1: 100, t2: 200,
      addresses: [
        { address: '2001:db8::1', preferredLifetime: 300, validLifetime: 400, status: { code: 0, message: 'fine' }, options: [] },
        { address: '2001:db8::2', preferredLifetime: 0xffffffff, validLifetime: 0xffffffff, options: [] },
      ],
      status: { code: STATUS_NO_BINDING, message: 'pas trouvé' },
      options: [{ code: 99, data: Buffer.of(1, 2) }],
    },
    { iaid: 8, t1: 0, t2: 0, addresses: [], options: [] },
  ], 'several IA_NAs, several addresses each, in order; the status message is UTF-8');
  t.same(iaTas(solicit), [{ iaid: 9, addresses: [{ address: 'fe80::3', preferredLifetime: 0, validLifetime: 0, options: [] }], options: [] }]);
  t.same(iaPds(solicit)[0]?.prefixes[0], { prefix: '2001:db8:ff::', prefixLength: 48, preferredLifetime: 0, validLifetime: 0, options: [] },
    'bits past the prefix length are ignored (RFC 8415, Section 21.22)');
});

t.test('getters on malformed or unusual options', async (t) => {
  const m = (...options: number[][]) => message([SOLICIT, 0, 0, 1, ...options.flat()]);
  t.equal(clientId(m(option(1, 0, 1))), undefined, 'a DUID of 2 bytes has no identifier');
  t.equal(clientId(m(option(1, ...zeros(131)))), undefined, 'a DUID over 130 bytes');
  t.equal(clientId(m(option(1, ...zeros(130))))?.length, 130, 'the longest DUID');
  t.equal(clientId(m(option(1, ...DUID_LL_BYTES), option(1, ...DUID_LLT_BYTES))), undefined, 'two identifiers: which one is unknown');
  t.same([...serverId(m(option(2, 0, 3, 0)))!], [0, 3, 0], 'the shortest DUID: a type and one byte');
  t.same(oro(m(option(6, 0, 23, 0))), [], 'an odd ORO');
  t.same(oro(m()), [], 'no ORO');
  t.equal(elapsedTime(m(option(8, 0))), undefined, 'elapsed time of 1 byte');
  t.equal(elapsedTime(m(option(8, 0xff, 0xff))), 0xffff);
  t.equal(rapidCommit(m(option(14))), true);
  t.equal(reconfigureAccept(m()), false);
  t.same(clientFqdn(m(option(39, 0x01, ...wireName('pc', 'example', 'org')))), { name: 'pc.example.org.' }, 'fully qualified: a final dot');
  t.equal(clientFqdn(m(option(39, 0x01))), undefined, 'flags only: no name');
  t.equal(clientFqdn(m(option(39, 0x01, 0))), undefined, 'the root alone: no name');
  t.same(clientFqdn(m(option(39))), { problem: 'malformed' }, 'no flags byte');
  t.same(clientFqdn(m(option(39, 0, 5, ...ascii('abc')))), { problem: 'malformed' }, 'label runs past the end');
  t.same(clientFqdn(m(option(39, 0, 1, 0x61, 0, 1, 0x62))), { problem: 'malformed' }, 'bytes after the root label');
  t.same(clientFqdn(m(option(39, 0, 1, 0x61, 0xc0, 0x00))), { problem: 'malformed' }, 'compression is not allowed (RFC 4704, Section 4.2)');
  t.same(clientFqdn(m(option(39, 0, 2, 0x61, 0, 0))), { problem: 'nul-byte' });
  t.same(clientFqdn(m(option(39, 0, 2, 0xff, 0xfe, 0))), { problem: 'invalid-utf8' });
});

t.test('hardware addresses (RFC 8415, Sections 11.2 and 11.4; RFC 6939)', async (t) => {
  const mac = Buffer.from(MAC);
  t.same(duidHardwareAddress(Buffer.from(DUID_LLT_BYTES)), { hwType: 1, address: mac }, 'DUID-LLT');
  t.same(duidHardwareAddress(Buffer.from(DUID_LL_BYTES)), { hwType: 1, address: mac }, 'DUID-LL');
  t.equal(DUID_LLT, 1);
  t.equal(DUID_LL, 3);
  t.equal(duidHardwareAddress(Buffer.from([...u16(2), ...u32(9), 1, 2, 3])), undefined, 'DUID-EN holds none');
  t.equal(duidHardwareAddress(Buffer.from([...u16(4), ...zeros(16)])), undefined, 'DUID-UUID holds none');
  t.equal(duidHardwareAddress(Buffer.from([...u16(3), ...u16(1)])), undefined, 'DUID-LL without an address');
  t.equal(duidHardwareAddress(Buffer.from([...u16(1), ...u16(1), ...u32(0)])), undefined, 'DUID-LLT without an address');
  t.equal(duidHardwareAddress(Buffer.of(0, 3, 0)), undefined, 'cut short');

  const relayed = relay([
    ...relayHeader(RELAY_FORW, 0, zeros(16), PEER),
    ...option(79, ...u16(1), ...MAC), // client link-layer address: Ethernet
    ...option(9, ...dhclientSolicit),
  ]);
  t.same(clientLinkLayerAddress(relayed), { hwType: 1, address: mac });
  t.equal(clientLinkLayerAddress(relay(keaRelayedSolicit)), undefined, 'absent');
  t.equal(clientLinkLayerAddress(relay([...relayHeader(RELAY_FORW, 0, zeros(16), PEER), ...option(79, 0, 1), ...option(9, ...dhclientSolicit)])),
    undefined, 'a type without an address');
});

t.test('the decoded packet owns its bytes', async (t) => {
  const datagram = Buffer.from(dhclientSolicit);
  const p = message([...datagram]);
  const again = decoded(decodePacket6(datagram));
  datagram.fill(0);
  t.same([...clientId(again as Dhcp6Message)!], DUID_LLT_BYTES, 'reusing the receive buffer changes nothing');
  t.same([...clientId(p)!], DUID_LLT_BYTES);
});
