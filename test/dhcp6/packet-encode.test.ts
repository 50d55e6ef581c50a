// The answers a server writes, compared byte for byte with layouts written
// field by field (RFC 8415, Sections 8, 9 and 21), and decoded back.
import t from 'tap';
import {
  ADVERTISE,
  RELAY_FORW,
  RELAY_REPL,
  REPLY,
  SOLICIT,
  decodePacket6,
  encodePacket6,
  iaNas,
  iaPds,
  relayReplyTo,
  replyFromRequest,
  type Dhcp6Message,
  type Dhcp6Packet,
  type Dhcp6Relay,
} from '../../src/dhcp6/packet.ts';
import {
  INFINITY,
  STATUS_NO_ADDRS_AVAIL,
  STATUS_NO_PREFIX_AVAIL,
  STATUS_SUCCESS,
  iaNaOption,
  iaPdOption,
  iaTaOption,
  statusCodeOption,
  type IaNa,
  type IaPd,
} from '../../src/dhcp6/ia.ts';
import { encodeOptionData6, optionByName6 } from '../../src/dhcp6/options.ts';
import { ascii, hex, option, relayHeader, u16, u32, zeros } from '../helpers/dhcp6-wire.ts';

const CLIENT_DUID = [...u16(3), ...u16(1), 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef];
const SERVER_DUID = [...u16(1), ...u16(1), ...u32(0x2c8f3a1b), 0x52, 0x54, 0x00, 0x00, 0x00, 0x01];
const configured = (name: string, data: string) => {
  const definition = optionByName6(name);
  if (!definition) throw new Error(`no option ${name}`);
  return { code: definition.code, data: encodeOptionData6(definition, data) };
};

/** A SOLICIT for an address and a prefix, as the decoder gives it. */
const solicit = (): Dhcp6Message => ({
  msgType: SOLICIT,
  transactionId: 0x102030,
  options: [
    { code: 1, data: Buffer.from(CLIENT_DUID) },
    { code: 8, data: Buffer.of(0, 0) },
    { code: 3, data: Buffer.from([...u32(0xabcdef01), ...u32(0), ...u32(0)]) },
    { code: 25, data: Buffer.from([...u32(1), ...u32(0), ...u32(0)]) },
  ],
});

const offeredAddress: IaNa = {
  iaid: 0xabcdef01,
  t1: 1800,
  t2: 2880,
  addresses: [{ address: '2001:db8:1::100', preferredLifetime: 3600, validLifetime: 7200, options: [] }],
  options: [],
};
const offeredPrefix: IaPd = {
  iaid: 1,
  t1: 1800,
  t2: 2880,
  prefixes: [{ prefix: '2001:db8:ff00::', prefixLength: 56, preferredLifetime: 3600, validLifetime: 7200, options: [] }],
  options: [],
};

t.test('an ADVERTISE with an IA_NA and an IA_PD, byte for byte', async (t) => {
  const advertise = replyFromRequest(solicit(), ADVERTISE, Buffer.from(SERVER_DUID));
  advertise.options.push(
    iaNaOption(offeredAddress),
    iaPdOption(offeredPrefix),
    configured('preference', '255'),
    configured('dns-servers', '2001:db8::53, 2001:db8::54'),
    configured('domain-search', 'example.org'),
  );
  const expected = [
    ADVERTISE, 0x10, 0x20, 0x30, // msg-type, the SOLICIT's transaction-id
    ...option(1, ...CLIENT_DUID), // client identifier, echoed
    ...option(2, ...SERVER_DUID), // server identifier
    ...option(3, // IA_NA
      ...u32(0xabcdef01), ...u32(1800), ...u32(2880), // IAID, T1, T2
      ...option(5, // IAADDR
        ...hex('20010db8 00010000 00000000 00000100'), // 2001:db8:1::100
        ...u32(3600), ...u32(7200))), // preferred and valid lifetimes
    ...option(25, // IA_PD
      ...u32(1), ...u32(1800), ...u32(2880),
      ...option(26, // IAPREFIX
        ...u32(3600), ...u32(7200), // preferred and valid lifetimes
        56, // prefix length
        ...hex('20010db8 ff000000 00000000 00000000'))), // 2001:db8:ff00::
    ...option(7, 255), // preference
    ...option(23, ...hex('20010db8 00000000 00000000 00000053'), ...hex('20010db8 00000000 00000000 00000054')),
    ...option(24, 7, ...ascii('example'), 3, ...ascii('org'), 0),
  ];
  const bytes = encodePacket6(advertise);
  t.same([...bytes], expected);

  const back = decodePacket6(bytes, 'client');
  if (!back.ok) throw new Error(back.detail);
  t.same(back.packet, advertise, 'decodes to what was encoded');
  t.same(iaNas(back.packet as Dhcp6Message), [offeredAddress]);
  t.same(iaPds(back.packet as Dhcp6Message), [offeredPrefix]);
});

