// Where a load step's CPU went, read from /proc: the servers' processes, this
// host's PostgreSQL processes, and the rest of the machine's busy time (the
// load generator, kernel work not charged to a process, the bench itself).
// On a 2-core machine that all three share, it tells a server that ran out of
// CPU from one that waited on something else.
import { readFileSync, readdirSync } from 'node:fs';

/** USER_HZ: /proc counts CPU time in these ticks per second on Linux. */
const TICKS_PER_SECOND = 100;

export interface CpuUse {
  /** CPU time per completed exchange, µs. */
  serversUs: number;
  postgresUs: number;
  restUs: number;
  /**
   * The machine's busy CPU time while the load was sent, in cores: the
   * machine's core count means none was left. (Over the whole step, which
   * ends with perfdhcp's 2 s wait for late answers, when little runs, a
   * saturated machine read 1.4 to 1.7 of its 2 cores.)
   */
  busyCores: number;
}

/** utime + stime of a process and all its threads; 0 once it has exited. */
const processTicks = (pid: number): number => {
  try {
    // Fields after the command name (which may hold spaces): utime is the 12th, stime the 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
};

const postgresPids = (): number[] =>
  readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
    } catch {
      return false;
    }
  });

/** Busy ticks of the whole machine (the first line of /proc/stat: idle and iowait left out). */
const machineBusyTicks = (): number => {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number) as number[];
  return user! + nice! + system! + irq! + softirq! + steal!;
};

const ticksOf = (pids: number[]) => new Map(pids.map((pid) => [pid, processTicks(pid)]));

/**
 * The ticks used since `start` by the processes still running: one that
 * exited meanwhile (a PostgreSQL worker, say) reads 0 and would count its
 * whole life negatively; its time goes to the rest.
 */
const usedSince = (start: Map<number, number>): number => {
  let total = 0;
  for (const [pid, before] of start) {
    const now = processTicks(pid);
    if (now > 0) total += now - before;
  }
  return total;
};

/**
 * Starts counting; stop() gives the CPU used since, per exchange completed,
 * and the machine's busy cores over the first loadSeconds. Undefined without
 * Linux's /proc.
 */
export const startCpuMeter = (serverPids: number[], loadSeconds: number): { stop(exchanges: number): CpuUse | undefined } => {
  let start: { servers: Map<number, number>; postgres: Map<number, number>; machine: number; at: number };
  try {
    start = { servers: ticksOf(serverPids), postgres: ticksOf(postgresPids()), machine: machineBusyTicks(), at: performance.now() };
  } catch {
    return { stop: () => undefined };
  }
  let busyWhileLoaded: number | undefined;
  const loaded = setTimeout(() => {
    busyWhileLoaded = machineBusyTicks() - start.machine;
  }, loadSeconds * 1000);
  return {
    stop: (exchanges) => {
      clearTimeout(loaded);
      if (exchanges === 0) return undefined;
      const servers = usedSince(start.servers);
      const database = usedSince(start.postgres);
      const busy = machineBusyTicks() - start.machine;
      const perExchange = (ticks: number) => Math.round((ticks / TICKS_PER_SECOND / exchanges) * 1e6);
      return {
        serversUs: perExchange(servers),
        postgresUs: perExchange(database),
        restUs: perExchange(Math.max(0, busy - servers - database)),
        // A step that ended sooner: over its own length.
        busyCores: Math.round((busyWhileLoaded !== undefined
          ? busyWhileLoaded / TICKS_PER_SECOND / loadSeconds
          : busy / TICKS_PER_SECOND / ((performance.now() - start.at) / 1000)) * 100) / 100,
      };
    },
  };
};
