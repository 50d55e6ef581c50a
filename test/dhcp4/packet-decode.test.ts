// Byte fixtures written field by field (RFC 2131, Section 2, Figure 1), so
// each test says exactly which bytes it feeds the decoder.
import t, { type Test } from 'tap';
import {
  DHCPDISCOVER,
  DHCPREQUEST,
  DROP_REASONS,
  MAX_PACKET_SIZE,
  clientFqdn,
  clientIdentifier,
  decodePacket,
  hostName,
  leaseTime,
  maxMessageSize,
  messageType,
  parameterRequestList,
  rapidCommit,
  relayAgentInfo,
  requestedAddress,
  serverIdentifier,
  subnetSelection,
  type DecodeResult,
  type Dhcp4Packet,
} from '../../src/dhcp4/packet.ts';

const zeros = (count: number): number[] => new Array<number>(count).fill(0);
const ascii = (text: string): number[] => [...Buffer.from(text, 'latin1')];
/** `text` NUL-padded to a fixed-size field. */
const field = (text: string, size: number): number[] => [...ascii(text), ...zeros(size - text.length)];

/** The decoded packet, or a failed test. */
const decoded = (result: DecodeResult): Dhcp4Packet => {
  if (!result.ok) throw new Error(`expected a packet, got ${result.reason}: ${result.detail}`);
  return result.packet;
};

/** Header of a client's broadcast BOOTREQUEST from 52:54:00:ab:cd:ef, options not included. */
const clientHeader = (xid: number[]): number[] => [
  0x01, // op: BOOTREQUEST
  0x01, // htype: Ethernet
  0x06, // hlen: 6-byte MAC
  0x00, // hops: not relayed
  ...xid, // xid: chosen by the client
  0x00, 0x00, // secs: 0
  0x00, 0x00, // flags: unicast replies are fine
  0, 0, 0, 0, // ciaddr: 0.0.0.0, no address yet
  0, 0, 0, 0, // yiaddr: 0.0.0.0
  0, 0, 0, 0, // siaddr: 0.0.0.0
  0, 0, 0, 0, // giaddr: 0.0.0.0, not relayed
  0x52, 0x54, 0x00, 0xab, 0xcd, 0xef, // chaddr: 52:54:00:ab:cd:ef
  ...zeros(10), // chaddr: padding to 16 bytes
  ...zeros(64), // sname: empty
  ...zeros(128), // file: empty
  0x63, 0x82, 0x53, 0x63, // magic cookie (RFC 2131, Section 3)
];

// ISC dhclient 4.4 DISCOVER, remembering its last lease: 300 bytes, padded.
const dhclientDiscoverOptions = [
  53, 1, 1, // option 53, message type: DHCPDISCOVER
  50, 4, 192, 0, 2, 10, // option 50, requested address: 192.0.2.10
  12, 6, ...ascii('debian'), // option 12, host name: "debian"
  55, 13, 1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42, // option 55, parameter request list
  255, // END
];
const dhclientDiscover = Buffer.from([
  ...clientHeader([0x5a, 0x1c, 0x3e, 0x07]),
  ...dhclientDiscoverOptions,
  ...zeros(300 - 240 - dhclientDiscoverOptions.length), // PAD to the 300-byte BOOTP minimum
]);