t.test('a REPLY with nothing to give: status codes inside the IAs', async (t) => {
  const reply = replyFromRequest(solicit(), REPLY, Buffer.from(SERVER_DUID));
  reply.options.push(
    iaNaOption({ iaid: 0xabcdef01, t1: 0, t2: 0, addresses: [], status: { code: STATUS_NO_ADDRS_AVAIL, message: 'no addresses' }, options: [] }),
    iaPdOption({ iaid: 1, t1: 0, t2: 0, prefixes: [], status: { code: STATUS_NO_PREFIX_AVAIL, message: 'plus de préfixes' }, options: [] }),
    statusCodeOption({ code: STATUS_SUCCESS, message: '' }),
  );
  t.same([...encodePacket6(reply)], [
    REPLY, 0x10, 0x20, 0x30,
    ...option(1, ...CLIENT_DUID),
    ...option(2, ...SERVER_DUID),
    ...option(3, ...u32(0xabcdef01), ...u32(0), ...u32(0), ...option(13, ...u16(2), ...ascii('no addresses'))),
    ...option(25, ...u32(1), ...u32(0), ...u32(0), ...option(13, ...u16(6), ...Buffer.from('plus de préfixes', 'utf8'))),
    ...option(13, ...u16(0)), // Success, an empty message: no NUL (RFC 8415, Section 21.13)
  ]);
});

t.test('inside an IA: addresses, their status, the IA status, other options', async (t) => {
  const ia: IaNa = {
    iaid: 7,
    t1: INFINITY,
    t2: INFINITY,
    addresses: [
      { address: '2001:db8::1', preferredLifetime: INFINITY, validLifetime: INFINITY, status: { code: 0, message: 'ok' }, options: [] },
      { address: '2001:db8::2', preferredLifetime: 0, validLifetime: 0, options: [{ code: 99, data: Buffer.of(9) }] },
    ],
    status: { code: 0, message: 'all good' },
    options: [{ code: 98, data: Buffer.of(8) }],
  };
  t.same([...iaNaOption(ia).data], [
    ...u32(7), ...u32(INFINITY), ...u32(INFINITY),
    ...option(5, ...hex('20010db8 00000000 00000000 00000001'), ...u32(INFINITY), ...u32(INFINITY), ...option(13, ...u16(0), ...ascii('ok'))),
    ...option(5, ...hex('20010db8 00000000 00000000 00000002'), ...u32(0), ...u32(0), ...option(99, 9)),
    ...option(13, ...u16(0), ...ascii('all good')),
    ...option(98, 8),
  ]);
  const m: Dhcp6Message = { msgType: SOLICIT, transactionId: 1, options: [iaNaOption(ia)] };
  t.same(iaNas(m), [ia], 'read back as written');
  t.same([...iaTaOption({ iaid: 3, addresses: [], options: [] }).data], u32(3), 'an IA_TA has no timers');
});

const PEER = hex('fe800000 00000000 020021ff fe5c18a9');

