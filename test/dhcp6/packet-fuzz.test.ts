// Seeded fuzzing of the DHCPv6 decoder: random datagrams, valid headers
// followed by random options, mutations and truncations of valid packets,
// and messages nested in many relay layers. Whatever comes in, decodePacket6
// and every getter must return without throwing; a packet that decodes must
// encode again, decode to the same packet, and take an answer built from
// its IAs. The seed is fixed so a failure replays; the first failing inputs
// are printed as hex.
import t from 'tap';
import { duidHardwareAddress } from '../../src/dhcp6/hardware-address.ts';
import { iaNaOption, iaPdOption, iaTaOption, type IaAddress } from '../../src/dhcp6/ia.ts';
import type { Dhcp6Option } from '../../src/dhcp6/option-list.ts';
import { formatOptionData6, optionByCode6 } from '../../src/dhcp6/options.ts';
import {
  CONFIRM,
  DECLINE,
  INFORMATION_REQUEST,
  REBIND,
  RELAY_FORW,
  RELEASE,
  RENEW,
  REPLY,
  REQUEST,
  SOLICIT,
  clientFqdn,
  clientId,
  clientLinkLayerAddress,
  decodePacket6,
  elapsedTime,
  encodePacket6,
  iaNas,
  iaPds,
  iaTas,
  interfaceId,
  isRelay,
  oro,
  rapidCommit,
  reconfigureAccept,
  relayChain,
  relayReplyTo,
  replyFromRequest,
  serverId,
  type Dhcp6Message,
  type Dhcp6Packet,
  type Receiver,
} from '../../src/dhcp6/packet.ts';
import { seededRandom } from '../helpers/random.ts';
import { hex, option, relayHeader, u16, u32, wireName, zeros } from '../helpers/dhcp6-wire.ts';

const random = seededRandom(0x8415_3315);
const below = (n: number): number => Math.floor(random() * n);
const byte = (): number => below(256);
const bytes = (count: number): number[] => Array.from({ length: count }, byte);
const pick = <T>(items: readonly T[]): T => items[below(items.length)] as T;

// Option codes the decoder and getters treat specially, lengths on their
// boundaries, and the types a server receives.
const INTERESTING_CODES = [0, 1, 2, 3, 4, 5, 6, 8, 9, 13, 14, 18, 20, 23, 24, 25, 26, 39, 79, 0xffff];
const INTERESTING_LENGTHS = [0, 1, 2, 3, 4, 11, 12, 13, 23, 24, 25, 34, 0x7f, 0x80, 0xff, 0x100, 0xffff];
const SERVER_TYPES = [SOLICIT, REQUEST, CONFIRM, RENEW, REBIND, RELEASE, DECLINE, INFORMATION_REQUEST, RELAY_FORW];
const PEER = hex('fe800000 00000000 020021ff fe5c18a9');
const SERVER_DUID = Buffer.from([...u16(3), ...u16(1), 0x52, 0x54, 0x00, 0x00, 0x00, 0x01]);

/** An option with a random length field now and then. */
const tlv = (code: number, data: number[]): number[] =>
  random() < 0.9 ? option(code, ...data) : [...u16(code), ...u16(pick(INTERESTING_LENGTHS)), ...data];

const address = (): number[] => (random() < 0.5 ? hex('20010db8 00000000 00000000 00000001') : bytes(16));

/** Options inside an IAADDR or IAPREFIX: sometimes a status code, right or short. */
const addressOptions = (): number[] =>
  random() < 0.3 ? tlv(13, random() < 0.8 ? [...u16(below(8)), ...bytes(below(6))] : bytes(below(2))) : [];

/** An IA_NA, IA_TA or IA_PD with random inner options, mostly well formed. */
const randomIa = (): number[] => {
  const code = pick([3, 3, 4, 25, 25]);
  const fixed = bytes(code === 4 ? 4 : 12);
  const inner: number[] = [];
  for (let count = below(4); count > 0; count--) {
    const roll = random();
    if (roll < 0.4) inner.push(...tlv(5, [...address(), ...bytes(8), ...addressOptions()].slice(0, random() < 0.9 ? undefined : below(30))));
    else if (roll < 0.75) inner.push(...tlv(26, [...bytes(8), random() < 0.9 ? below(129) : byte(), ...address(), ...addressOptions()]));
    else if (roll < 0.9) inner.push(...tlv(13, [...u16(below(8)), ...bytes(below(8))]));
    else inner.push(...tlv(byte(), bytes(below(6))));
  }
  const data = [...fixed, ...inner];
  return tlv(code, random() < 0.95 ? data : data.slice(0, below(data.length + 1)));
};