// SELECTING REQUEST (RFC 2131, Section 4.3.2) from a client that sends a
// client identifier, a maximum size and an FQDN. It ends right at END, so
// every shorter prefix is a truncated packet.
const selectingRequest = Buffer.from([
  ...clientHeader([0x9d, 0x2f, 0x00, 0x41]),
  53, 1, 3, // option 53, message type: DHCPREQUEST
  12, 6, ...ascii('laptop'), // option 12, host name: "laptop"
  50, 4, 192, 0, 2, 10, // option 50, requested address: 192.0.2.10
  51, 4, 0x00, 0x00, 0x0e, 0x10, // option 51, lease time: 3600 s
  54, 4, 192, 0, 2, 1, // option 54, server identifier: 192.0.2.1
  55, 4, 1, 3, 6, 15, // option 55, parameter request list: mask, routers, DNS, domain
  57, 2, 0x05, 0xdc, // option 57, maximum message size: 1500
  61, 7, 0x01, 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef, // option 61, client identifier: type 1 (Ethernet) + MAC
  81, 23, // option 81, client FQDN, 23 bytes:
  0x05, // flags: E (canonical wire format) and S (server does the A update)
  0x00, 0x00, // rcode1, rcode2: unused
  6, ...ascii('laptop'), 7, ...ascii('example'), 3, ...ascii('com'), 0, // laptop.example.com.
  255, // END
]);

// A DISCOVER relayed by a switch (RFC 3046): giaddr and hops set, option 82
// appended last with a Cisco-style circuit ID, the switch's MAC as remote ID,
// and a link selection (RFC 3527) naming the client's subnet.
const relayedDiscover = Buffer.from([
  0x01, // op: BOOTREQUEST
  0x01, // htype: Ethernet
  0x06, // hlen: 6
  0x01, // hops: one relay
  0x00, 0x00, 0x30, 0x39, // xid
  0x00, 0x00, // secs
  0x80, 0x00, // flags: broadcast bit, the client cannot take unicast yet
  0, 0, 0, 0, // ciaddr: 0.0.0.0
  0, 0, 0, 0, // yiaddr: 0.0.0.0
  0, 0, 0, 0, // siaddr: 0.0.0.0
  10, 1, 2, 1, // giaddr: 10.1.2.1, the relay's address on the client's link
  0x00, 0x1b, 0x21, 0x3c, 0x4d, 0x5e, // chaddr: 00:1b:21:3c:4d:5e
  ...zeros(10), // chaddr padding
  ...zeros(64), // sname: empty
  ...zeros(128), // file: empty
  0x63, 0x82, 0x53, 0x63, // magic cookie
  53, 1, 1, // option 53, message type: DHCPDISCOVER
  55, 3, 1, 3, 6, // option 55, parameter request list
  82, 24, // option 82, relay agent information, 24 bytes:
  1, 6, 0x00, 0x04, 0x00, 0x0a, 0x01, 0x03, // sub-option 1, circuit ID: VLAN 10, module 1, port 3
  2, 8, 0x00, 0x06, 0x00, 0x1e, 0x49, 0x6a, 0x7b, 0x8c, // sub-option 2, remote ID: type 0, length 6, switch MAC
  5, 4, 10, 20, 30, 0, // sub-option 5, link selection: 10.20.30.0
  255, // END
]);

t.test('a DISCOVER from dhclient', async (t) => {
  t.equal(dhclientDiscover.length, 300);
  const p = decoded(decodePacket(dhclientDiscover));
  const { chaddr: _chaddr, options: _options, ...header } = p;
  t.same(header, {
    op: 1,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid: 0x5a1c3e07,
    secs: 0,
    flags: 0,
    ciaddr: '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: '0.0.0.0',
    sname: '',
    file: '',
  });
  t.same([...p.chaddr], [0x52, 0x54, 0x00, 0xab, 0xcd, 0xef]);
  t.same([...p.options.keys()], [53, 50, 12, 55], 'PAD and END are framing, not options');
  t.equal(messageType(p), DHCPDISCOVER);
  t.equal(requestedAddress(p), '192.0.2.10');
  t.same(hostName(p), { name: 'debian' });
  t.same(parameterRequestList(p), [1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42]);
  t.equal(maxMessageSize(p), 576, 'no option 57: the size every client accepts');
  t.equal(serverIdentifier(p), undefined);
  t.equal(clientIdentifier(p), undefined);
  t.equal(clientFqdn(p), undefined);
  t.equal(leaseTime(p), undefined);
  t.equal(rapidCommit(p), false);
  t.equal(subnetSelection(p), undefined);
  t.equal(relayAgentInfo(p), undefined);
});

