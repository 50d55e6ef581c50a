// dhcpg serve [--config FILE] [--interface IF]... [--port N] [--address A] [--port6 N] [--address6 A] [--http ADDR:PORT] [--db-connections N] [--batch-wait MS] [--db-timeout MS]
import { openDatabase } from './database.ts';
import { applyConfigFile, describeSummary } from './config.ts';
import { startFrontend } from '../server/frontend.ts';
import { log } from '../log.ts';

export interface ServeOptions {
  config?: string;
  interface?: string[];
  port: string;
  address?: string;
  port6: string;
  address6?: string;
  http?: string;
  dbConnections?: string;
  batchWait?: string;
  dbTimeout?: string;
  allowUnsupported?: boolean;
}

const parseHttp = (text: string): { host: string; port: number } => {
  const match = /^(.*):(\d+)$/.exec(text);
  if (!match) throw new Error(`--http wants ADDRESS:PORT, not "${text}"`);
  return { host: match[1] || '0.0.0.0', port: Number(match[2]) };
};

/** A numeric option's value, undefined when not given; refused when not what it wants. */
const numberOption = (flag: string, text: string | undefined, wants: string, valid: (value: number) => boolean): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (Number.isNaN(value) || !valid(value)) throw new Error(`${flag} wants ${wants}, not "${text}"`);
  return value;
};

/**
 * Started by npx (npm exec), the front-end stops when npm goes: a SIGTERM sent
 * to npm stops npm and the shell it ran dhcpg through, and never reaches this
 * process, which would go on serving, embedded PostgreSQL and all, with
 * nobody left to stop it. Elsewhere a parent's exit means nothing (a service
 * manager, nohup). Returns what stops the watch.
 */
const stopWithNpm = (stop: () => void): (() => void) => {
  if (process.env.npm_command !== 'exec') return () => {};
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 1000);
  watch.unref();
  return () => clearInterval(watch);
};

export const serveCommand = async (options: ServeOptions): Promise<void> => {
  const dbConnections = numberOption('--db-connections', options.dbConnections, 'a positive integer',
    (n) => Number.isInteger(n) && n > 0);
  const batchWait = numberOption('--batch-wait', options.batchWait, 'milliseconds from 0 to 100',
    (n) => n >= 0 && n <= 100);
  const dbTimeout = numberOption('--db-timeout', options.dbTimeout, 'milliseconds from 100 to 60000',
    (n) => n >= 100 && n <= 60_000);
  const open = await openDatabase({ max: 2 });
  // Whatever ends serving (a signal, a bad file, an interface not there)
  // stops the embedded PostgreSQL: left running, it outlived the front-end.
  try {
    try {
      if (options.config) {
        const summary = await applyConfigFile(open.db, options.config, { allowUnsupported: options.allowUnsupported, progress: true });
        if (summary) log.info(describeSummary(summary));
      }
    } finally {
      await open.db.end();
    }

    const frontend = await startFrontend({
      url: open.location.url,
      port: Number(options.port),
      address: options.address,
      port6: Number(options.port6),
      address6: options.address6,
      interfaces: options.interface,
      http: options.http ? parseHttp(options.http) : undefined,
      dbConnections,
      batchWait,
      dbTimeout,
    });
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        unwatch();
        log.info({ signal }, 'stopping');
        resolve();
      };
      const unwatch = stopWithNpm(() => stop('npm exited'));
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    await frontend.close();
  } finally {
    await open.location.close();
  }
};