/** Random option-shaped bytes: mostly well formed, sometimes not. */
const randomOptions = (budget: number): number[] => {
  const out: number[] = [];
  while (out.length < budget) {
    const roll = random();
    if (roll < 0.25) out.push(...randomIa());
    else if (roll < 0.3) out.push(...tlv(1, bytes(pick([2, 3, 10, 14, 18]))));
    else if (roll < 0.35) out.push(...tlv(39, [byte(), ...(random() < 0.7 ? wireName('host', 'example') : bytes(below(8)))]));
    else if (roll < 0.4) out.push(...tlv(6, bytes(below(9))));
    else if (roll < 0.45) out.push(...tlv(pick([8, 14, 20]), bytes(pick([0, 0, 1, 2, 3]))));
    else if (roll < 0.97) out.push(...tlv(pick(random() < 0.5 ? INTERESTING_CODES : [below(0x10000)]), bytes(below(random() < 0.9 ? 20 : 300))));
    else out.push(byte()); // a stray byte
  }
  return out;
};

/** A relay message around `inner`, with random relay options on either side and a bad count of relay messages now and then. */
const wrap = (inner: number[], hopCount: number): number[] => {
  const before = random() < 0.3 ? randomRelayOptions() : [];
  const after = random() < 0.5 ? randomRelayOptions() : [];
  const relayed = random() < 0.97 ? tlv(9, inner) : random() < 0.5 ? [] : [...option(9, ...inner), ...option(9, ...inner)];
  return [...relayHeader(random() < 0.98 ? RELAY_FORW : byte(), hopCount, random() < 0.5 ? zeros(16) : bytes(16), PEER), ...before, ...relayed, ...after];
};
const randomRelayOptions = (): number[] =>
  pick([
    () => tlv(18, bytes(below(10))),
    () => tlv(79, [...u16(1), ...bytes(below(8))]),
    () => tlv(37, [...u32(4491), ...bytes(below(6))]),
    () => randomOptions(below(20)),
  ])();

const packet = (options: Dhcp6Option[], msgType = SOLICIT): Buffer =>
  encodePacket6({ msgType, transactionId: 0x4a3b2c, options });
const duidLl = Buffer.from([...u16(3), ...u16(1), 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef]);
const addressAt = (text: string): IaAddress => ({ address: text, preferredLifetime: 3600, validLifetime: 7200, options: [] });

const seeds: Buffer[] = [
  packet([
    { code: 1, data: duidLl },
    { code: 8, data: Buffer.of(0, 0) },
    { code: 6, data: Buffer.from([...u16(23), ...u16(24), ...u16(39)]) },
    iaNaOption({ iaid: 1, t1: 0, t2: 0, addresses: [], options: [] }),
    iaPdOption({ iaid: 2, t1: 0, t2: 0, prefixes: [{ prefix: '::', prefixLength: 56, preferredLifetime: 0, validLifetime: 0, options: [] }], options: [] }),
    { code: 14, data: Buffer.alloc(0) },
    { code: 39, data: Buffer.from([1, ...wireName('laptop')]) },
  ]),
  packet([
    { code: 1, data: duidLl },
    { code: 2, data: SERVER_DUID },
    iaNaOption({ iaid: 1, t1: 1800, t2: 2880, addresses: [addressAt('2001:db8:1::100'), addressAt('::ffff:192.0.2.1')], options: [] }),
    iaTaOption({ iaid: 3, addresses: [{ ...addressAt('fe80::1'), status: { code: 0, message: 'ok' } }], options: [] }),
    iaPdOption({ iaid: 2, t1: 1800, t2: 2880, prefixes: [{ prefix: '2001:db8:ff00::', prefixLength: 56, preferredLifetime: 1, validLifetime: 2, options: [] }], status: { code: 0, message: '' }, options: [] }),
  ], REQUEST),
  packet([{ code: 8, data: Buffer.of(0, 0) }, { code: 6, data: Buffer.from(u16(23)) }], INFORMATION_REQUEST),
];
/** A first-hop relay's RELAY-FORW: Interface-Id, the relayed message, the client's link-layer address. */
const relayed = (inner: number[], hopCount: number): number[] => [
  ...relayHeader(RELAY_FORW, hopCount, hex('20010db8 00010000 00000000 00000001'), PEER),
  ...option(18, 0x65, 0x74, 0x68, 0x30),
  ...option(9, ...inner),
  ...option(79, ...u16(1), 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef),
];
const relayedSeeds = seeds.map((seed) => Buffer.from(relayed([...seed], 0)));
const twiceRelayed = Buffer.from(relayed(relayed([...seeds[0]!], 0), 1));
const allSeeds = [...seeds, ...relayedSeeds, twiceRelayed];

/** A message's IAs as values, written again: equal bytes, equal values. */
const iaBytes = (m: Dhcp6Message): Buffer =>
  Buffer.concat([...iaNas(m).map(iaNaOption), ...iaTas(m).map(iaTaOption), ...iaPds(m).map(iaPdOption)].map((o) => o.data));

const failures: string[] = [];
const outcomes = new Map<string, number>();

const formatAll = (options: readonly Dhcp6Option[]): void => {
  for (const { code, data } of options) {
    const definition = optionByCode6(code);
    if (definition) formatOptionData6(definition, data);
  }
};

