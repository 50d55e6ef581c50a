// DHCPv6 allocation cost against pool size and use: a new lease comes from
// the pool's sequence, or once that is spent from the longest-expired row
// (SKIP LOCKED), so one SOLICIT should cost the same in 256 addresses as in
// 2^64, empty or 90% bound. Pools too big to fill here are measured at
// 100,000 bound leases instead. This machine's speed drifts by tens of
// percent within a minute, as much as the differences sought, so each
// sample is followed by a SOLICIT into a reference pool (a fresh /64 of
// another subnet), and each point is also given relative to it.
import type { Db } from '../db/pool.ts';
import { connect } from '../db/pool.ts';
import { applyConfig } from '../config/apply.ts';
import { readDhcp6 } from '../config/dhcp6.ts';
import { leaseEngine6, type Message6 } from '../engine/lease-engine6.ts';
import { percentile } from './percentile.ts';

export interface FlatCostPoint6 {
  kind: 'na' | 'pd';
  /** Prefix length of the pool: /120, /104, /64; or, for prefixes, of the pd-pool. */
  poolLength: number;
  /** 128 for addresses; the length of the prefixes delegated. */
  delegatedLength: number;
  /** Leases the pool holds, as text (2^64 is beyond a JSON number's precision). */
  poolSize: string;
  /** Share bound before the samples, or undefined where `bound` leases were bound instead. */
  utilisation?: number;
  bound: number;
  /** Median and 99th percentile time of one SOLICIT (a claim), one connection. */
  p50Us: number;
  p99Us: number;
  /** Median time of the reference SOLICITs timed alternately with this point's. */
  referenceP50Us: number;
}

/** Most leases bound before a point: more would take the bench minutes per point. */
export const MOST_BOUND = 100_000;

const LINK = '2001:db8:1::1';
/** The reference: a /64 of addresses in a subnet of its own, never filled. */
const REFERENCE = { subnet: '2001:db8:7fff::/64', link: '2001:db8:7fff::1' };
/** Where the prefix pools lie: 2001:db8:8000::/33, outside the link's /64. */
const PD_BASE = '2001:db8:8000::';

/**
 * The pools measured: addresses of /120, /104 and /64; 2^8, 2^16 and 2^24
 * prefixes (/56 of a /48 and of a /40, /57 of a /33).
 */
export const POOLS6: { kind: 'na' | 'pd'; length: number; delegated: number }[] = [
  { kind: 'na', length: 120, delegated: 128 }, { kind: 'na', length: 104, delegated: 128 }, { kind: 'na', length: 64, delegated: 128 },
  { kind: 'pd', length: 48, delegated: 56 }, { kind: 'pd', length: 40, delegated: 56 }, { kind: 'pd', length: 33, delegated: 57 },
];

const config = (kind: 'na' | 'pd', length: number, delegated: number) => ({
  'preferred-lifetime': 3000,
  'valid-lifetime': 4000,
  subnet6: [{
    id: 1,
    subnet: '2001:db8:1::/64',
    ...(kind === 'na'
      ? { pools: [{ pool: `2001:db8:1::/${length}` }] }
      : { 'pd-pools': [{ prefix: PD_BASE, 'prefix-len': length, 'delegated-len': delegated }] }),
  }, { id: 2, subnet: REFERENCE.subnet, pools: [{ pool: REFERENCE.subnet }] }],
});

/** Binds the pool's first `count` leases to made-up clients, and moves its sequence past them. */
const fill = async (db: Db, count: number) => {
  if (count === 0) return;
  await db.query('bench6-fill', `insert into dhcpg.lease6 (prefix, kind, subnet_id, pool_id, state, duid, iaid, preferred_until, expires_at)
    select dhcpg.pool6_lease(p, g), p.kind, p.subnet_id, p.id, 'bound', '\\x0005'::bytea || int8send(g), 1,
           now() + interval '1 day', now() + interval '1 day'
      from dhcpg.pool6 p, generate_series(0, $1::bigint - 1) g
      where p.subnet_id = 1`, [count]);
  await db.query('bench6-advance', `select setval(dhcpg.pool6_sequence(p.id), $1::bigint - 1) from dhcpg.pool6 p where p.subnet_id = 1`, [count]);
};

const WARM_UP = 10;


export const measureFlatCost6 = async (
  url: string, utilisations: number[], samples: number, onStep: (text: string) => void,
): Promise<FlatCostPoint6[]> => {
  const points: FlatCostPoint6[] = [];
  const db = connect(url, { max: 1, applicationName: 'dhcpg-bench-flat6' });
  const engine = leaseEngine6(db);
  let client = 0;
  try {
    for (const { kind, length, delegated } of POOLS6) {
      const bits = delegated - length;
      const size = 2n ** BigInt(bits);
      // The shares that can be bound here, else MOST_BOUND leases.
      const fillable = utilisations.filter((u) => Number(size) * u <= MOST_BOUND);
      const plan = fillable.length === utilisations.length
        ? utilisations.map((u) => ({ utilisation: u, bound: Math.round(Number(size) * u) }))
        : [...fillable.map((u) => ({ utilisation: u, bound: Math.round(Number(size) * u) })), { utilisation: undefined, bound: MOST_BOUND }];
      for (const { utilisation, bound } of plan) {
        onStep(`flat cost -6: ${kind === 'na' ? 'addresses' : 'prefixes'} /${length}, ${utilisation === undefined ? `${bound} bound` : `${utilisation * 100}% used`}`);
        await db.query('bench6-clear', 'delete from dhcpg.lease6');
        await applyConfig(db, { dhcp6: readDhcp6({ subnet6: [] }).config });
        await applyConfig(db, { dhcp6: readDhcp6(config(kind, length, delegated)).config });
        await fill(db, bound);
        await db.query('bench6-vacuum-analyze', 'vacuum analyze dhcpg.lease6');
        const times: number[] = [];
        const references: number[] = [];
        const solicit = async (link: string, ia: Message6['ias'][number]) => {
          const message: Message6 = { type: 'solicit', duid: `00030001${(++client).toString(16).padStart(12, '0')}`, link, ias: [ia] };
          const started = performance.now();
          const answer = await engine.handle(message);
          return { answer, us: (performance.now() - started) * 1000 };
        };
        // The first few, not counted, prepare the connection's plans.
        for (let i = -WARM_UP; i < samples; i++) {
          const { answer, us } = await solicit(LINK, { kind, iaid: 1 });
          const reference = await solicit(REFERENCE.link, { kind: 'na', iaid: 1 });
          if (i >= 0) {
            times.push(us);
            references.push(reference.us);
          }
          // Given back at once, so the pool's use stays what it was: a small
          // pool's sequence is soon spent, and its claims then reuse rows.
          const lease = answer.ias[0]?.leases[0]?.prefix;
          if (lease) {
            await db.query('bench6-unoffer', `update dhcpg.lease6 set state = 'released', duid = null, iaid = null,
              expires_at = now() - interval '1 second' where prefix = $1::cidr`, [lease]);
          }
        }
        times.sort((a, b) => a - b);
        references.sort((a, b) => a - b);
        points.push({ kind, poolLength: length, delegatedLength: delegated, poolSize: size.toString(), utilisation, bound,
          p50Us: Math.round(percentile(times, 0.5)), p99Us: Math.round(percentile(times, 0.99)),
          referenceP50Us: Math.round(percentile(references, 0.5)) });
      }
    }
  } finally {
    await db.end();
  }
  return points;
};
