// dhcpg serve [--config FILE] [--interface IF] [--port N] [--address A] [--http ADDR:PORT] [--db-connections N] [--batch-wait MS]
import { openDatabase } from './database.ts';
import { applyConfigFile, describeSummary } from './config.ts';
import { startFrontend } from '../server/frontend.ts';
import { log } from '../log.ts';

export interface ServeOptions {
  config?: string;
  interface?: string[];
  port: string;
  address?: string;
  http?: string;
  dbConnections?: string;
  batchWait?: string;
  allowUnsupported?: boolean;
}

const parseHttp = (text: string): { host: string; port: number } => {
  const match = /^(.*):(\d+)$/.exec(text);
  if (!match) throw new Error(`--http wants ADDRESS:PORT, not "${text}"`);
  return { host: match[1] || '0.0.0.0', port: Number(match[2]) };
};

export const serveCommand = async (options: ServeOptions): Promise<void> => {
  if ((options.interface?.length ?? 0) > 1) {
    throw new Error('one --interface per front-end: run a front-end for each directly attached LAN (relayed networks need none)');
  }
  const dbConnections = options.dbConnections === undefined ? undefined : Number(options.dbConnections);
  if (dbConnections !== undefined && !(Number.isInteger(dbConnections) && dbConnections > 0)) {
    throw new Error(`--db-connections wants a positive integer, not "${options.dbConnections}"`);
  }
  const batchWait = options.batchWait === undefined ? undefined : Number(options.batchWait);
  if (batchWait !== undefined && !(Number.isFinite(batchWait) && batchWait >= 0 && batchWait <= 100)) {
    throw new Error(`--batch-wait wants milliseconds from 0 to 100, not "${options.batchWait}"`);
  }
  const open = await openDatabase({ max: 2 });
  try {
    if (options.config) {
      const summary = await applyConfigFile(open.db, options.config, { allowUnsupported: options.allowUnsupported, progress: true });
      if (summary) log.info(describeSummary(summary));
    }
  } catch (error) {
    await open.close();
    throw error;
  }
  await open.db.end();

  const frontend = await startFrontend({
    url: open.location.url,
    port: Number(options.port),
    address: options.address,
    interface: options.interface?.[0],
    http: options.http ? parseHttp(options.http) : undefined,
    dbConnections,
    batchWait,
  });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'stopping');
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await frontend.close();
  await open.location.close();
};
