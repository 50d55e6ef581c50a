// One message's bad bytes cost no other client anything (DESIGN invariant 6):
// host names PostgreSQL cannot store are left out and their clients served,
// and a message the database refuses fails alone, without the front-end
// losing its connection or its readiness.
import t, { type Test } from 'tap';
import { DHCPDISCOVER, DHCPOFFER, messageType } from '../../src/dhcp4/packet.ts';
import { startFrontend, type Frontend } from '../../src/server/frontend.ts';
import { clientMessage, openRelay, type TestRelay } from '../helpers/dhcp-messages.ts';
import { engineFixture, type EngineFixture } from '../helpers/engine.ts';

const RELAY = '127.0.0.1';
const CONFIG = { subnet4: [{ id: 1, subnet: '192.0.2.0/24', relay: { 'ip-addresses': [RELAY] }, pools: [{ pool: '192.0.2.10 - 192.0.2.250' }] }] };

const bytes = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))));
/** Option 81 (RFC 4702): flags, two rcodes, then the name; flag 0x04 says wire labels. */
const fqdn = (flags: number, name: Buffer): Buffer => Buffer.concat([Buffer.from([flags, 0, 0]), name]);

/** Client number, the options it sends, and the host name the lease should end up with (null: none). */
const HOSTILE: [number, [number, Buffer][], string | null][] = [
  [1001, [[12, bytes('ev', [0], 'il')]], null],
  [1002, [[81, fqdn(0x00, bytes('pc', [0], '.example.'))]], null],
  [1003, [[81, fqdn(0x04, bytes([2], 'pc', [2], 'e', [0], [0]))]], null],
  [1004, [[12, bytes([0xc3, 0x28], 'host')]], null],
  [1005, [[81, fqdn(0x04, bytes([3, 0xff, 0xfe, 0x41, 0]))]], null],
  // A bad option 12 beside a good option 81: the name comes from 81.
  [1006, [[12, bytes('a', [0], 'b')], [81, fqdn(0x04, bytes([6], 'laptop', [7], 'example', [0]))]], 'laptop.example.'],
];

const frontendOn = async (t: Test, f: EngineFixture): Promise<{ fe: Frontend; relay: TestRelay; metrics(): Promise<string> }> => {
  const fe = await startFrontend({ url: f.url, port: 0, address: '127.0.0.1', http: { host: '127.0.0.1', port: 0 } });
  t.teardown(() => fe.close());
  const relay = await openRelay();
  t.teardown(() => relay.close());
  return { fe, relay, metrics: async () => (await fetch(`http://127.0.0.1:${fe.httpPort}/metrics`)).text() };
};

/** The backend the front-end's lease connection is (the pool holds one): a new one means it was closed. */
const leaseBackends = async (f: EngineFixture): Promise<number[]> =>
  (await f.db.query<{ pid: number }>('backends', `select pid from pg_stat_activity where datname = current_database() and application_name = 'dhcpg-frontend'`))
    .map((row) => row.pid);

/** Sends every message at once (so they share batches) and collects the replies (a second is plenty on loopback). */
const burst = (relay: TestRelay, port: number, messages: [number, [number, Buffer][]][]) =>
  Promise.all(messages.map(([n, options]) => relay.exchange(clientMessage(DHCPDISCOVER, n, { giaddr: RELAY, options }), port, 1000)));

