// The only module that talks to node-postgres. Queries carry a name, which is
// what gets logged (with the duration): never the parameters, they hold client
// data. Named queries are also prepared once per connection by pg.
import pg from 'pg';
import { log } from '../log.ts';

// int8 (counts, serials) as JavaScript numbers: every value dhcpg reads fits.
pg.types.setTypeParser(pg.types.builtins.INT8, (text: string) => Number(text));

export interface Db {
  /** One statement, one round trip, on any pooled connection. */
  query<Row extends object>(name: string, text: string, values?: unknown[]): Promise<Row[]>;
  /** Runs fn inside BEGIN/COMMIT on one connection, ROLLBACK if it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Connection errors of idle clients end up here instead of crashing the process. */
  onError(listener: (error: Error) => void): void;
  end(): Promise<void>;
}

export interface Tx {
  query<Row extends object>(text: string, values?: unknown[]): Promise<Row[]>;
}

export interface DbOptions {
  max?: number;
  applicationName?: string;
  /** Milliseconds a statement may run before the server cancels it. */
  statementTimeout?: number;
  connectionTimeout?: number;
}

export const connect = (url: string | undefined, options: DbOptions = {}): Db => {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'dhcpg',
    statement_timeout: options.statementTimeout,
    connectionTimeoutMillis: options.connectionTimeout ?? 5000,
  });
  const errorListeners: ((error: Error) => void)[] = [];
  pool.on('error', (error) => {
    if (errorListeners.length === 0) log.warn({ err: error.message }, 'idle database connection failed');
    for (const listener of errorListeners) listener(error);
  });

  return {
    async query<Row extends object>(name: string, text: string, values: unknown[] = []) {
      const started = performance.now();
      const result = await pool.query<Row>({ name, text, values });
      log.debug({ query: name, ms: +(performance.now() - started).toFixed(2) }, 'query');
      return result.rows;
    },
    async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const value = await fn({
          query: async <Row extends object>(text: string, values: unknown[] = []) =>
            (await client.query<Row>(text, values)).rows,
        });
        await client.query('commit');
        return value;
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    onError: (listener) => {
      errorListeners.push(listener);
    },
    end: () => pool.end(),
  };
};
