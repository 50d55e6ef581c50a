// Where a load step's CPU went, read from /proc while the load was sent: the
// servers' processes, this host's PostgreSQL processes, the load generator
// (perfdhcp, or the bench's own client), and the rest of the machine's busy
// time (kernel work charged to no process, the bench itself); and how much of
// all of it the kernel spent (system calls, the network stack, interrupts).
// On a 2-core machine that they all share, it tells a server that ran out of
// CPU from one that waited on something else, and what the load generator
// left to the servers.
import { readFileSync, readdirSync } from 'node:fs';

/** USER_HZ: /proc counts CPU time in these ticks per second on Linux. */
const TICKS_PER_SECOND = 100;

/**
 * CPU time per completed exchange, µs, while the load was sent: the step
 * ends with perfdhcp's 2 s wait for late answers, when little else runs and
 * perfdhcp's polling loop, woken every microsecond, takes 0.3 of a core per
 * instance, which counted over the whole step had been charged to the
 * exchanges.
 */
export interface CpuUse {
  serversUs: number;
  postgresUs: number;
  /** The load generator's processes (perfdhcp), or the bench's own client. */
  loadUs: number;
  restUs: number;
  /** Of all the above, time in the kernel: system calls (the UDP path over loopback), interrupts. */
  kernelUs: number;
  /** The machine's busy CPU time while the load was sent, in cores: the machine's core count means none was left. */
  busyCores: number;
}

/** A process's /proc/PID/stat fields after the command name (which may hold spaces); undefined once it has exited. */
const statFields = (pid: number): string[] | undefined => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  } catch {
    return undefined;
  }
};

/** utime + stime (the 12th and 13th fields) of a process and all its threads; 0 once it has exited. */
const processTicks = (pid: number): number => {
  const fields = statFields(pid);
  return fields ? Number(fields[11]) + Number(fields[12]) : 0;
};

const processIds = (): number[] => readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number);

/** The command a process runs; undefined once it has exited. */
const commandOf = (pid: number): string | undefined => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
};

const postgresPids = (): number[] => processIds().filter((pid) => commandOf(pid) === 'postgres');

/**
 * This process's children running `command`: the perfdhcp runs of a load
 * step (started directly, or through nice and ip netns exec, which exec it
 * in place).
 */
export const childrenRunning = (command: string) => (): number[] =>
  processIds().filter((pid) => Number(statFields(pid)?.[1]) === process.pid && commandOf(pid) === command);

/** Busy and kernel ticks of the whole machine (the first line of /proc/stat: idle and iowait left out). */
const machineTicks = (): { busy: number; kernel: number } => {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number) as number[];
  return { busy: user! + nice! + system! + irq! + softirq! + steal!, kernel: system! + irq! + softirq! };
};

const ticksOf = (pids: number[]) => new Map(pids.map((pid) => [pid, processTicks(pid)]));

/**
 * The ticks used since `start` by the processes still running: one that
 * exited meanwhile (a PostgreSQL worker, say) reads 0 and would count its
 * whole life negatively; its time goes to the rest. A process not running at
 * the start (the load generator, started just after) counts from 0.
 */
const usedSince = (start: Map<number, number>, pids: Iterable<number> = start.keys()): number => {
  let total = 0;
  for (const pid of pids) {
    const now = processTicks(pid);
    if (now > 0) total += now - (start.get(pid) ?? 0);
  }
  return total;
};

interface Reading {
  servers: number;
  postgres: number;
  load: number;
  machine: { busy: number; kernel: number };
  at: number;
}

/**
 * Starts counting; stop() gives the CPU used while the load was sent (the
 * first loadSeconds), per exchange completed, and the machine's busy cores
 * meanwhile. loadPids names the load generator's processes, also those
 * started after this call. A step stopped sooner is read up to its stop, by
 * when a load generator that exited counts as the rest. Undefined without
 * Linux's /proc.
 */
export const startCpuMeter = (
  serverPids: number[], loadSeconds: number, loadPids: () => number[],
): { stop(exchanges: number): CpuUse | undefined } => {
  let start: { servers: Map<number, number>; postgres: Map<number, number>; load: Map<number, number>; machine: { busy: number; kernel: number }; at: number };
  try {
    start = { servers: ticksOf(serverPids), postgres: ticksOf(postgresPids()), load: ticksOf(loadPids()), machine: machineTicks(), at: performance.now() };
  } catch {
    return { stop: () => undefined };
  }
  const read = (): Reading => ({
    servers: usedSince(start.servers),
    postgres: usedSince(start.postgres),
    load: usedSince(start.load, new Set([...start.load.keys(), ...loadPids()])),
    machine: machineTicks(),
    at: performance.now(),
  });
  let loaded: Reading | undefined;
  const timer = setTimeout(() => {
    loaded = read();
  }, loadSeconds * 1000);
  return {
    stop: (exchanges) => {
      clearTimeout(timer);
      if (exchanges === 0) return undefined;
      const end = loaded ?? read();
      const busy = end.machine.busy - start.machine.busy;
      const perExchange = (ticks: number) => Math.round((ticks / TICKS_PER_SECOND / exchanges) * 1e6);
      return {
        serversUs: perExchange(end.servers),
        postgresUs: perExchange(end.postgres),
        loadUs: perExchange(end.load),
        restUs: perExchange(Math.max(0, busy - end.servers - end.postgres - end.load)),
        kernelUs: perExchange(end.machine.kernel - start.machine.kernel),
        busyCores: Math.round((busy / TICKS_PER_SECOND / ((end.at - start.at) / 1000)) * 100) / 100,
      };
    },
  };
};

/** "servers / PostgreSQL / load generator / rest µs (kernel k)", as the report and the progress lines print it. */
export const cpuText = (cpu: CpuUse): string =>
  `${cpu.serversUs} / ${cpu.postgresUs} / ${cpu.loadUs} / ${cpu.restUs} µs (kernel ${cpu.kernelUs})`;
