// libpq-style host lists (postgres://user@h1:5432,h2:5432/db): node-postgres
// takes one host, so dhcpg splits the list and connects to the first host
// that answers and accepts writes; after a failover it looks again.
import pg from 'pg';
import { databaseErrorKind } from './errors.ts';

/** One URL per host of the list; a single-host URL comes back as it is. */
export const splitHosts = (url: string): string[] => {
  const match = /^(postgres(?:ql)?:\/\/)([^@/]*@)?([^/?#]*)(.*)$/.exec(url);
  if (!match || !match[3]!.includes(',')) return [url];
  return match[3]!.split(',').map((host) => `${match[1]}${match[2] ?? ''}${host}${match[4]}`);
};

/**
 * One row, read_only: whether this session's host takes no writes, as libpq's
 * target_session_attrs=read-write tells: a standby (in recovery), or
 * default_transaction_read_only on.
 */
export const READ_ONLY_QUERY = `select pg_is_in_recovery() or current_setting('transaction_read_only') = 'on' as read_only`;

/** The first host of the list that accepts writes (READ_ONLY_QUERY false). */
export const findWritable = async (urls: string[], timeoutMs = 2000): Promise<string> => {
  const tried: string[] = [];
  for (const url of urls) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
    try {
      await client.connect();
      const { rows } = await client.query<{ read_only: boolean }>(READ_ONLY_QUERY);
      if (!rows[0]!.read_only) return url;
      tried.push(`${new URL(url).host}: read-only`);
    } catch (error) {
      tried.push(`${new URL(url).host}: ${(error as Error).message}`);
    } finally {
      await client.end().catch(() => {});
    }
  }
  throw new Error(`no writable PostgreSQL among the hosts (${tried.join('; ')})`);
};

/** Errors after which another host of the list may be the primary now. */
export const isFailoverError = (error: unknown): boolean => {
  const kind = databaseErrorKind(error);
  return kind === 'connection' || kind === 'read-only';
};
