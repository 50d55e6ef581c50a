// The DHCPv6 lease engine (sql/handle6.sql) called as a front-end calls it,
// on a test database with a Dhcp6 configuration applied.
import type { Test } from 'tap';
import { applyConfig } from '../../src/config/apply.ts';
import { readDhcp6 } from '../../src/config/dhcp6.ts';
import type { Db } from '../../src/db/pool.ts';
import type { Answer6, Ia6, Message6 } from '../../src/engine/lease-engine6.ts';
import { testDatabase } from './db.ts';
import { T } from './engine.ts';

export { T };
export type { Answer6, Message6 };

export interface Engine6Fixture {
  db: Db;
  url: string;
  /** One call of dhcpg.handle6 for a batch, at a given time. */
  handle(messages: Message6[], now?: Date): Promise<Answer6[]>;
  apply(dhcp6: unknown): Promise<void>;
}

export const engine6Fixture = async (t: Test, dhcp6: unknown, options: { max?: number } = {}): Promise<Engine6Fixture> => {
  const { db, url } = await testDatabase(t, options);
  const apply = async (config: unknown) => {
    await applyConfig(db, { dhcp6: readDhcp6(config).config });
  };
  await apply(dhcp6);
  const handle = async (messages: Message6[], now = T(0)) =>
    (await db.query<{ answer: Answer6 }>('handle6', 'select handle6 as answer from dhcpg.handle6($1::jsonb, $2)',
      [JSON.stringify(messages), now])).map((row) => row.answer);
  return { db, url, handle, apply };
};

/** Client n's DUID (DUID-LL of hardware address 02:00:00:00:hi:lo), as hex. */
export const duid = (n: number): string => `0003000102000000${((n >> 8) & 0xff).toString(16).padStart(2, '0')}${(n & 0xff).toString(16).padStart(2, '0')}`;

/** The relayed LAN of the tests: 2001:db8:1::/64 behind the relay 2001:db8:1::1, addresses ::100 - ::1ff, prefixes /56 of 2001:db8:8000::/48. */
export const relayedLan = (subnet: Record<string, unknown> = {}, global: Record<string, unknown> = {}) => ({
  'preferred-lifetime': 3000,
  'valid-lifetime': 4000,
  ...global,
  subnet6: [{
    id: 1,
    subnet: '2001:db8:1::/64',
    pools: [{ pool: '2001:db8:1::100 - 2001:db8:1::1ff' }],
    'pd-pools': [{ prefix: '2001:db8:8000::', 'prefix-len': 48, 'delegated-len': 56 }],
    ...subnet,
  }],
});

export const LINK = '2001:db8:1::1';

/** A message from client n through the relay LINK. */
export const from = (n: number, type: Message6['type'], ias: Ia6[], extra: Partial<Message6> = {}): Message6 =>
  ({ type, duid: duid(n), link: LINK, ias, ...extra });

/** The one lease of an answer's IA k. */
export const leaseOf = (answer: Answer6 | undefined, k = 0): string | undefined => answer?.ias[k]?.leases[0]?.prefix;
