// Seeded fuzzing of the decoder: random datagrams, valid headers followed by
// random options, and mutations of valid packets. Whatever comes in,
// decodePacket and every getter must return without throwing, and a packet
// that decodes must encode and decode back to itself. The seed is fixed so a
// failure replays; the first failing inputs are printed as hex.
import t from 'tap';
import { formatOptionData, optionByCode } from '../../src/dhcp4/options.ts';
import {
  DHCPACK,
  clientFqdn,
  clientIdentifier,
  decodePacket,
  encodePacket,
  hostName,
  leaseTime,
  maxMessageSize,
  messageType,
  parameterRequestList,
  rapidCommit,
  relayAgentInfo,
  replyFromRequest,
  requestedAddress,
  serverIdentifier,
  subnetSelection,
  type Dhcp4Packet,
} from '../../src/dhcp4/packet.ts';

// mulberry32: a tiny PRNG with a 32-bit state, good enough to spread inputs.
let state = 0x2131_3396;
const random = (): number => {
  state = (state + 0x6d2b79f5) | 0;
  let x = Math.imul(state ^ (state >>> 15), 1 | state);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
};
const below = (n: number): number => Math.floor(random() * n);
const byte = (): number => below(256);
const bytes = (count: number): number[] => Array.from({ length: count }, byte);
const pick = <T>(items: readonly T[]): T => items[below(items.length)] as T;

// Option codes the decoder and getters treat specially, and the byte values
// that sit on their boundaries.
const INTERESTING_CODES = [0, 1, 12, 50, 51, 52, 53, 54, 55, 57, 61, 80, 81, 82, 118, 119, 121, 255];
const INTERESTING_BYTES = [0, 1, 2, 3, 4, 16, 17, 18, 19, 63, 64, 0x7f, 0x80, 0xc0, 0xfe, 0xff];

/** Random option-shaped bytes: mostly well formed, sometimes not. */
const randomOptions = (budget: number): number[] => {
  const out: number[] = [];
  while (out.length < budget) {
    const roll = random();
    if (roll < 0.05) out.push(0); // PAD
    else if (roll < 0.08) out.push(255); // END, maybe early
    else if (roll < 0.12) out.push(52, pick([1, 1, 2]), below(5), byte()); // overload, right or wrong
    else if (roll < 0.16) out.push(53, 1, below(20)); // a message type, valid or not
    else if (roll < 0.22) {
      // relay agent information with random sub-options, lengths sometimes wrong
      const sub = Array.from({ length: below(4) }, () => {
        const value = bytes(below(7));
        return [pick([1, 2, 5, 9, 11]), random() < 0.8 ? value.length : byte(), ...value];
      }).flat();
      out.push(82, sub.length, ...sub);
    } else if (roll < 0.28) {
      // an FQDN with a wire-format name of random labels
      const name = Array.from({ length: below(4) }, () => {
        const label = bytes(below(6));
        return [random() < 0.9 ? label.length : pick(INTERESTING_BYTES), ...label];
      }).flat();
      const payload = [pick([0, 4, 5]), 0, 0, ...name, ...(random() < 0.5 ? [0] : [])];
      out.push(81, payload.length, ...payload);
    } else if (roll < 0.95) {
      const data = bytes(below(random() < 0.9 ? 12 : 300));
      const length = random() < 0.9 ? Math.min(data.length, 255) : byte();
      out.push(pick(random() < 0.5 ? INTERESTING_CODES : [byte()]), length, ...data.slice(0, length));
    } else {
      out.push(byte()); // a stray byte
    }
  }
  if (random() < 0.8) out.push(255);
  return out;
};

/** A request as the server would see one, to start mutations from. */
const request = (options: [number, number[]][], extra: Partial<Dhcp4Packet> = {}): Buffer =>
  encodePacket({
    op: 1,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid: 0x01020304,
    secs: 0,
    flags: 0,
    ciaddr: '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: '0.0.0.0',
    chaddr: Buffer.from([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]),
    sname: '',
    file: '',
    options: new Map(options.map(([code, payload]) => [code, Buffer.from(payload)])),
    ...extra,
  });

const overloaded = Buffer.concat([
  request([]).subarray(0, 44), // op .. chaddr
  Buffer.from([55, 1, 119, 60, 3, 0x61, 0x62, 0x63, 255]), // sname: options, then END
  Buffer.alloc(64 - 9), // sname padding
  Buffer.from([12, 4, 0x68, 0x6f, 0x73, 0x74, 255]), // file: host name "host", END
  Buffer.alloc(128 - 7), // file padding
  Buffer.from([0x63, 0x82, 0x53, 0x63]), // magic cookie
  Buffer.from([53, 1, 1, 52, 1, 3, 55, 2, 1, 3, 255]), // DISCOVER, overload both, PRL part 1, END
]);

