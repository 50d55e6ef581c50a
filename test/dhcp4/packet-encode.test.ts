import t from 'tap';
import {
  BOOTREPLY,
  DHCPACK,
  DHCPOFFER,
  decodePacket,
  encodePacket,
  relayAgentInfo,
  replyFromRequest,
  type Dhcp4Packet,
} from '../../src/dhcp4/packet.ts';

const zeros = (count: number): number[] => new Array<number>(count).fill(0);
const ascii = (text: string): number[] => [...Buffer.from(text, 'latin1')];

const decoded = (buf: Buffer): Dhcp4Packet => {
  const result = decodePacket(buf);
  if (!result.ok) throw new Error(`expected a packet, got ${result.reason}: ${result.detail}`);
  return result.packet;
};

/** Where the options start: after the fixed header and the magic cookie. */
const OPTIONS = 240;

/** The options field of an encoded packet as [code, payload] pairs, up to END. */
const optionsOf = (buf: Buffer): [number, number[]][] => {
  const found: [number, number[]][] = [];
  let at = OPTIONS;
  while (buf[at] !== 255) {
    const code = buf[at] ?? 255;
    const length = buf[at + 1] ?? 0;
    found.push([code, [...buf.subarray(at + 2, at + 2 + length)]]);
    at += 2 + length;
  }
  return found;
};

// A relayed REQUEST, written field by field, its options already in the
// order the encoder writes them (53 first, ascending, 82 last), so
// decode-then-encode must give back exactly these bytes.
const relayedRequest = Buffer.from([
  0x01, // op: BOOTREQUEST
  0x01, // htype: Ethernet
  0x06, // hlen: 6
  0x01, // hops: one relay
  0x11, 0x22, 0x33, 0x44, // xid
  0x00, 0x05, // secs: 5
  0x80, 0x00, // flags: broadcast
  0, 0, 0, 0, // ciaddr: 0.0.0.0
  0, 0, 0, 0, // yiaddr: 0.0.0.0
  0, 0, 0, 0, // siaddr: 0.0.0.0
  10, 1, 2, 1, // giaddr: 10.1.2.1
  0x00, 0x1b, 0x21, 0x3c, 0x4d, 0x5e, // chaddr: 00:1b:21:3c:4d:5e
  ...zeros(10), // chaddr padding
  ...zeros(64), // sname: empty
  ...zeros(128), // file: empty
  0x63, 0x82, 0x53, 0x63, // magic cookie
  53, 1, 3, // option 53, message type: DHCPREQUEST
  50, 4, 10, 1, 2, 50, // option 50, requested address: 10.1.2.50
  54, 4, 10, 0, 0, 1, // option 54, server identifier: 10.0.0.1
  55, 4, 1, 3, 6, 15, // option 55, parameter request list
  61, 7, 0x01, 0x00, 0x1b, 0x21, 0x3c, 0x4d, 0x5e, // option 61, client identifier: Ethernet + MAC
  82, 12, // option 82, relay agent information:
  1, 4, ...ascii('ge-3'), // sub-option 1, circuit ID: "ge-3"
  2, 4, 0xc0, 0x00, 0x02, 0x02, // sub-option 2, remote ID
  255, // END
  ...zeros(300 - 240 - 3 - 6 - 6 - 6 - 9 - 14 - 1), // PAD to 300 bytes
]);

/** A reply built in code, the way the server builds them. */
const ack = (options: [number, number[]][]): Dhcp4Packet => ({
  op: BOOTREPLY,
  htype: 1,
  hlen: 6,
  hops: 0,
  xid: 0xdeadbeef,
  secs: 0,
  flags: 0,
  ciaddr: '0.0.0.0',
  yiaddr: '192.0.2.10',
  siaddr: '0.0.0.0',
  giaddr: '0.0.0.0',
  chaddr: Buffer.from([0x52, 0x54, 0x00, 0xab, 0xcd, 0xef]),
  sname: '',
  file: '',
  options: new Map(options.map(([code, payload]) => [code, Buffer.from(payload)])),
});

t.test('decode then encode gives back the same bytes', async (t) => {
  t.equal(relayedRequest.length, 300);
  t.same([...encodePacket(decoded(relayedRequest))], [...relayedRequest]);
});