t.test('a SELECTING REQUEST', async (t) => {
  const p = decoded(decodePacket(selectingRequest));
  t.equal(p.xid, 0x9d2f0041);
  t.equal(messageType(p), DHCPREQUEST);
  t.equal(serverIdentifier(p), '192.0.2.1');
  t.equal(requestedAddress(p), '192.0.2.10');
  t.equal(leaseTime(p), 3600);
  t.same(hostName(p), { name: 'laptop' });
  t.same(parameterRequestList(p), [1, 3, 6, 15]);
  t.equal(maxMessageSize(p), 1500);
  t.same([...(clientIdentifier(p) ?? [])], [0x01, 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef]);
  t.same(clientFqdn(p), { name: 'laptop.example.com.' }, 'a fully qualified name keeps its final dot');
});

t.test('a relayed DISCOVER with relay agent information', async (t) => {
  const p = decoded(decodePacket(relayedDiscover));
  t.equal(p.hops, 1);
  t.equal(p.giaddr, '10.1.2.1');
  t.equal(p.flags, 0x8000);
  const relay = relayAgentInfo(p);
  if (!relay?.ok) throw new Error('expected parsed relay agent information');
  t.same([...relay.info.raw], [...(p.options.get(82) ?? [])], 'raw is the whole option, to echo back');
  t.same([...(relay.info.circuitId ?? [])], [0x00, 0x04, 0x00, 0x0a, 0x01, 0x03]);
  t.same([...(relay.info.remoteId ?? [])], [0x00, 0x06, 0x00, 0x1e, 0x49, 0x6a, 0x7b, 0x8c]);
  t.equal(relay.info.linkSelection, '10.20.30.0');
  t.equal(relay.info.serverIdOverride, undefined);
});

/** A DISCOVER whose only other option is option 82 with these bytes. */
const withRelayInfo = (subOptions: number[]): Buffer =>
  Buffer.from([
    ...clientHeader([0, 0, 0, 1]),
    53, 1, 1, // option 53, message type: DHCPDISCOVER
    82, subOptions.length, ...subOptions, // option 82, relay agent information
    255, // END
  ]);

t.test('a buggy relay: sub-option length past the end of option 82', async (t) => {
  const p = decoded(decodePacket(withRelayInfo([
    1, 4, 0x65, 0x74, 0x68, 0x30, // sub-option 1, circuit ID: "eth0"
    2, 9, 0xaa, 0xbb, // sub-option 2, remote ID: claims 9 bytes, 2 follow
  ])));
  t.same(relayAgentInfo(p), {
    ok: false,
    raw: p.options.get(82),
    detail: 'sub-option 2 at offset 6 claims 9 bytes, 2 left',
  }, 'reported, not thrown; the packet itself still decodes');
});

t.test('other malformed relay agent information', async (t) => {
  const check = (subOptions: number[], detail: string) => {
    const relay = relayAgentInfo(decoded(decodePacket(withRelayInfo(subOptions))));
    t.equal(relay?.ok === false ? relay.detail : 'parsed', detail);
  };
  check([1], 'sub-option 1 at offset 0 has no length'); // sub-option code with no length byte
  check([5, 3, 10, 0, 0], 'sub-option 5 is 3 bytes, not 4'); // link selection must be an address
  check([11, 2, 10, 0], 'sub-option 11 is 2 bytes, not 4'); // so must the server identifier override
  check([1, 1, 0x41, 1, 1, 0x42], 'sub-option 1 appears twice'); // two circuit IDs: which one?
  const relay = relayAgentInfo(decoded(decodePacket(withRelayInfo([
    9, 3, 0xde, 0xad, 0x00, // sub-option 9, vendor specific: not acted on, skipped
    11, 4, 192, 0, 2, 254, // sub-option 11, server identifier override (RFC 5107): 192.0.2.254
    1, 0, // sub-option 1, circuit ID: empty
  ]))));
  t.match(relay, { ok: true, info: { serverIdOverride: '192.0.2.254' } });
  t.equal(relay?.ok && relay.info.circuitId?.length, 0);
  t.equal(relay?.ok && relay.info.remoteId, undefined);
});

