// A busy front-end stays ready: readiness follows the database (DESIGN
// invariant 7), not the load. Its health check must not wait behind its own
// lease calls: when it did, calls longer than the check's timeout (half of
// --db-timeout) made a front-end that was answering every message declare
// the database unusable and drop everything as not-ready, an outage made of
// load alone (seen under perfdhcp -6 at 1,000 exchanges a second).
import t from 'tap';
import { DHCPDISCOVER, DHCPOFFER } from '../../src/dhcp4/packet.ts';
import { startFrontend } from '../../src/server/frontend.ts';
import { clientMessage, openRelay } from '../helpers/dhcp-messages.ts';
import { engineFixture } from '../helpers/engine.ts';
import { RELAYED_LAN } from '../helpers/own-cluster.ts';

const RELAY = '127.0.0.1';
const DB_TIMEOUT = 1000;
/** Each lease call takes this long: three times the check's 500 ms, under the statement timeout (2 s). */
const CALL_MS = 1500;
const LOAD_MS = 4000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('a front-end whose one lease connection is always busy stays ready and answers', { timeout: 60_000 }, async (t) => {
  const { db, url } = await engineFixture(t, RELAYED_LAN);
  // The lease engine made slow: each transaction that takes a client lock
  // sleeps once, at its first (the function of sql/client_key4.sql, replaced
  // in this test's database only).
  await db.query('slow-engine', `create or replace function dhcpg.client_lock_id(client_key bytea) returns bigint
    language plpgsql volatile as $$
    begin
      if current_setting('dhcpg_test.slept', true) is distinct from 'yes' then
        perform pg_sleep(${CALL_MS / 1000});
        perform set_config('dhcpg_test.slept', 'yes', true);
      end if;
      return hashtextextended(encode(client_lock_id.client_key, 'base64'), 4);
    end $$`);

  const fe = await startFrontend({
    url, port: 0, address: '127.0.0.1', http: { host: '127.0.0.1', port: 0 }, dbTimeout: DB_TIMEOUT, dbConnections: 1,
  });
  t.teardown(() => fe.close());
  const relay = await openRelay();
  t.teardown(() => relay.close());
  const readyz = async () => (await fetch(`http://127.0.0.1:${fe.httpPort}/readyz`)).status;
  t.equal(await readyz(), 200, 'ready before the load');

  // Four clients at a time, each asking again as soon as it is answered: the
  // connection is never idle while the load lasts.
  const started = performance.now();
  let answered = 0;
  let unanswered = 0;
  const client = async (k: number) => {
    for (let n = 0; performance.now() - started < LOAD_MS; n++) {
      const offer = await relay.exchange(clientMessage(DHCPDISCOVER, 1 + k * 1000 + n, { giaddr: RELAY }), fe.udpPorts[0]!, 4 * CALL_MS);
      if (offer?.options.get(53)?.[0] === DHCPOFFER) answered++;
      else unanswered++;
    }
  };
  const statuses: number[] = [];
  const watch = async () => {
    while (performance.now() - started < LOAD_MS) {
      statuses.push(await readyz());
      await sleep(50);
    }
  };
  await Promise.all([client(0), client(1), client(2), client(3), watch()]);

  t.ok(answered >= 4, `${answered} DISCOVERs answered with an OFFER`);
  t.equal(unanswered, 0, 'none unanswered');
  t.same(statuses.filter((status) => status !== 200), [], `ready at each of ${statuses.length} looks while busy`);
  const metrics = await (await fetch(`http://127.0.0.1:${fe.httpPort}/metrics`)).text();
  t.notMatch(metrics, /dhcpg_drops_total\{family="4",reason="not-ready"\} [1-9]/, 'nothing dropped as not-ready');
});
