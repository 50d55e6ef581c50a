// What writing either family's configuration starts with (config/apply.ts,
// config/apply6.ts): its shared networks, and the subnets it no longer has.
import type { Tx } from '../db/pool.ts';

/** Bytes as hex for decode(..., 'hex'), or null. */
export const hex = (value: Buffer | undefined): string | null => value?.toString('hex') ?? null;

/**
 * Keeps exactly the named shared networks of a family and drops its subnets
 * the configuration no longer has (with their pools and reservations:
 * cascade; DHCPv4's leases too), returning their ids. The subnets that
 * remain are then written by id.
 */
export const writeNetworks = async (tx: Tx, family: 4 | 6, sharedNetworks: string[], subnetIds: number[]): Promise<number[]> => {
  await tx.query(`delete from dhcpg.shared_network${family} where not (name = any ($1::text[]))`, [sharedNetworks]);
  await tx.query(`insert into dhcpg.shared_network${family} (name) select unnest($1::text[]) on conflict (name) do nothing`,
    [sharedNetworks]);
  const removed = await tx.query<{ id: number }>(`delete from dhcpg.subnet${family} where not (id = any ($1::int[])) returning id`, [subnetIds]);
  return removed.map((row) => row.id);
};
