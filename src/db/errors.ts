// What a failed database call says about the database. One message's bad
// data must cost that message alone; a lost, hung or read-only database
// costs readiness (server/frontend.ts), a host change (pool.ts) and no
// retries one message at a time (engine/lease-engine.ts).
import pg from 'pg';

export type DatabaseErrorKind =
  /** The server refused this statement's data: SQLSTATE class 22 (data exception), 23 (integrity constraint), or an engine RAISE (P0001). */
  | 'rejected'
  /** The host accepts no writes (25006): a standby now, after a failover. */
  | 'read-only'
  /** A statement ran out of time (57014), or the server did not answer at all (DatabaseTimeout). */
  | 'timeout'
  /** No session: refused, reset, terminated, shut down, or a connection that could not be made in time. */
  | 'connection'
  /** Anything else the server said (a missing function after a schema change, out of memory, ...). */
  | 'query';

/** Thrown by the front-end's own checks when the server does not answer in time (a hung host answers nothing, so it never cancels a statement itself). */
export class DatabaseTimeout extends Error {}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);
// node-postgres and pg-pool say these in words, with no code.
const CONNECTION_MESSAGES = /Connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable/i;

export const databaseErrorKind = (error: unknown): DatabaseErrorKind => {
  if (error instanceof DatabaseTimeout) return 'timeout';
  const code = (error as { code?: unknown }).code;
  const sqlstate = typeof code === 'string' ? code : '';
  if (sqlstate.startsWith('22') || sqlstate.startsWith('23') || sqlstate === 'P0001') return 'rejected';
  if (sqlstate === '25006') return 'read-only';
  if (sqlstate === '57014') return 'timeout';
  if (sqlstate.startsWith('08') || ['57P01', '57P02', '57P03'].includes(sqlstate) || NETWORK_CODES.has(sqlstate)
    || CONNECTION_MESSAGES.test((error as Error).message ?? '')) return 'connection';
  return 'query';
};

/** Errors that fail every message of a batch alike, so sending them again one by one is useless. */
export const failsEveryMessage = (kind: DatabaseErrorKind): boolean =>
  kind === 'connection' || kind === 'timeout' || kind === 'read-only';

/**
 * The server answered this statement with an error and the session goes on
 * (severity ERROR, not FATAL or PANIC): the connection is as good as before,
 * with its prepared statements, and stays in the pool.
 */
export const sessionSurvives = (error: unknown): boolean =>
  error instanceof pg.DatabaseError && error.severity === 'ERROR';
