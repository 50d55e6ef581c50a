// dhcpg front-ends as separate processes (each a real `dhcpg serve`), on
// loopback ports of their own, sharing one database.
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { freePort } from '../db/admin.ts';
import { rssOf, spawnChild, stopChildren } from './children.ts';

const CLI = fileURLToPath(new URL('../../bin/dhcpg.js', import.meta.url));

export interface ProcessGroup {
  ports: number[];
  /** With dhcp6: each front-end's DHCPv6 port (on ::1), its DHCPv4 port + 1. */
  ports6: number[];
  /** Each front-end's HTTP port (metrics, readiness) on 127.0.0.1. */
  httpPorts: number[];
  pids: number[];
  /** Resident memory of each process, KiB. */
  rssKiB(): number[];
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `count` front-ends on 127.0.0.1 (and ::1 for DHCPv6, given dhcp6), of the
 * dhcpg whose bin/dhcpg.js is `cli`: this one's by default; tests run
 * earlier releases, which know no --port6.
 */
export const startFrontends = async (
  count: number, url: string, basePort: number, { cli = CLI, dhcp6 = false }: { cli?: string; dhcp6?: boolean } = {},
): Promise<ProcessGroup> => {
  const ports = Array.from({ length: count }, (_, k) => basePort + 2 * k);
  const ports6 = dhcp6 ? ports.map((port) => port + 1) : [];
  // TCP ports the kernel picked: ones derived from basePort were once taken
  // (EADDRINUSE), since only the UDP ports are checked free.
  const httpPorts: number[] = [];
  while (httpPorts.length < count) httpPorts.push(await freePort());
  const children = ports.map((port, k) => spawnChild(process.execPath, [
    cli, 'serve', '--port', String(port), '--address', '127.0.0.1', '--http', `127.0.0.1:${httpPorts[k]}`,
    ...(dhcp6 ? ['--port6', String(port + 1), '--address6', '::1'] : []),
  ], { env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] }));
  try {
    for (const k of ports.keys()) {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const ready = await fetch(`http://127.0.0.1:${httpPorts[k]}/readyz`).then((r) => r.ok, () => false);
        if (ready) break;
        if (Date.now() > deadline || children[k]!.exitCode !== null) throw new Error(`front-end on port ${ports[k]} did not become ready`);
        await sleep(100);
      }
    }
  } catch (error) {
    await stopChildren(children);
    throw error;
  }
  return {
    ports,
    ports6,
    httpPorts,
    pids: children.map((child) => child.pid!),
    rssKiB: () => children.map((child) => rssOf(child.pid!)),
    stop: () => stopChildren(children),
  };
};

/** A base port such that base .. base + count - 1 are all free for UDP on 127.0.0.1 (random tries). */
export const freeUdpPorts = async (count: number): Promise<number> => {
  const free = (port: number) => new Promise<boolean>((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let port = base; port < base + count && ok; port++) ok = await free(port);
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free UDP ports found`);
};
