// Bad input never crashes a front-end and never writes: each malformed
// datagram is dropped and counted by reason (DESIGN invariant 6).
import t from 'tap';
import { DHCPDISCOVER, DHCPREQUEST, encodePacket } from '../../src/dhcp4/packet.ts';
import { leaseEngine4 } from '../../src/engine/lease-engine.ts';
import { loadFrontendConfig } from '../../src/server/config-cache.ts';
import { createHandler } from '../../src/server/handler.ts';
import { startFrontend } from '../../src/server/frontend.ts';
import { clientMessage, openRelay } from '../helpers/dhcp-messages.ts';
import { engineFixture } from '../helpers/engine.ts';
import { seededRandom } from '../helpers/random.ts';

const RELAY = '127.0.0.1';
const CONFIG = { subnet4: [{ id: 1, subnet: '192.0.2.0/24', relay: { 'ip-addresses': [RELAY] }, pools: [{ pool: '192.0.2.10 - 192.0.2.50' }] }] };
const FROM = { address: RELAY, port: 67 };

const valid = encodePacket(clientMessage(DHCPDISCOVER, 1, { giaddr: RELAY }));
/** Bytes of the options area of a valid DISCOVER, before END. */
const withOptions = (bytes: number[]): Buffer => {
  const head = Buffer.from(valid.subarray(0, 240));
  return Buffer.concat([head, Buffer.from([53, 1, 1, ...bytes])]);
};

const CASES: [string, Buffer, string][] = [
  ['empty datagram', Buffer.alloc(0), 'truncated-header'],
  ['truncated header', valid.subarray(0, 100), 'truncated-header'],
  ['no magic cookie', Buffer.concat([valid.subarray(0, 236), Buffer.from([1, 2, 3, 4]), valid.subarray(240)]), 'bad-magic'],
  ['option length past the end', withOptions([12, 200, 65, 66]), 'option-overrun'],
  ['no END option', withOptions([12, 2, 65, 66]), 'no-end-option'],
  ['overload continued in file, which overloads again', (() => {
    const data = withOptions([52, 1, 1, 255]);
    Buffer.from([52, 1, 1, 255]).copy(data, 108); // the file field (offset 108) holds option 52 again
    return data;
  })(), 'bad-overload'],
  ['message type of two bytes', Buffer.concat([valid.subarray(0, 240), Buffer.from([53, 2, 1, 1, 255])]), 'bad-option-length'],
  ['no message type', Buffer.concat([valid.subarray(0, 240), Buffer.from([255])]), 'no-message-type'],
  ['oversized datagram', Buffer.alloc(70_000, 1), 'oversize'],
  ['hlen 17', Buffer.from(valid.map((b, i) => (i === 2 ? 17 : b))), 'bad-hlen'],
  ['op 3', Buffer.from(valid.map((b, i) => (i === 0 ? 3 : b))), 'bad-op'],
  ['a reply (op 2) sent to the server', Buffer.from(valid.map((b, i) => (i === 0 ? 2 : b))), 'not-a-request'],
  ['an OFFER sent to the server', encodePacket(clientMessage(2, 1, { giaddr: RELAY })), 'unsupported-message'],
  ['relay agent information with a bad sub-option length', encodePacket(clientMessage(DHCPDISCOVER, 1, { giaddr: RELAY, options: [[82, Buffer.from([1, 9, 1])]] })), 'bad-relay-agent-info'],
  ['REQUEST with no address at all', encodePacket(clientMessage(DHCPREQUEST, 1, { giaddr: RELAY })), 'no-address'],
];

t.test('each kind of malformed packet is dropped with its reason, writing nothing', async (t) => {
  const f = await engineFixture(t, CONFIG);
  const config = await loadFrontendConfig(f.db);
  const handle = createHandler({ engine: leaseEngine4(f.db), config: () => config, localAddresses: () => new Set(), clientPort: 68, ready: () => true });
  for (const [name, data, reason] of CASES) {
    const outcome = await handle({ data, from: FROM });
    t.equal(outcome.drop, reason, name);
    t.notOk(outcome.reply, `${name}: no reply`);
  }
  const [row] = await f.db.query<{ n: number }>('n1', `select count(*) as n from dhcpg.lease4 where state <> 'free'`);
  t.equal(row?.n, 0, 'nothing written');
});

t.test('a seeded fuzz loop of 100k inputs through the handler: no throw, no reply to garbage', async (t) => {
  const f = await engineFixture(t, CONFIG);
  const config = await loadFrontendConfig(f.db);
  const handle = createHandler({ engine: leaseEngine4(f.db), config: () => config, localAddresses: () => new Set(), clientPort: 68, ready: () => true });
  const random = seededRandom(3046);
  const reasons = new Map<string, number>();
  let answered = 0;
  for (let i = 0; i < 100_000; i++) {
    let data: Buffer;
    if (i % 10 === 0) {
      // A valid DISCOVER with a few bytes flipped: some still decode and are answered.
      data = Buffer.from(valid);
      for (let k = 0; k < 1 + Math.floor(random() * 4); k++) data[Math.floor(random() * data.length)] = Math.floor(random() * 256);
    } else {
      // A valid header (so decoding gets past the cookie) followed by random options.
      const tail = Buffer.from(Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256)));
      data = Buffer.concat([valid.subarray(0, 240), tail]);
    }
    const outcome = await handle({ data, from: FROM });
    if (outcome.reply) answered++;
    if (outcome.drop) reasons.set(outcome.drop, (reasons.get(outcome.drop) ?? 0) + 1);
  }
  t.comment(JSON.stringify(Object.fromEntries(reasons)));
  t.ok(reasons.size >= 5, 'several drop reasons seen');
  t.ok(answered < 10_000, `${answered} mutated-but-valid packets answered`);
  // Whatever was answered is consistent: no address held twice, nothing outside the pool.
  const [row] = await f.db.query<{ twice: number }>('n2',
    `select count(*) as twice from (select 1 from dhcpg.lease4 where client_key is not null group by subnet_id, client_key having count(*) > 1) d`);
  t.equal(row?.twice, 0);
});

t.test('garbage over UDP: the front-end keeps serving and counts each drop', async (t) => {
  const f = await engineFixture(t, CONFIG);
  const fe = await startFrontend({ url: f.url, port: 0, address: '127.0.0.1', http: { host: '127.0.0.1', port: 0 } });
  t.teardown(() => fe.close());
  const relay = await openRelay();
  t.teardown(() => relay.close());
  for (const [, data] of CASES) if (data.length < 65_000) await relay.send(data, fe.udpPorts[0]!);
  const offer = await relay.exchange(clientMessage(DHCPDISCOVER, 7, { giaddr: RELAY }), fe.udpPorts[0]!);
  t.equal(offer?.yiaddr, '192.0.2.10', 'still serving');
  const metrics = await (await fetch(`http://127.0.0.1:${fe.httpPort}/metrics`)).text();
  for (const reason of ['truncated-header', 'bad-magic', 'option-overrun', 'bad-overload', 'not-a-request', 'bad-relay-agent-info']) {
    t.match(metrics, new RegExp(`dhcpg_drops_total\\{family="4",reason="${reason}"\\} [1-9]`), reason);
  }
});