t.test('host names with a NUL or not UTF-8, among good DISCOVERs: every client answered, the names left out and counted', async (t) => {
  const f = await engineFixture(t, CONFIG);
  const { fe, relay, metrics } = await frontendOn(t, f);
  const port = fe.udpPorts[0]!;
  t.ok(await relay.exchange(clientMessage(DHCPDISCOVER, 1, { giaddr: RELAY }), port), 'serving');
  const backends = await leaseBackends(f);

  // Good clients around each hostile one, all in flight together.
  const messages: [number, [number, Buffer][]][] = [];
  for (let i = 0; i < 40; i++) {
    messages.push([2000 + i, [[12, bytes(`good-${i}`)]]]);
    const hostile = HOSTILE[i];
    if (hostile) messages.push([hostile[0], hostile[1]]);
  }
  const replies = await burst(relay, port, messages);
  const unanswered = messages.filter((_, k) => replies[k] === undefined || messageType(replies[k]!) !== DHCPOFFER).map(([n]) => n);
  t.same(unanswered, [], `all ${messages.length} clients offered an address`);
  t.equal((await fetch(`http://127.0.0.1:${fe.httpPort}/readyz`)).status, 200, 'still ready');
  t.same(await leaseBackends(f), backends, 'the same lease connection throughout');

  const text = await metrics();
  for (const [option, problem, count] of [
    ['host-name', 'nul-byte', 2], ['client-fqdn', 'nul-byte', 2], ['host-name', 'invalid-utf8', 1], ['client-fqdn', 'invalid-utf8', 1],
  ] as const) {
    t.match(text, new RegExp(`dhcpg_client_names_ignored_total\\{option="${option}",problem="${problem}"\\} ${count}\\n`), `${option} ${problem} counted`);
  }
  t.notMatch(text, /dhcpg_drops_total\{family="4",reason="(database-error|database-rejected|not-ready)"\} [1-9]/, 'no message dropped');
  t.notMatch(text, /dhcpg_database_errors_total\{kind="[^"]+"\} [1-9]/, 'no database error');

  const rows = await f.db.query<{ n: number; hostname: string | null }>('names',
    `select get_byte(hw_address, 4) * 256 + get_byte(hw_address, 5) as n, hostname from dhcpg.lease4 where hw_address is not null`);
  const names = new Map(rows.map((row) => [row.n, row.hostname]));
  for (const [n, , hostname] of HOSTILE) t.equal(names.get(n), hostname, `client ${n}: host name ${hostname ?? 'left out'}`);
  t.equal(names.get(2007), 'good-7', 'good names kept');
});

t.test('a message the database refuses fails alone: the rest of its batch answered, connection and readiness kept', async (t) => {
  const f = await engineFixture(t, CONFIG);
  // Data this database refuses (SQLSTATE 23514) in one message out of many,
  // standing for any data error the checks above do not foresee.
  await f.db.query('refuse', `alter table dhcpg.lease4 add constraint test_refused_name check (hostname is distinct from 'refused')`);
  const { fe, relay, metrics } = await frontendOn(t, f);
  const port = fe.udpPorts[0]!;
  t.ok(await relay.exchange(clientMessage(DHCPDISCOVER, 1, { giaddr: RELAY }), port), 'serving');
  const backends = await leaseBackends(f);

  for (let round = 0; round < 3; round++) {
    const messages: [number, [number, Buffer][]][] = [];
    for (let i = 0; i < 30; i++) messages.push([3000 + round * 100 + i, [[12, bytes(`good-${i}`)]]]);
    messages.splice(10, 0, [4000 + round, [[12, bytes('refused')]]]);
    const replies = await burst(relay, port, messages);
    const answered = messages.filter((_, k) => replies[k] !== undefined).map(([n]) => n);
    t.same(answered, messages.map(([n]) => n).filter((n) => n !== 4000 + round), `round ${round}: every other client answered`);
  }
  t.equal((await fetch(`http://127.0.0.1:${fe.httpPort}/readyz`)).status, 200, 'still ready');
  t.same(await leaseBackends(f), backends, 'the same lease connection throughout');
  const text = await metrics();
  t.match(text, /dhcpg_drops_total\{family="4",reason="database-rejected"\} 3\n/, 'each refused message counted as a drop');
  t.notMatch(text, /dhcpg_drops_total\{family="4",reason="(database-error|not-ready)"\} [1-9]/, 'no other message dropped');
  t.notMatch(text, /dhcpg_database_errors_total\{kind="[^"]+"\} [1-9]/, 'the database never counted as failing');
});
