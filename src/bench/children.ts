// Processes the bench starts (front-ends, Kea servers): stopped by PID when
// their step ends, and all of them when the bench itself is interrupted, so
// no server outlives the run; then what else it holds (its embedded
// PostgreSQL, network namespaces, Kea's files) is released.
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

const releases: (() => Promise<void>)[] = [];

/**
 * Has release run if the bench is interrupted before the function returned
 * is called (once the bench has released it itself). Interrupted, the bench
 * exits as soon as its children are stopped, so its own finally blocks, still
 * waiting on them, never run.
 */
export const releaseOnInterrupt = (release: () => Promise<void>): (() => void) => {
  releases.push(release);
  return () => {
    const index = releases.indexOf(release);
    if (index >= 0) releases.splice(index, 1);
  };
};

/** On SIGINT or SIGTERM: stop every child still running, release the rest, newest first, then exit (130 / 143). */
export const cleanUpOnSignal = (): void => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      // At once, in case another exit handler ends the process first.
      for (const child of running) child.kill('SIGTERM');
      void stopChildren(running)
        .then(async () => {
          for (const release of releases.splice(0).reverse()) await release().catch(() => {});
        })
        .finally(() => process.exit(code));
    });
  }
};