const seeds: Buffer[] = [
  request([[53, [1]], [12, [0x64, 0x65, 0x62]], [55, [1, 3, 6, 15, 119, 121]], [57, [0x05, 0xdc]]]),
  request(
    [
      [53, [3]],
      [50, [10, 1, 2, 50]],
      [54, [10, 0, 0, 1]],
      [61, [1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56]],
      [81, [5, 0, 0, 4, 0x68, 0x6f, 0x73, 0x74, 7, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0]],
      [82, [1, 2, 0x41, 0x42, 2, 2, 0x43, 0x44, 5, 4, 10, 20, 30, 0, 11, 4, 10, 0, 0, 1]],
    ],
    { giaddr: '10.1.2.1', hops: 1 },
  ),
  request([[53, [8]], [80, []], [118, [10, 20, 30, 0]], [43, bytes(600)]], { ciaddr: '10.1.2.50' }),
  overloaded,
];

const samePacket = (a: Dhcp4Packet, b: Dhcp4Packet): boolean => {
  const { chaddr: chaddrA, options: optionsA, ...headerA } = a;
  const { chaddr: chaddrB, options: optionsB, ...headerB } = b;
  return (
    JSON.stringify(headerA) === JSON.stringify(headerB) &&
    chaddrA.equals(chaddrB) &&
    optionsA.size === optionsB.size &&
    [...optionsA].every(([code, payload]) => optionsB.get(code)?.equals(payload) === true)
  );
};

const failures: string[] = [];
const outcomes = new Map<string, number>();

const exercise = (input: Buffer): void => {
  try {
    const result = decodePacket(input);
    const outcome = result.ok ? 'decoded' : result.reason;
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    if (!result.ok) return;
    const p = result.packet;
    messageType(p);
    requestedAddress(p);
    serverIdentifier(p);
    clientIdentifier(p);
    parameterRequestList(p);
    hostName(p);
    clientFqdn(p);
    leaseTime(p);
    rapidCommit(p);
    subnetSelection(p);
    relayAgentInfo(p);
    for (const [code, payload] of p.options) {
      const definition = optionByCode(code);
      if (definition) formatOptionData(definition, payload);
    }
    encodePacket(replyFromRequest(p, DHCPACK), { maxSize: maxMessageSize(p) });
    const again = decodePacket(encodePacket(p));
    if (!again.ok || !samePacket(again.packet, p)) throw new Error('decode(encode(p)) is not p');
  } catch (error) {
    if (failures.length < 5) failures.push(`${String(error)}: ${input.toString('hex')}`);
    else failures.push('');
  }
};

const mutate = (seed: Buffer): Buffer => {
  let out = [...seed];
  for (let edits = 1 + below(6); edits > 0; edits--) {
    const at = below(out.length + 1);
    const roll = random();
    if (roll < 0.35) out[at] = (out[at] ?? 0) ^ (1 << below(8)); // flip a bit
    else if (roll < 0.65) out[at] = pick(random() < 0.5 ? INTERESTING_BYTES : INTERESTING_CODES); // a boundary value
    else if (roll < 0.75) out = out.slice(0, at); // truncate
    else if (roll < 0.85) out.splice(at, below(16)); // delete a run
    else if (roll < 0.93) out.splice(at, 0, ...bytes(below(16))); // insert noise
    else out.splice(at, 0, ...out.slice(below(out.length), below(out.length) + below(32))); // repeat a piece
  }
  return Buffer.from(out);
};

t.test('seeds decode and round-trip', async (t) => {
  for (const seed of seeds) {
    const result = decodePacket(seed);
    t.ok(result.ok, result.ok ? 'decoded' : `${result.reason}: ${result.detail}`);
  }
});

t.test('100,000+ inputs: nothing throws, decoded packets round-trip', async (t) => {
  let inputs = 0;
  // Random datagrams of any length: mostly dropped at the header.
  for (let i = 0; i < 20_000; i++, inputs++) exercise(Buffer.from(bytes(below(600))));
  // A valid header and magic cookie, then random options; sometimes the
  // sname and file fields hold random options too, for overload.
  for (let i = 0; i < 40_000; i++, inputs++) {
    const head = Buffer.from(pick(seeds).subarray(0, 240));
    if (random() < 0.3) Buffer.from(randomOptions(64)).copy(head, 44, 0, 64);
    if (random() < 0.3) Buffer.from(randomOptions(128)).copy(head, 108, 0, 128);
    exercise(Buffer.concat([head, Buffer.from(randomOptions(below(320)))]));
  }
  // Mutations of valid packets.
  for (let i = 0; i < 45_000; i++, inputs++) exercise(mutate(pick(seeds)));
  t.ok(inputs >= 100_000, `${inputs} inputs`);
  t.same(failures.slice(0, 5), [], `${failures.length} failures`);
  // The generators must reach past the header checks, or this proves little.
  t.ok((outcomes.get('decoded') ?? 0) > 10_000, `decoded ${outcomes.get('decoded')}`);
  for (const reason of ['option-overrun', 'no-end-option', 'bad-overload', 'bad-message-type', 'no-message-type']) {
    t.ok((outcomes.get(reason) ?? 0) > 100, `${reason}: ${outcomes.get(reason)}`);
  }
});