t.test('encode then decode gives back the same packet', async (t) => {
  const p: Dhcp4Packet = {
    ...ack([
      [53, [DHCPACK]],
      [1, [255, 255, 255, 0]],
      [3, [192, 0, 2, 1]],
      [12, ascii('laptop')],
      [51, [0, 0, 0x0e, 0x10]],
      [54, [192, 0, 2, 1]],
      [80, []],
      [119, [7, ...ascii('example'), 3, ...ascii('com'), 0]],
    ]),
    hops: 2,
    secs: 65535,
    flags: 0x8000,
    ciaddr: '192.0.2.10',
    siaddr: '192.0.2.5',
    giaddr: '10.1.2.1',
    sname: 'boot-server',
    file: 'pxelinux.0',
  };
  t.same(decoded(encodePacket(p)), p);
  const fullNames = { ...p, sname: 's'.repeat(64), file: 'f'.repeat(128) };
  t.same(decoded(encodePacket(fullNames)), fullNames, 'names filling their fields, without NUL');
});

t.test('53 first, ascending codes, 82 last, then END and padding', async (t) => {
  const buf = encodePacket(ack([
    [121, [0, 192, 0, 2, 1]],
    [82, [1, 2, 0x41, 0x42]],
    [3, [192, 0, 2, 1]],
    [53, [DHCPACK]],
    [254, [1]],
    [1, [255, 255, 255, 0]],
  ]));
  t.same(optionsOf(buf).map(([code]) => code), [53, 1, 3, 121, 254, 82], 'RFC 3046, Section 2.1: 82 is the last option');
  t.equal(buf.length, 300, 'padded to the BOOTP minimum (RFC 1542, Section 2.1)');
  const end = OPTIONS + 3 + 6 + 6 + 7 + 3 + 6;
  t.equal(buf[end], 255, 'END right after the last option');
  t.ok(buf.subarray(end + 1).every((byte) => byte === 0), 'PAD after END');
  t.same([...buf.subarray(236, 240)], [0x63, 0x82, 0x53, 0x63], 'magic cookie');
});

t.test('header fields land where RFC 2131, Section 2 puts them', async (t) => {
  const buf = encodePacket({ ...ack([[53, [DHCPOFFER]]]), hops: 3, secs: 0x0102, flags: 0x8000, giaddr: '10.1.2.1' });
  t.same([...buf.subarray(0, 28)], [
    2, 1, 6, 3, // op, htype, hlen, hops
    0xde, 0xad, 0xbe, 0xef, // xid
    0x01, 0x02, // secs
    0x80, 0x00, // flags
    0, 0, 0, 0, // ciaddr
    192, 0, 2, 10, // yiaddr
    0, 0, 0, 0, // siaddr
    10, 1, 2, 1, // giaddr
  ]);
  t.same([...buf.subarray(28, 44)], [0x52, 0x54, 0x00, 0xab, 0xcd, 0xef, ...zeros(10)], 'chaddr, zero padded');
});

t.test('long options are split into consecutive instances (RFC 3396)', async (t) => {
  const data = Array.from({ length: 600 }, (_, i) => i & 0xff);
  const buf = encodePacket(ack([[53, [DHCPACK]], [43, data], [80, []]]));
  const found = optionsOf(buf);
  t.same(found.map(([code, payload]) => [code, payload.length]), [[53, 1], [43, 255], [43, 255], [43, 90], [80, 0]]);
  t.same([...(decoded(buf).options.get(43) ?? [])], data, 'decoding joins them again');
  const exact = encodePacket(ack([[53, [DHCPACK]], [43, data.slice(0, 510)]]));
  t.same(optionsOf(exact).map(([code, payload]) => [code, payload.length]), [[53, 1], [43, 255], [43, 255]], 'no empty tail');
});

