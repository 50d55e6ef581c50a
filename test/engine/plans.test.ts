// dhcpg.handle4 plans its statements once, generically (it sets
// plan_cache_mode), so PostgreSQL plans them without knowing how many messages
// a batch holds (it takes every unnest() of an array for 10 rows) and with
// whatever statistics the lease table has then. A nested loop that runs over
// one of the batch's arrays once for each row of the other makes a call cost
// the square of its size: with statistics of a table full of bindings, one
// did, and a front-end fell to half its rate under load. Nor may a statement
// read the lease table whole. Checked on the plans themselves, not on
// timings: auto_explain hands every statement's plan to the session as a
// notice.
import t from 'tap';
import { applyConfig4 } from '../../src/config/apply.ts';
import { readDhcp4 } from '../../src/config/dhcp4.ts';
import type { Db } from '../../src/db/pool.ts';
import { leaseEngine4 } from '../../src/engine/lease-engine.ts';
import { batchRescans, explainingSession } from '../helpers/auto-explain.ts';
import { testDatabase } from '../helpers/db.ts';
import { client } from '../helpers/engine.ts';

t.test('no statement of a batch rescans one of its arrays per row or reads the lease table whole, with the table analysed full', async (t) => {
  const { db, url } = await testDatabase(t);
  // Big enough that reading a table whole never looks cheap: 65,000
  // addresses and 2,000 reservations, one of them with an address.
  const hw = (n: number) => `02:00:00:${(n >> 16).toString(16).padStart(2, '0')}:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;
  await applyConfig4(db, readDhcp4({
    'valid-lifetime': 3600,
    subnet4: [{ id: 1, subnet: '198.18.0.0/16', pools: [{ pool: '198.18.0.10 - 198.18.255.250' }],
      reservations: [
        { 'hw-address': hw(512), 'ip-address': '198.18.0.5' },
        ...Array.from({ length: 2000 }, (_, k) => ({ 'hw-address': hw(0x10000 + k), hostname: `host-${k}` })),
      ] }],
  }).config);
  // A network in use: most addresses bound, statistics taken then.
  await db.query('bind-most', `update dhcpg.lease4 set state = 'bound', client_key = '\\x02'::bytea || decode(md5(address::text), 'hex'),
    hw_type = 1, hw_address = substring(decode(md5(address::text), 'hex') for 6), expires_at = now() + interval '1 hour'
    where address >= '198.18.16.0'`);
  await db.query('analyze', 'analyze dhcpg.lease4, dhcpg.reservation4');

  const explaining = await explainingSession(t, url);
  if (!explaining) return t.plan(0, 'this PostgreSQL has no auto_explain module');
  const { session, plans } = explaining;
  const traced: Db = {
    query: async (_name, text, values) => (await session.query(text, values)).rows,
    transaction: () => Promise.reject(new Error('not used by the lease engine')),
    onError: () => {},
    onFailover: () => {},
    leaveHost: () => {},
    currentUrl: () => url,
    end: () => session.end(),
  };
  const engine = leaseEngine4(traced, { concurrency: 1 });
  const RELAYED = { selector: '198.18.0.1', relay: '198.18.0.1' };

  // Batches with every kind of message and every path of an offer: new
  // clients, returning ones, reserved and requested addresses, requests,
  // releases, declines and informs.
  const at = { now: new Date() };
  const offers = await Promise.all(Array.from({ length: 20 }, (_, k) => engine.discover(client(k + 1), RELAYED, at)));
  await Promise.all([
    ...offers.slice(0, 16).map((offer, k) => engine.request(client(k + 1), RELAYED, 'selecting', offer.address!, at)),
    engine.discover(client(17), RELAYED, at),
    engine.discover(client(512), RELAYED, at),
    engine.discover(client(30), RELAYED, { ...at, requested: '198.18.0.40' }),
    engine.inform(client(31), RELAYED),
  ]);
  await Promise.all([
    engine.release(client(1), offers[0]!.address!, at),
    engine.decline(client(2), offers[1]!.address!, at),
    engine.request(client(3), RELAYED, 'renewing', offers[2]!.address!, at),
    engine.discover(client(4), RELAYED, at),
  ]);

  const statements = plans.filter((plan) => plan.includes('Query Text'));
  t.ok(statements.some((plan) => plan.includes('set client_key = null')), 'the plans include write_grants4 clearing identities');
  t.ok(statements.some((plan) => plan.includes('for update skip locked')), 'and the free-address scan');
  t.same(statements.filter((plan) => batchRescans(plan).length > 0), [], 'no nested loop over an array of the batch');
  // A lease table holds every address of every pool: read whole, it would
  // cost each call time in proportion to the network.
  t.same(statements.filter((plan) => /Seq Scan on (lease4|reservation4)\b/.test(plan)), [], 'no statement reads the lease or reservation table whole');
});
