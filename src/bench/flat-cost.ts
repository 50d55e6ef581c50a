// Allocation cost against pool size and utilisation: the free-address claim
// is an index range scan, so it should cost the same in a 1k pool and a 1M
// pool, empty or 99% full.
import type { Db } from '../db/pool.ts';
import { connect } from '../db/pool.ts';
import { applyConfig4 } from '../config/apply.ts';
import { readDhcp4 } from '../config/dhcp4.ts';
import { leaseEngine4, type Client4 } from '../engine/lease-engine.ts';
import { ipv4ToNumber, numberToIpv4 } from '../net/ipv4.ts';
import { RELAYED_LINK } from './engine-claims.ts';
import { percentile } from './percentile.ts';

export interface FlatCostPoint {
  poolSize: number;
  utilisation: number;
  /** Median and 99th percentile time of one DISCOVER (claim), one connection. */
  p50Us: number;
  p99Us: number;
}

/** A pool of `size` addresses in 198.18.0.0/15 or, past 128k, a /12 whose rows are never sent to. */
const poolConfig = (size: number) => {
  const prefix = size > 131_072 ? '198.16.0.0/12' : '198.18.0.0/15';
  const first = size > 131_072 ? '198.16.0.1' : '198.18.0.1';
  const last = numberToIpv4(ipv4ToNumber(first) + size - 1);
  return { subnet4: [{ id: 1, subnet: prefix, relay: { 'ip-addresses': ['127.0.0.1'] }, pools: [{ pool: `${first} - ${last}` }] }] };
};

/** Marks a random `fraction` of the pool bound to made-up clients, as if long in use. */
const fill = (db: Db, fraction: number) =>
  db.query('bench-fill',
    `update dhcpg.lease4 set state = 'bound', client_key = '\\x03'::bytea || int4send(hashtext(address::text)) || int4send(family(address)) || decode(md5(address::text), 'hex'),
       expires_at = now() + interval '1 day'
     where pool_id is not null and random() < $1::float8`, [fraction]);


export const measureFlatCost = async (
  url: string, sizes: number[], utilisations: number[], samples: number, onStep: (text: string) => void,
): Promise<FlatCostPoint[]> => {
  const points: FlatCostPoint[] = [];
  const db = connect(url, { max: 1, applicationName: 'dhcpg-bench-flat' });
  const engine = leaseEngine4(db);
  let clientNumber = 50_000_000;
  try {
    for (const size of sizes) {
      for (const utilisation of utilisations) {
        onStep(`flat cost: pool ${size}, ${utilisation * 100}% used`);
        await applyConfig4(db, readDhcp4({ subnet4: [] }).config);
        await applyConfig4(db, readDhcp4(poolConfig(size)).config);
        if (utilisation > 0) await fill(db, utilisation);
        await db.query('bench-vacuum-analyze', 'vacuum analyze dhcpg.lease4');
        const times: number[] = [];
        for (let i = 0; i < samples; i++) {
          const hw = Buffer.alloc(6);
          hw.writeUInt32BE(++clientNumber, 2);
          const client: Client4 = { hwType: 1, hwAddress: hw };
          const started = performance.now();
          const offer = await engine.discover(client, RELAYED_LINK);
          times.push((performance.now() - started) * 1000);
          // Give the address back, so a 99%-full pool stays 99% full.
          await db.query('bench-unoffer', `update dhcpg.lease4 set state = 'free', client_key = null, expires_at = '-infinity' where address = $1::inet`, [offer.address]);
        }
        times.sort((a, b) => a - b);
        points.push({ poolSize: size, utilisation, p50Us: Math.round(percentile(times, 0.5)), p99Us: Math.round(percentile(times, 0.99)) });
      }
    }
  } finally {
    await db.end();
  }
  return points;
};
