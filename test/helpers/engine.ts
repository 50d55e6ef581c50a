// A database with a configuration applied and the lease engine on it.
import type { Test } from 'tap';
import { applyConfig4 } from '../../src/config/apply.ts';
import { readDhcp4 } from '../../src/config/dhcp4.ts';
import type { Db } from '../../src/db/pool.ts';
import { leaseEngine4, type Client4, type LeaseEngine4 } from '../../src/engine/lease-engine.ts';
import { testDatabase } from './db.ts';

export interface EngineFixture {
  db: Db;
  url: string;
  engine: LeaseEngine4;
  apply(dhcp4: unknown): Promise<void>;
}

export const engineFixture = async (t: Test, dhcp4: unknown, options: { max?: number } = {}): Promise<EngineFixture> => {
  const { db, url } = await testDatabase(t, options);
  const apply = async (config: unknown) => {
    await applyConfig4(db, readDhcp4(config).config);
  };
  await apply(dhcp4);
  return { db, url, engine: leaseEngine4(db), apply };
};

/** Client number n: Ethernet, hardware address 02:00:00:00:hi:lo. */
export const client = (n: number, clientId?: string): Client4 => ({
  hwType: 1,
  hwAddress: Buffer.from([2, 0, 0, 0, (n >> 8) & 0xff, n & 0xff]),
  clientId: clientId === undefined ? undefined : Buffer.from(clientId),
});

/** A fixed clock for tests: T(0) and seconds after it. */
const EPOCH = Date.parse('2030-01-01T00:00:00Z');
export const T = (seconds: number): Date => new Date(EPOCH + seconds * 1000);

/** A small relayed LAN: 192.0.2.0/24, pool .10 - .19, relay 192.0.2.1. */
export const smallLan = (extra: Record<string, unknown> = {}, subnetExtra: Record<string, unknown> = {}) => ({
  'valid-lifetime': 3600,
  'offer-lifetime': 30,
  'decline-probation-period': 600,
  ...extra,
  subnet4: [{
    id: 1,
    subnet: '192.0.2.0/24',
    pools: [{ pool: '192.0.2.10 - 192.0.2.19' }],
    'option-data': [{ name: 'routers', data: '192.0.2.1' }],
    ...subnetExtra,
  }],
});

export const RELAYED = { selector: '192.0.2.1', relay: '192.0.2.1' };