t.test('option overload into file and sname (RFC 2132, Section 9.3)', async (t) => {
  const overloaded = Buffer.from([
    0x01, // op: BOOTREQUEST
    0x01, // htype: Ethernet
    0x06, // hlen: 6
    0x00, // hops: 0
    0x00, 0x00, 0x00, 0x07, // xid
    0x00, 0x00, // secs
    0x00, 0x00, // flags
    0, 0, 0, 0, // ciaddr
    0, 0, 0, 0, // yiaddr
    0, 0, 0, 0, // siaddr
    0, 0, 0, 0, // giaddr
    0x52, 0x54, 0x00, 0x00, 0x00, 0x07, // chaddr: 52:54:00:00:00:07
    ...zeros(10), // chaddr padding
    // sname, 64 bytes, holding options (read third):
    55, 1, 119, // option 55 continued: domain search
    60, 8, ...ascii('MSFT 5.0'), // option 60, vendor class identifier: "MSFT 5.0"
    255, // END
    ...zeros(64 - 3 - 10 - 1), // PAD to the end of sname
    // file, 128 bytes, holding options (read second):
    55, 2, 6, 15, // option 55 continued: DNS, domain name
    12, 9, ...ascii('from-file'), // option 12, host name: "from-file"
    255, // END
    ...zeros(128 - 4 - 11 - 1), // PAD to the end of file
    0x63, 0x82, 0x53, 0x63, // magic cookie
    53, 1, 1, // option 53, message type: DHCPDISCOVER
    52, 1, 3, // option 52, overload: both file and sname carry options
    55, 2, 1, 3, // option 55, parameter request list, first part: mask, routers
    255, // END
  ]);
  const p = decoded(decodePacket(overloaded));
  t.same(parameterRequestList(p), [1, 3, 6, 15, 119], 'options field, then file, then sname (RFC 3396, Section 5)');
  t.same(hostName(p), { name: 'from-file' });
  t.same(p.options.get(60)?.toString(), 'MSFT 5.0');
  t.equal(p.options.has(52), false, 'overload is framing');
  t.equal(p.sname, '', 'sname carried options, not a name');
  t.equal(p.file, '', 'file carried options, not a name');
});

t.test('a long option split in three (RFC 3396) is joined in order', async (t) => {
  const data = Array.from({ length: 600 }, (_, i) => (i * 7) & 0xff);
  const split = Buffer.from([
    ...clientHeader([0, 0, 0x33, 0x96]),
    53, 1, 3, // option 53, message type: DHCPREQUEST
    43, 255, ...data.slice(0, 255), // option 43, vendor specific, part 1: bytes 0..254
    43, 255, ...data.slice(255, 510), // option 43, part 2: bytes 255..509
    12, 4, ...ascii('node'), // option 12, host name, between the parts
    43, 90, ...data.slice(510), // option 43, part 3: bytes 510..599
    255, // END
  ]);
  const p = decoded(decodePacket(split));
  t.same([...(p.options.get(43) ?? [])], data);
  t.same(hostName(p), { name: 'node' });
});

t.test('every truncation of a valid packet is dropped, never thrown', async (t) => {
  const reasons = new Set<string>();
  let accepted = 0;
  for (let length = 0; length < selectingRequest.length; length++) {
    const result = decodePacket(selectingRequest.subarray(0, length));
    if (result.ok) accepted++;
    else reasons.add(result.reason);
  }
  t.equal(accepted, 0, 'no prefix decodes');
  t.same([...reasons].sort(), ['no-end-option', 'option-overrun', 'truncated-header']);
  t.ok(decodePacket(selectingRequest).ok, 'the whole packet does');
  // dhclient pads after END; cutting into the padding loses nothing.
  const end = 240 + dhclientDiscoverOptions.length;
  for (let length = 0; length <= dhclientDiscover.length; length++) {
    if (decodePacket(dhclientDiscover.subarray(0, length)).ok !== length >= end) t.fail(`length ${length}`);
  }
});

