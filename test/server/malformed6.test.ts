// Bad DHCPv6 input never crashes a front-end and never writes anything
// wrong: a seeded fuzz of 100,000 datagrams through the decoder, the handler
// and the real lease engine (DESIGN invariant 6).
import t from 'tap';
import { applyConfig } from '../../src/config/apply.ts';
import { readDhcp6 } from '../../src/config/dhcp6.ts';
import { iaNaOption, iaPdOption } from '../../src/dhcp6/ia.ts';
import { encodePacket6, OPTION_CLIENTID, OPTION_INTERFACE_ID, RELAY_FORW, SOLICIT } from '../../src/dhcp6/packet.ts';
import { leaseEngine6 } from '../../src/engine/lease-engine6.ts';
import { loadFrontendConfig } from '../../src/server/config-cache.ts';
import { createHandler6 } from '../../src/server/handler6.ts';
import { testDatabase } from '../helpers/db.ts';
import { seededRandom } from '../helpers/random.ts';

const FROM = { address: '2001:db8:1::1', port: 547 };

const valid = encodePacket6({
  msgType: RELAY_FORW, hopCount: 0, linkAddress: '2001:db8:1::1', peerAddress: 'fe80::2',
  options: [{ code: OPTION_INTERFACE_ID, data: Buffer.from('eth0') }],
  relayed: {
    msgType: SOLICIT, transactionId: 1,
    options: [
      { code: OPTION_CLIENTID, data: Buffer.from('00030001020000000001', 'hex') },
      iaNaOption({ iaid: 1, t1: 0, t2: 0, addresses: [], options: [] }),
      iaPdOption({ iaid: 2, t1: 0, t2: 0, prefixes: [], options: [] }),
    ],
  },
});

t.test('100,000 seeded DHCPv6 inputs through decoder, handler and engine', async (t) => {
  const { db } = await testDatabase(t);
  await applyConfig(db, { dhcp6: readDhcp6({
    subnet6: [{
      id: 1, subnet: '2001:db8:1::/64', pools: [{ pool: '2001:db8:1::/80' }],
      'pd-pools': [{ prefix: '2001:db8:8000::', 'prefix-len': 40, 'delegated-len': 56 }],
    }],
  }).config });
  const config = await loadFrontendConfig(db);
  const handle = createHandler6({ engine: leaseEngine6(db), config: () => config, clientPort: 546, ready: () => true });
  const random = seededRandom(8415);
  const byte = () => Math.floor(random() * 256);
  const reasons = new Map<string, number>();
  let answered = 0;
  const failures: string[] = [];
  for (let i = 0; i < 100_000; i++) {
    let data: Buffer;
    if (i % 10 === 0) {
      // The valid SOLICIT with a few bytes changed: some still decode, and are answered.
      data = Buffer.from(valid);
      for (let k = 0; k < 1 + Math.floor(random() * 4); k++) data[Math.floor(random() * data.length)] = byte();
    } else if (i % 10 === 1) {
      // Cut short anywhere.
      data = valid.subarray(0, Math.floor(random() * valid.length));
    } else {
      // A valid relay header, then random bytes for its options.
      data = Buffer.concat([valid.subarray(0, 34), Buffer.from(Array.from({ length: Math.floor(random() * 80) }, byte))]);
    }
    const outcome = await handle({ data, from: FROM });
    if (outcome.reply) answered++;
    if (outcome.drop) reasons.set(outcome.drop, (reasons.get(outcome.drop) ?? 0) + 1);
    if (outcome.drop === 'database-error' || outcome.drop === 'database-rejected') failures.push(`${outcome.drop}: ${outcome.detail}`);
  }
  t.comment(JSON.stringify(Object.fromEntries(reasons)));
  t.same(failures.slice(0, 5), [], 'no input made the database fail');
  t.ok(reasons.size >= 5, `several drop reasons seen: ${[...reasons.keys()].join(', ')}`);
  t.ok(answered > 0 && answered < 10_000, `${answered} changed-but-valid messages answered`);
  const [row] = await db.query<{ doubled: number; outside: number }>('invariants', `
    select (select count(*)::int from (select 1 from dhcpg.lease6 where duid is not null
              group by subnet_id, duid, iaid, kind having count(*) > 1) d) as doubled,
           (select count(*)::int from dhcpg.lease6 l where l.pool_id is null) as outside`);
  t.same(row, { doubled: 0, outside: 0 }, 'one lease per client per IA, every lease in a pool');
});
