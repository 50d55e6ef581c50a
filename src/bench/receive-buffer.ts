// The load generator's receive buffer. perfdhcp does not size its socket's
// buffer, so it gets the kernel's default (net.core.rmem_default, 208 KiB on
// Debian: about 160 answers). A busy front-end sends the answers of a batch
// at once, and perfdhcp, sharing the two cores with the servers at the lowest
// priority, found its socket full: with one front-end at 6,400 DORA/s,
// 1,500 to 5,700 answers a step were dropped there, each a lost exchange,
// while the front-end's own socket dropped nothing and a fifth of the CPU
// was idle. The bench measures the servers, not that buffer: while it loads
// them it raises the default to what a front-end gives its own socket
// (server/udp.ts), for Kea and dhcpg alike, and then sets it back.
import { readFileSync, writeFileSync } from 'node:fs';

const RMEM_DEFAULT = '/proc/sys/net/core/rmem_default';

export interface ReceiveBuffer {
  /** The default receive buffer new sockets got while the servers were loaded. */
  bytes: number;
  /** Why it could not be raised, when it was not. */
  unchanged?: string;
  /** Sets the kernel's default back. */
  restore(): void;
}

/** Raises the kernel's default receive buffer (setting: its /proc/sys file) to at least bytes. */
export const raiseDefaultReceiveBuffer = (bytes: number, setting = RMEM_DEFAULT): ReceiveBuffer => {
  let original: number;
  try {
    original = Number(readFileSync(setting, 'utf8'));
  } catch (error) {
    return { bytes: 0, unchanged: `${setting} unreadable: ${(error as Error).message}`, restore: () => {} };
  }
  if (original >= bytes) return { bytes: original, restore: () => {} };
  try {
    writeFileSync(setting, String(bytes));
  } catch (error) {
    return { bytes: original, unchanged: `not raised (${(error as NodeJS.ErrnoException).code ?? 'error'}: needs root)`, restore: () => {} };
  }
  // Also when the bench is interrupted: its signal handler exits the process.
  const restore = () => {
    process.off('exit', restore);
    writeFileSync(setting, String(original));
  };
  process.on('exit', restore);
  return { bytes, restore };
};