const exercise = (input: Buffer, receiver: Receiver = 'server'): void => {
  try {
    const result = decodePacket6(input, receiver);
    const outcome = result.ok ? 'decoded' : result.reason;
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    if (!result.ok) return;
    const p: Dhcp6Packet = result.packet;
    const { message, relays } = relayChain(p);
    const client = clientId(message);
    if (client) duidHardwareAddress(client);
    serverId(message);
    oro(message);
    elapsedTime(message);
    rapidCommit(message);
    reconfigureAccept(message);
    clientFqdn(message);
    formatAll(message.options);
    for (const relay of relays) {
      interfaceId(relay);
      clientLinkLayerAddress(relay);
      formatAll(relay.options);
    }
    // Encoding what was decoded gives the same packet back.
    const encoded = encodePacket6(p);
    const again = decodePacket6(encoded, receiver);
    if (!again.ok || !encodePacket6(again.packet).equals(encoded)) throw new Error('decode(encode(p)) is not p');
    // An answer built from the decoded IAs encodes, relayed back if need be, and carries them unchanged.
    const reply = replyFromRequest(message, REPLY, SERVER_DUID);
    reply.options.push(...iaNas(message).map(iaNaOption), ...iaTas(message).map(iaTaOption), ...iaPds(message).map(iaPdOption));
    const answer = relays[0] ? relayReplyTo(relays[0], reply) : reply;
    const answered = decodePacket6(encodePacket6(answer), 'client');
    if (!answered.ok) throw new Error(`the answer does not decode: ${answered.detail}`);
    if (!iaBytes(relayChain(answered.packet).message).equals(iaBytes(message))) throw new Error('the answer changed the IAs');
    if (isRelay(p) !== (relays.length > 0)) throw new Error('relayChain disagrees with isRelay');
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
    if (roll < 0.3) out[at] = (out[at] ?? 0) ^ (1 << below(8)); // flip a bit
    else if (roll < 0.5) out[at] = pick([0, 1, 2, 3, 4, 5, 9, 12, 13, 24, 25, 26, 0x7f, 0x80, 0xff]); // a boundary byte
    else if (roll < 0.65) out.splice(at, 2, ...u16(pick(INTERESTING_LENGTHS))); // a length (or code) field rewritten
    else if (roll < 0.72) out = out.slice(0, at); // truncate
    else if (roll < 0.82) out.splice(at, below(16)); // delete a run
    else if (roll < 0.92) out.splice(at, 0, ...bytes(below(16))); // insert noise
    else out.splice(at, 0, ...out.slice(below(out.length), below(out.length) + below(40))); // repeat a piece
  }
  return Buffer.from(out);
};

t.test('seeds decode', async (t) => {
  for (const seed of allSeeds) {
    const result = decodePacket6(seed);
    t.ok(result.ok, result.ok ? 'decoded' : `${result.reason}: ${result.detail}`);
  }
});

t.test('100,000 inputs: nothing throws, decoded packets round-trip', async (t) => {
  let inputs = 0;
  // Random datagrams, half of them with a type a server receives first.
  for (let i = 0; i < 20_000; i++, inputs++) {
    const datagram = bytes(below(120));
    if (random() < 0.5) datagram[0] = pick(SERVER_TYPES);
    exercise(Buffer.from(datagram), random() < 0.1 ? 'client' : 'server');
  }
  // A valid header, then random options.
  for (let i = 0; i < 30_000; i++, inputs++) {
    exercise(Buffer.from([pick(SERVER_TYPES.slice(0, -1)), ...bytes(3), ...randomOptions(below(160))]));
  }
  // Mutations of valid packets, relayed or not.
  for (let i = 0; i < 30_000; i++, inputs++) exercise(mutate(pick(allSeeds)));
  // Valid packets cut short at every length.
  for (let i = 0; i < 5_000; i++, inputs++) {
    const seed = pick(allSeeds);
    exercise(seed.subarray(0, below(seed.length)));
  }
  // Messages inside 0 to 14 relay layers, some layers broken.
  for (let i = 0; i < 15_000; i++, inputs++) {
    let layered: number[] = random() < 0.5 ? [...pick(seeds)] : [pick(SERVER_TYPES.slice(0, -1)), ...bytes(3), ...randomOptions(below(60))];
    const depth = below(15);
    for (let layer = 0; layer < depth; layer++) layered = wrap(layered, layer);
    exercise(random() < 0.2 ? mutate(Buffer.from(layered)) : Buffer.from(layered));
  }
  t.equal(inputs, 100_000, `${inputs} inputs`);
  t.same(failures.slice(0, 5), [], `${failures.length} failures`);
  // The generators must reach past the header checks, or this proves little.
  t.ok((outcomes.get('decoded') ?? 0) > 15_000, `decoded ${outcomes.get('decoded')}`);
  for (const reason of ['truncated-header', 'truncated-relay-header', 'unknown-message-type', 'wrong-direction', 'option-overrun',
    'no-relay-message', 'duplicate-relay-message', 'relay-too-deep', 'bad-ia', 'bad-iaaddr', 'bad-iaprefix', 'bad-status-code']) {
    t.ok((outcomes.get(reason) ?? 0) > 50, `${reason}: ${outcomes.get(reason)}`);
  }
});
