// The only module that talks to node-postgres for queries. Queries carry a
// name, which is what gets logged (with the duration): never the parameters,
// they hold client data. Named queries are also prepared once per connection.
//
// Given a host list (postgres://h1,h2/db), the pool connects to the writable
// host, and after an error that a failover explains (connection lost, host now
// read-only) it drops its connections and looks for the primary again on the
// next query.
//
// A statement the server refuses (bad data, a constraint) leaves its
// connection in the pool: pg's own Pool.query closes the connection behind any
// error, so one message the database could not take cost the front-end its
// lease connection and the prepared statements on it.
import pg from 'pg';
import { log } from '../log.ts';
import { sessionSurvives } from './errors.ts';
import { findWritable, isFailoverError, splitHosts } from './hosts.ts';

// int8 (counts, serials) as JavaScript numbers: every value dhcpg reads fits.
pg.types.setTypeParser(pg.types.builtins.INT8, (text: string) => Number(text));

export interface Db {
  /** One statement, one round trip, on any pooled connection. */
  query<Row extends object>(name: string, text: string, values?: unknown[]): Promise<Row[]>;
  /** Runs fn inside BEGIN/COMMIT on one connection, ROLLBACK if it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Connection errors of idle clients end up here instead of crashing the process. */
  onError(listener: (error: Error) => void): void;
  /** Told the new host's URL whenever the pool moves to another host of its list. */
  onFailover(listener: (url: string) => void): void;
  /**
   * With a host list: the host in use is no good any more (read-only, or
   * answering nothing), so its connections go and the next query looks for
   * the writable host. A no-op with one host, which has nowhere else to go.
   */
  leaveHost(): void;
  /** The single-host URL in use (undefined: libpq's PG* variables, or not chosen yet). */
  currentUrl(): string | undefined;
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
  /**
   * Milliseconds after which a query that has not answered is given up on the
   * client side and its connection closed: a hung server never cancels a
   * statement itself. Longer than statementTimeout.
   */
  queryTimeout?: number;
}

export const connect = (url: string | undefined, options: DbOptions = {}): Db => {
  const hosts = url === undefined ? [] : splitHosts(url);
  const errorListeners: ((error: Error) => void)[] = [];
  const failoverListeners: ((url: string) => void)[] = [];
  let pool: pg.Pool | undefined;
  let poolUrl: string | undefined;
  let choosing: Promise<pg.Pool> | undefined;

  const makePool = (connectionString: string | undefined): pg.Pool => {
    const created = new pg.Pool({
      connectionString,
      max: options.max ?? 10,
      application_name: options.applicationName ?? 'dhcpg',
      statement_timeout: options.statementTimeout,
      query_timeout: options.queryTimeout,
      connectionTimeoutMillis: options.connectionTimeout ?? 5000,
    });
    created.on('error', (error) => {
      if (errorListeners.length === 0) log.warn({ err: error.message }, 'idle database connection failed');
      for (const listener of errorListeners) listener(error);
    });
    return created;
  };

  const current = (): Promise<pg.Pool> => {
    if (pool) return Promise.resolve(pool);
    if (hosts.length <= 1) {
      pool = makePool(url);
      poolUrl = url;
      return Promise.resolve(pool);
    }
    choosing ??= findWritable(hosts, options.connectionTimeout ?? 5000)
      .then((chosen) => {
        const moved = poolUrl !== undefined && poolUrl !== chosen;
        if (poolUrl !== chosen) log.info({ host: new URL(chosen).host }, 'using this PostgreSQL host');
        pool = makePool(chosen);
        poolUrl = chosen;
        if (moved) for (const listener of failoverListeners) listener(chosen);
        return pool;
      })
      .finally(() => {
        choosing = undefined;
      });
    return choosing;
  };

  /** With a host list: drop this pool's connections; the next query looks for the primary again. */
  const leave = (failed: pg.Pool) => {
    if (hosts.length <= 1 || pool !== failed) return;
    pool = undefined;
    failed.end().catch(() => {});
  };
  /** After a failover-like error: look for the primary again. */
  const reconsider = (failed: pg.Pool, error: unknown) => {
    if (isFailoverError(error)) leave(failed);
  };

  /**
   * A client of the pool for one use. A checked-out client has no listener of
   * the pool's, and an 'error' event with none would end the process; the
   * error itself reaches the query that was running, so the listener only
   * keeps it from being unhandled. release() keeps the connection unless the
   * error left the session unusable or in doubt.
   */
  const checkOut = async (using: pg.Pool) => {
    const client = await using.connect().catch((error: unknown) => {
      reconsider(using, error);
      throw error;
    });
    const ignore = () => {};
    client.on('error', ignore);
    return {
      client,
      release: (error?: unknown) => {
        client.off('error', ignore);
        client.release(error === undefined || sessionSurvives(error) ? undefined : (error as Error));
      },
    };
  };

  return {
    async query<Row extends object>(name: string, text: string, values: unknown[] = []) {
      const started = performance.now();
      const using = await current();
      const { client, release } = await checkOut(using);
      try {
        const result = await client.query<Row>({ name, text, values });
        release();
        log.debug({ query: name, ms: +(performance.now() - started).toFixed(2) }, 'query');
        return result.rows;
      } catch (error) {
        release(error);
        reconsider(using, error);
        throw error;
      }
    },
    async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      const using = await current();
      const { client, release } = await checkOut(using);
      // Kept when it committed or rolled back: the session is clean either way.
      let broken: unknown;
      try {
        await client.query('begin');
        const value = await fn({
          query: async <Row extends object>(text: string, values: unknown[] = []) =>
            (await client.query<Row>(text, values)).rows,
        });
        await client.query('commit');
        return value;
      } catch (error) {
        await client.query('rollback').catch((rollbackError: unknown) => {
          broken = rollbackError;
        });
        reconsider(using, error);
        throw error;
      } finally {
        release(broken);
      }
    },
    onError: (listener) => {
      errorListeners.push(listener);
    },
    onFailover: (listener) => {
      failoverListeners.push(listener);
    },
    leaveHost: () => {
      if (pool) leave(pool);
    },
    currentUrl: () => poolUrl,
    end: async () => {
      await choosing?.catch(() => {});
      await pool?.end();
    },
  };
};