/** A DISCOVER with these bytes in its options field. */
const withOptions = (options: number[]): Buffer => Buffer.from([...clientHeader([0, 0, 0, 2]), ...options]);

/** Asserts the drop reason, and the detail when given, exactly. */
const dropped = (t: Test, buf: Buffer, reason: string, detail?: string) => {
  const result = decodePacket(buf);
  const outcome = result.ok ? 'decoded' : detail === undefined ? result.reason : `${result.reason}: ${result.detail}`;
  t.equal(outcome, detail === undefined ? reason : `${reason}: ${detail}`);
};

t.test('option lengths running past the end', async (t) => {
  dropped(t, withOptions([
    53, 1, 1, // option 53: DHCPDISCOVER
    12, 200, ...ascii('short'), // option 12 claims 200 bytes, 5 follow
  ]), 'option-overrun', 'option 12 at offset 243 claims 200 bytes, the options field has 5 left');
  dropped(t, withOptions([53, 1, 1, 12]), 'option-overrun', 'option 12 at offset 243 has no length');
  dropped(t, withOptions([53, 1, 1]), 'no-end-option', 'the options field has no END option');
  dropped(t, withOptions([53, 1, 1, 0, 0, 0]), 'no-end-option', 'the options field has no END option'); // PAD is not END
});

/** A DISCOVER whose file field (128 bytes) and sname field (64 bytes) hold the given bytes. */
const overloadedWith = (overload: number[], file: number[], sname: number[] = []): Buffer =>
  Buffer.from([
    ...clientHeader([0, 0, 0, 3]).slice(0, 44), // op .. chaddr
    ...sname, ...zeros(64 - sname.length), // sname
    ...file, ...zeros(128 - file.length), // file
    0x63, 0x82, 0x53, 0x63, // magic cookie
    53, 1, 1, // option 53: DHCPDISCOVER
    ...overload, // option 52 as given
    255, // END
  ]);

t.test('overload that is malformed or points at itself', async (t) => {
  dropped(t, overloadedWith([52, 1, 1], [52, 1, 3, 255]), 'bad-overload', 'option overload inside the file field');
  dropped(t, overloadedWith([52, 1, 3], [255], [52, 1, 1, 255]), 'bad-overload', 'option overload inside the sname field');
  dropped(t, overloadedWith([52, 1, 4], [255]), 'bad-overload');
  dropped(t, overloadedWith([52, 1, 0], [255]), 'bad-overload');
  dropped(t, overloadedWith([52, 2, 1, 0], [255]), 'bad-overload');
  dropped(t, overloadedWith([52, 1, 1, 52, 1, 1], [255]), 'bad-overload', 'option overload must be one byte of 1, 2 or 3');
  dropped(t, overloadedWith([52, 1, 1], [12, 4, ...ascii('host')]), 'no-end-option', 'the file field has no END option');
  // An option in file may not run on into the magic cookie.
  dropped(t, overloadedWith([52, 1, 1], [...zeros(125), 12, 10, 0x61]), 'option-overrun');
  // Nor may one in sname run on into file.
  dropped(t, overloadedWith([52, 1, 2], [12, 1, 0x61, 255], [...zeros(62), 12, 4]), 'option-overrun');
  // Without overload, file and sname are names, whatever they hold.
  const named = decoded(decodePacket(overloadedWith([], [...ascii('pxelinux.0')], [...ascii('boot-server')])));
  t.equal(named.file, 'pxelinux.0');
  t.equal(named.sname, 'boot-server');
  const full = decoded(decodePacket(overloadedWith([], field('f', 1).concat(Array(127).fill(0x61)))));
  t.equal(full.file, `f${'a'.repeat(127)}`, 'a field without NUL is read to its end');
});

