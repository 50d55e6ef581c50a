// Processes the bench starts (front-ends, Kea servers): stopped by PID when
// their step ends, and all of them when the bench itself is interrupted, so
// no server outlives the run.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';

const running = new Set<ChildProcess>();

export const hasExited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

/** Resident memory of a process, KiB; 0 once it has exited. */
export const rssOf = (pid: number): number => {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
};

export const spawnChild = (command: string, args: string[], options: SpawnOptions): ChildProcess => {
  const child = spawn(command, args, options);
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
};

/** SIGTERM each child that still runs, SIGKILL it after the grace period, and wait for all to exit. */
export const stopChildren = async (children: Iterable<ChildProcess>, graceMs = 5000): Promise<void> => {
  await Promise.all([...children].map(async (child) => {
    if (hasExited(child)) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(killer);
  }));
};

/** On SIGINT or SIGTERM: stop every child still running, then exit (130 / 143). */
export const stopChildrenOnSignal = (): void => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      // At once, in case another exit handler ends the process first.
      for (const child of running) child.kill('SIGTERM');
      void stopChildren(running).finally(() => process.exit(code));
    });
  }
};
