// Network namespaces of the bench's own. kea-dhcp6 sends every RELAY-REPL to
// port 547 of the relay's address (RFC 8415 19.1), so each Kea server and the
// perfdhcp relaying to it need a ::1 of their own: one namespace per pair,
// holding nothing but its loopback. PostgreSQL is reached from there through
// its Unix socket, which the file system shares across namespaces.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { CommandRunner } from './perfdhcp.ts';
import { runHere } from './perfdhcp.ts';

const execFileAsync = promisify(execFile);
const COMMAND_TIMEOUT_MS = 10_000;

export interface Namespace {
  name: string;
  /** argv prefix that runs a command inside it. */
  exec: string[];
  /** Runs perfdhcp (or any command) inside it. */
  run: CommandRunner;
  remove(): Promise<void>;
}

const ip = (args: string[]) => execFileAsync('ip', args, { timeout: COMMAND_TIMEOUT_MS, killSignal: 'SIGKILL' });

/** Whether namespaces can be made here (root, iproute2). */
export const namespacesAvailable = async (): Promise<{ ok: true } | { ok: false; reason: string }> => {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'network namespaces need root' };
  try {
    await ip(['-V']);
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `ip -V failed (package iproute2): ${(error as Error).message}` };
  }
};

/** A fresh namespace named `name` (one left by an interrupted run is replaced), its loopback up. */
export const createNamespace = async (name: string): Promise<Namespace> => {
  await ip(['netns', 'delete', name]).catch(() => {});
  await ip(['netns', 'add', name]);
  await ip(['-n', name, 'link', 'set', 'lo', 'up']);
  const exec = ['ip', 'netns', 'exec', name];
  return {
    name,
    exec,
    run: (argv, timeoutMs) => runHere([...exec, ...argv], timeoutMs),
    remove: async () => {
      await ip(['netns', 'delete', name]).catch(() => {});
    },
  };
};