t.test('sizes', async (t) => {
  const padded = (size: number): Buffer => Buffer.concat([withOptions([53, 1, 1, 255])], size);
  t.ok(decodePacket(padded(576)).ok, '576 bytes');
  t.ok(decodePacket(padded(1500)).ok, '1500 bytes');
  t.ok(decodePacket(padded(9000)).ok, 'a jumbo frame');
  t.ok(decodePacket(padded(MAX_PACKET_SIZE)).ok, 'the largest UDP payload');
  dropped(t, padded(MAX_PACKET_SIZE + 1), 'oversize', '65508 bytes, more than 65507');
  dropped(t, padded(1 << 20), 'oversize');
  dropped(t, Buffer.alloc(0), 'truncated-header', '0 bytes, the header and magic cookie take 240');
  dropped(t, padded(239), 'truncated-header');
});

t.test('header checks', async (t) => {
  const discover = withOptions([53, 1, 1, 255]);
  const changed = (offset: number, value: number): Buffer => {
    const copy = Buffer.from(discover);
    copy[offset] = value;
    return copy;
  };
  dropped(t, changed(0, 3), 'bad-op', 'op 3');
  dropped(t, changed(0, 0), 'bad-op', 'op 0');
  t.equal(decoded(decodePacket(changed(0, 2))).op, 2, 'BOOTREPLY decodes too (test clients read replies)');
  dropped(t, changed(2, 0), 'bad-hlen', 'hlen 0');
  dropped(t, changed(2, 17), 'bad-hlen', 'hlen 17');
  const infiniband = decoded(decodePacket(changed(1, 32)));
  t.equal(infiniband.htype, 32, 'any hardware type');
  const long = decoded(decodePacket(changed(2, 16)));
  t.equal(long.chaddr.length, 16, 'chaddr holds hlen bytes');
  const bootp = Buffer.from(discover);
  bootp.fill(0, 236); // a BOOTP request: the vendor area has no magic cookie
  dropped(t, bootp, 'bad-magic', 'magic cookie 0x00000000');
  dropped(t, changed(239, 0x64), 'bad-magic', 'magic cookie 0x63825364');
});

t.test('message type checks', async (t) => {
  dropped(t, withOptions([12, 1, 0x61, 255]), 'no-message-type', 'no option 53');
  dropped(t, withOptions([53, 2, 1, 1, 255]), 'bad-option-length', 'option 53 is 2 bytes, not 1');
  dropped(t, withOptions([53, 1, 1, 53, 1, 1, 255]), 'bad-option-length', 'option 53 is 2 bytes, not 1'); // two instances join
  dropped(t, withOptions([53, 0, 255]), 'bad-option-length');
  dropped(t, withOptions([53, 1, 0, 255]), 'bad-message-type', 'message type 0');
  dropped(t, withOptions([53, 1, 19, 255]), 'bad-message-type', 'message type 19');
  t.equal(messageType(decoded(decodePacket(withOptions([53, 1, 18, 255])))), 18, 'DHCPTLS, the last assigned');
  t.equal(messageType(decoded(decodePacket(withOptions([53, 1, 8, 255])))), 8, 'DHCPINFORM');
});

t.test('drop reasons are the documented label values', async (t) => {
  t.same([...DROP_REASONS].sort(), [
    'bad-hlen',
    'bad-magic',
    'bad-message-type',
    'bad-op',
    'bad-option-length',
    'bad-overload',
    'no-end-option',
    'no-message-type',
    'option-overrun',
    'oversize',
    'truncated-header',
  ]);
});