t.test('maxSize: optional options dropped from the end until the reply fits', async (t) => {
  const big = ack([
    [53, [DHCPACK]], // 3 bytes on the wire
    [1, [255, 255, 255, 0]], // 6
    [3, [192, 0, 2, 1]], // 6
    [6, [192, 0, 2, 53, 192, 0, 2, 54]], // 10
    [15, ascii('example.org')], // 13
    [43, zeros(250)], // 252
    [51, [0, 0, 0x0e, 0x10]], // 6
    [54, [192, 0, 2, 1]], // 6
    [61, [1, 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef]], // 9
    [119, zeros(200)], // 202
    [82, [1, 2, 0x41, 0x42]], // 6
  ]);
  const codes = (buf: Buffer) => optionsOf(buf).map(([code]) => code);
  t.equal(encodePacket(big).length, 240 + 519 + 1, 'without maxSize nothing is dropped');
  t.same(codes(encodePacket(big, { maxSize: 1500 })), [53, 1, 3, 6, 15, 43, 51, 54, 61, 119, 82], 'fits in 1500');
  t.same(codes(encodePacket(big, { maxSize: 700 })), [53, 1, 3, 6, 15, 43, 51, 54, 61, 82], '119, the last optional option, goes first');
  const fitted = encodePacket(big, { maxSize: 576 });
  t.same(codes(fitted), [53, 1, 3, 6, 15, 51, 54, 61, 82], 'then 43; 82, 61, 54, 51 are passed over');
  t.ok(fitted.length <= 576 - 28, 'the message leaves room for IP and UDP headers');
  t.same(codes(encodePacket(big, { maxSize: 300 })), codes(fitted), 'a maxSize under 576 counts as 576');
  const essentials = ack([
    [53, [DHCPACK]],
    [1, [255, 255, 255, 0]],
    [51, [0, 0, 0x0e, 0x10]],
    [54, [192, 0, 2, 1]],
    [61, zeros(255)],
    [82, zeros(255)],
    [3, [192, 0, 2, 1]],
  ]);
  const over = encodePacket(essentials, { maxSize: 576 });
  t.same(codes(over), [53, 1, 51, 54, 61, 82], 'essential options stay even when the reply cannot fit');
  t.ok(over.length > 548);
});

t.test('replyFromRequest builds the skeleton from the request', async (t) => {
  const request = decoded(relayedRequest);
  const reply = replyFromRequest(request, DHCPACK);
  t.same(
    { ...reply, chaddr: [...reply.chaddr], options: [...reply.options].map(([code, payload]) => [code, [...payload]]) },
    {
      op: BOOTREPLY,
      htype: 1,
      hlen: 6,
      hops: 0,
      xid: 0x11223344,
      secs: 0,
      flags: 0x8000,
      ciaddr: '0.0.0.0',
      yiaddr: '0.0.0.0',
      siaddr: '0.0.0.0',
      giaddr: '10.1.2.1',
      chaddr: [0x00, 0x1b, 0x21, 0x3c, 0x4d, 0x5e],
      sname: '',
      file: '',
      options: [
        [53, [DHCPACK]],
        [61, [0x01, 0x00, 0x1b, 0x21, 0x3c, 0x4d, 0x5e]], // RFC 6842: echoed
        [82, [1, 4, ...ascii('ge-3'), 2, 4, 0xc0, 0x00, 0x02, 0x02]], // RFC 3046: echoed unchanged
      ],
    },
  );
  reply.chaddr[0] = 0xff;
  reply.options.get(82)?.fill(0);
  t.equal(request.chaddr[0], 0x00, 'chaddr is a copy');
  t.match(relayAgentInfo(request), { ok: true }, 'option 82 is a copy');
  reply.yiaddr = '10.1.2.50';
  reply.options.set(54, Buffer.from([10, 0, 0, 1]));
  const wire = encodePacket(reply);
  t.same(optionsOf(wire).map(([code]) => code), [53, 54, 61, 82]);
  const plain = replyFromRequest({ ...request, options: new Map([[53, Buffer.of(1)]]) }, DHCPOFFER);
  t.same([...plain.options.keys()], [53], 'nothing to echo');
});

t.test('packets no wire format can carry are programming errors', async (t) => {
  const good = ack([[53, [DHCPACK]]]);
  t.throws(() => encodePacket({ ...good, hlen: 5 }), { name: 'RangeError', message: 'chaddr is 6 bytes, hlen is 5 (at most 16)' });
  t.throws(() => encodePacket({ ...good, chaddr: Buffer.alloc(17), hlen: 17 }), RangeError);
  t.throws(() => encodePacket({ ...good, yiaddr: '192.0.2.256' }), { message: 'yiaddr "192.0.2.256" is not an IPv4 address' });
  t.throws(() => encodePacket({ ...good, sname: 'x'.repeat(65) }), { message: 'sname is 65 bytes, the field holds 64' });
  t.throws(() => encodePacket({ ...good, file: 'x'.repeat(129) }), { message: 'file is 129 bytes, the field holds 128' });
  for (const code of [0, 52, 255, 256, -1]) {
    t.throws(
      () => encodePacket({ ...good, options: new Map([[code, Buffer.of(1)]]) }),
      { message: `option ${code} cannot be set; PAD, END and overload are written by the codec` },
    );
  }
  t.throws(() => encodePacket({ ...good, xid: 2 ** 32 }), RangeError, 'numbers are range checked');
});