/** A SOLICIT through two relays: the outer one named its interface, the inner one did not. */
const twiceRelayed = (): Dhcp6Relay => ({
  msgType: RELAY_FORW,
  hopCount: 1,
  linkAddress: '2001:888:db8:1::',
  peerAddress: 'fe80::200:21ff:fe5c:18a9',
  options: [
    { code: 18, data: Buffer.from('ISAM144|299|ipv6|nt:vp:1:110') },
    { code: 37, data: Buffer.from([...u32(6527), 1, 2, 3]) },
  ],
  relayed: {
    msgType: RELAY_FORW,
    hopCount: 0,
    linkAddress: '::',
    peerAddress: 'fe80::200:21ff:fe5c:18a9',
    options: [{ code: 37, data: Buffer.from(u32(3561)) }],
    relayed: solicit(),
  },
});

t.test('a RELAY-REPL per RELAY-FORW, Interface-Id echoed (RFC 8415, Sections 19.3 and 21.18)', async (t) => {
  const forward = twiceRelayed();
  const reply = replyFromRequest(solicit(), REPLY, Buffer.from(SERVER_DUID));
  reply.options.push({ code: 14, data: Buffer.alloc(0) }); // rapid commit
  const wrapped = relayReplyTo(forward, reply);
  t.same(wrapped, {
    msgType: RELAY_REPL,
    hopCount: 1,
    linkAddress: '2001:888:db8:1::',
    peerAddress: 'fe80::200:21ff:fe5c:18a9',
    options: [{ code: 18, data: Buffer.from('ISAM144|299|ipv6|nt:vp:1:110') }],
    relayed: { msgType: RELAY_REPL, hopCount: 0, linkAddress: '::', peerAddress: 'fe80::200:21ff:fe5c:18a9', options: [], relayed: reply },
  }, 'remote-id is not echoed, interface-id is');
  const replyBytes = [
    REPLY, 0x10, 0x20, 0x30,
    ...option(1, ...CLIENT_DUID),
    ...option(2, ...SERVER_DUID),
    ...option(14),
  ];
  t.same([...encodePacket6(wrapped)], [
    ...relayHeader(RELAY_REPL, 1, hex('20010888 0db80001 00000000 00000000'), PEER),
    ...option(18, ...ascii('ISAM144|299|ipv6|nt:vp:1:110')),
    ...option(9, // relay message, after the relay's options
      ...relayHeader(RELAY_REPL, 0, zeros(16), PEER),
      ...option(9, ...replyBytes)),
  ]);
  const back = decodePacket6(encodePacket6(wrapped), 'client');
  t.same(back, { ok: true, packet: wrapped }, 'a relay decodes what the server wrote');
  (forward.options[0]!.data as Buffer).fill(0);
  t.same(wrapped.options[0]?.data, Buffer.from('ISAM144|299|ipv6|nt:vp:1:110'), 'the echo is a copy');
});

t.test('replyFromRequest', async (t) => {
  const request = solicit();
  const reply = replyFromRequest(request, ADVERTISE, Buffer.from(SERVER_DUID));
  t.same(reply, {
    msgType: ADVERTISE,
    transactionId: 0x102030,
    options: [{ code: 1, data: Buffer.from(CLIENT_DUID) }, { code: 2, data: Buffer.from(SERVER_DUID) }],
  });
  (reply.options[0]!.data as Buffer).fill(0);
  t.same(request.options[0]?.data, Buffer.from(CLIENT_DUID), 'the echoed identifier is a copy');
  const anonymous: Dhcp6Message = { msgType: 11, transactionId: 5, options: [] };
  t.same(replyFromRequest(anonymous, REPLY, Buffer.from(SERVER_DUID)).options.map((o) => o.code), [2],
    'no Client Identifier to echo (an INFORMATION-REQUEST may have none)');
});