t.test('getters on malformed or unusual options', async (t) => {
  const p = (options: number[]): Dhcp4Packet => decoded(decodePacket(withOptions([53, 1, 1, ...options, 255])));
  t.equal(requestedAddress(p([50, 3, 10, 0, 0])), undefined, 'requested address of 3 bytes reads as absent');
  t.equal(serverIdentifier(p([54, 5, 10, 0, 0, 1, 1])), undefined, 'server identifier of 5 bytes');
  t.equal(leaseTime(p([51, 2, 0, 1])), undefined, 'lease time of 2 bytes');
  t.equal(leaseTime(p([51, 4, 0xff, 0xff, 0xff, 0xff])), 0xffffffff, 'infinite lease');
  t.equal(maxMessageSize(p([57, 2, 0x01, 0xf4])), 576, 'a maximum under 576 counts as 576');
  t.equal(maxMessageSize(p([57, 2, 0x24, 0x00])), 9216);
  t.equal(maxMessageSize(p([57, 1, 0xff])), 576, 'malformed maximum');
  t.equal(clientIdentifier(p([61, 1, 0x01])), undefined, 'client identifier under its 2-byte minimum');
  t.same(hostName(p([12, 6, ...ascii('host'), 0, 0])), { name: 'host' }, 'trailing NULs dropped');
  t.equal(hostName(p([12, 1, 0])), undefined, 'only a NUL');
  t.same(hostName(p([12, 6, ...Buffer.from('Jöhn’', 'utf8').subarray(0, 6)])), { problem: 'invalid-utf8' }, 'a UTF-8 sequence cut short');
  t.same(hostName(p([12, 4, 0xc0, 0xaf, 0x61, 0x62])), { problem: 'invalid-utf8' }, 'an overlong encoding');
  t.same(hostName(p([12, 5, ...Buffer.from('Jöhn', 'utf8')])), { name: 'Jöhn' }, 'UTF-8');
  t.same(hostName(p([12, 5, ...ascii('ev'), 0, ...ascii('il')])), { problem: 'nul-byte' }, 'a NUL inside the name');
  t.equal(subnetSelection(p([118, 4, 10, 20, 30, 0])), '10.20.30.0');
  t.equal(subnetSelection(p([118, 3, 10, 20, 30])), undefined);
  t.equal(rapidCommit(p([80, 0])), true);
  t.same(parameterRequestList(p([55, 0])), []);
  t.equal(messageType(p([])), 1);
  // RFC 4702: flags, rcode1, rcode2, name.
  t.equal(clientFqdn(p([81, 3, 0x04, 0, 0])), undefined, 'flags only: no name');
  t.equal(clientFqdn(p([81, 4, 0x04, 0, 0, 0])), undefined, 'the root label alone: no name');
  t.same(clientFqdn(p([81, 2, 0x04, 0])), { problem: 'malformed' }, 'shorter than the fixed part');
  t.same(clientFqdn(p([81, 9, 0x04, 0, 0, 5, ...ascii('print')])), { name: 'print' }, 'a partial name: no root label');
  t.same(clientFqdn(p([81, 14, 0x00, 0, 0, ...ascii('pc.example.')])), { name: 'pc.example.' }, 'deprecated ASCII encoding');
  t.same(clientFqdn(p([81, 9, 0x04, 0, 0, 9, ...ascii('abcde')])), { problem: 'malformed' }, 'label runs past the end');
  t.same(clientFqdn(p([81, 8, 0x04, 0, 0, 1, 0x61, 0, 1, 0x62])), { problem: 'malformed' }, 'bytes after the root label');
  t.same(clientFqdn(p([81, 5, 0x04, 0, 0, 0xc0, 0x00])), { problem: 'malformed' }, 'compression is not allowed here');
  t.same(clientFqdn(p([81, 10, 0x04, 0, 0, 2, 0x70, 0x63, 2, 0x61, 0x00, 0])), { problem: 'nul-byte' }, 'a NUL inside a wire label');
  t.same(clientFqdn(p([81, 8, 0x00, 0, 0, ...ascii('pc'), 0, ...ascii('.x')])), { problem: 'nul-byte' }, 'a NUL inside an ASCII name');
  t.same(clientFqdn(p([81, 7, 0x04, 0, 0, 2, 0xff, 0xfe, 0])), { problem: 'invalid-utf8' }, 'a wire label that is not UTF-8');
});