t.test('decode(encode(p)) is p', async (t) => {
  const packets: [Dhcp6Packet, 'server' | 'client'][] = [
    [solicit(), 'server'],
    [twiceRelayed(), 'server'],
    [{ msgType: SOLICIT, transactionId: 0xffffff, options: [{ code: 0xffff, data: Buffer.alloc(65519) }] }, 'server'], // 65527 bytes
    [{ msgType: SOLICIT, transactionId: 0, options: [{ code: 9, data: Buffer.of(1) }] }, 'server'],
    [relayReplyTo(twiceRelayed(), replyFromRequest(solicit(), REPLY, Buffer.from(SERVER_DUID))), 'client'],
  ];
  for (const [p, receiver] of packets) t.same(decodePacket6(encodePacket6(p), receiver), { ok: true, packet: p });
});

t.test('what no wire format carries throws RangeError', async (t) => {
  const m = (extra: Partial<Dhcp6Message>): Dhcp6Message => ({ ...solicit(), ...extra });
  const throws = (build: () => unknown, message: string) => t.throws(build, { name: 'RangeError', message }, message);
  throws(() => encodePacket6(m({ transactionId: 0x1000000 })), 'transaction ID 16777216 is not 24 bits');
  throws(() => encodePacket6(m({ transactionId: -1 })), 'transaction ID -1 is not 24 bits');
  throws(() => encodePacket6(m({ msgType: RELAY_FORW })), 'message type 12 is not a client or server message');
  throws(() => encodePacket6(m({ msgType: 256 })), 'message type 256 is not a client or server message');
  throws(() => encodePacket6({ ...twiceRelayed(), msgType: SOLICIT }), 'message type 1 is not a relay message');
  throws(() => encodePacket6({ ...twiceRelayed(), hopCount: 256 }), 'hop count 256 is not 0..255');
  throws(() => encodePacket6({ ...twiceRelayed(), linkAddress: '2001:db8::1::' }), 'link-address "2001:db8::1::" is not an IPv6 address');
  throws(() => encodePacket6({ ...twiceRelayed(), peerAddress: '192.0.2.1' }), 'peer-address "192.0.2.1" is not an IPv6 address');
  throws(() => encodePacket6({ ...twiceRelayed(), options: [{ code: 9, data: Buffer.alloc(4) }] }),
    'the Relay Message option is written from relayed, not from options');
  throws(() => iaNaOption({ ...offeredAddress, options: [{ code: 98, data: Buffer.alloc(0x10000) }] }), 'option 98 holds 65536 bytes, at most 65535');
  throws(() => encodePacket6(m({ options: [{ code: 0x10000, data: Buffer.alloc(0) }] })), 'option code 65536 is not 0..65535');
  throws(() => encodePacket6(m({ options: [{ code: 1, data: Buffer.alloc(65520) }] })), 'the packet is 65528 bytes, a UDP payload holds 65527');
  throws(() => encodePacket6({ ...twiceRelayed(), relayed: m({ options: [{ code: 1, data: Buffer.alloc(65480) }] }) }),
    'the packet is 65569 bytes, a UDP payload holds 65527');
  throws(() => iaNaOption({ ...offeredAddress, t1: -1 }), 'IA_NA: -1 is not a 32-bit unsigned number');
  throws(() => iaNaOption({ ...offeredAddress, addresses: [{ address: '10.0.0.1', preferredLifetime: 0, validLifetime: 0, options: [] }] }),
    'IAADDR address "10.0.0.1" is not an IPv6 address');
  throws(() => iaPdOption({ ...offeredPrefix, prefixes: [{ ...offeredPrefix.prefixes[0]!, prefixLength: 129 }] }),
    'IAPREFIX prefix length 129 is not 0..128');
  throws(() => iaPdOption({ ...offeredPrefix, prefixes: [{ ...offeredPrefix.prefixes[0]!, validLifetime: 2 ** 32 }] }),
    'IAPREFIX: 4294967296 is not a 32-bit unsigned number');
  throws(() => statusCodeOption({ code: 65536, message: '' }), 'status code 65536 is not 0..65535');
});
