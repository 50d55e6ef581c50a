// Full DORA (DHCPv6: SARR) exchanges per second through the real UDP path:
// perfdhcp, one instance per server, relaying from 127.0.0.1 (::1). The rate
// rises step by step; the highest step with under 1% drops on both exchanges
// is the result.
import type { CommandRunner, PerfdhcpOptions, PerfdhcpResult } from './perfdhcp.ts';
import { runHere, runPerfdhcp } from './perfdhcp.ts';
import { childrenRunning, startCpuMeter, type CpuUse } from './cpu.ts';
import { receiveDrops, type ReceiveDrops } from './proc-udp.ts';

export interface RateStep {
  /** Exchanges per second asked for, over all servers. */
  rate: number;
  /** Completed DORA per second, over all servers. */
  achieved: number;
  dropRatio: number;
  /** REQUESTs not ACKed (NAKs). */
  rejected: number;
  nonUnique: number;
  /**
   * Datagrams the kernel dropped during the step for want of receive-buffer
   * room: at the servers' sockets, and elsewhere on the host (the load
   * generator's sockets: answers sent but never read).
   */
  droppedAtServers: number;
  droppedElsewhere: number;
  /** Where the step's CPU went (see cpu.ts). */
  cpu?: CpuUse;
}

export interface LoadResult {
  servers: number;
  steps: RateStep[];
  /** Highest rate with drops under 1%: 0 when even the first step failed. */
  maxRate: number;
}

const stepOf = (rate: number, seconds: number, runs: PerfdhcpResult[], drops: ReceiveDrops): RateStep => {
  const sum = (f: (r: PerfdhcpResult) => number) => runs.reduce((total, r) => total + f(r), 0);
  const sent = sum((r) => r.discoverOffer.sent);
  const dropped = sum((r) => r.discoverOffer.drops + r.requestAck.drops);
  return {
    rate,
    // ACKs over the sending period: perfdhcp's own rate line also counts its
    // wait for late replies.
    achieved: Math.round(sum((r) => r.requestAck.received) / seconds),
    dropRatio: sent === 0 ? 1 : dropped / sent,
    rejected: sum((r) => r.requestAck.rejectedLeases),
    nonUnique: sum((r) => r.discoverOffer.nonUniqueAddresses + r.requestAck.nonUniqueAddresses),
    droppedAtServers: drops.atPorts,
    droppedElsewhere: drops.host - drops.atPorts,
  };
};

export interface LoadOptions {
  ports: number[];
  /** DHCPv6: perfdhcp -6 -A 1 from ::1, asking for leaseType. */
  family?: 4 | 6;
  leaseType?: PerfdhcpOptions['leaseType'];
  /** Where perfdhcp k listens for answers: by default ports[k] + 1. */
  replyPorts?: number[];
  /** Where perfdhcp k runs: by default on this host (see netns.ts). */
  runners?: CommandRunner[];
  /** The servers' processes, whose CPU time each step counts. */
  pids: number[];
  rates: number[];
  seconds: number;
  /** Run between steps: fresh pools, so every step hands out new leases. */
  reset(): Promise<void>;
  onStep(step: RateStep): void;
}

const perfdhcpRuns = (options: LoadOptions, rate: number, seconds: number): Promise<PerfdhcpResult[]> => {
  const perServer = Math.max(1, Math.round(rate / options.ports.length));
  const loopback = options.family === 6 ? '::1' : '127.0.0.1';
  return Promise.all(options.ports.map((port, k) => runPerfdhcp({
      family: options.family,
      leaseType: options.leaseType,
      server: loopback,
      localAddress: loopback,
      // By default the port after the server's: Kea answers relayed DHCPv4
      // there (its -P), dhcpg answers the port the request came from.
      localPort: options.replyPorts?.[k] ?? port + 1,
      remotePort: port,
      rate: perServer,
      periodSeconds: seconds,
      // Every exchange a new client: MACs from a base of the instance's own.
      clients: perServer * seconds * 2,
      baseMac: `0${k + 2}:00:00:00:00:00`,
      exitWaitMs: 2000,
      // perfdhcp shares the two cores with the servers: left at the same
      // priority it takes a third of the CPU from whichever servers run.
      lowPriority: true,
    }, options.runners?.[k] ?? runHere)));
};

export const measureLoad = async (options: LoadOptions): Promise<LoadResult> => {
  const steps: RateStep[] = [];
  let maxRate = 0;
  // Warm-up, not counted: servers open their database connections and
  // prepare their statements at the first packets.
  await perfdhcpRuns(options, 100 * options.ports.length, 2);
  for (const rate of options.rates) {
    // A step that loses 1% or more is run once more before it counts: on a
    // 2-core machine one checkpoint or autovacuum pass can spoil a step.
    let step: RateStep | undefined;
    for (let attempt = 0; attempt < 2 && (!step || step.dropRatio >= 0.01); attempt++) {
      await options.reset();
      const before = receiveDrops(options.ports);
      const cpu = startCpuMeter(options.pids, options.seconds, childrenRunning('perfdhcp'));
      const runs = await perfdhcpRuns(options, rate, options.seconds);
      const after = receiveDrops(options.ports);
      step = stepOf(rate, options.seconds, runs, { host: after.host - before.host, atPorts: after.atPorts - before.atPorts });
      step.cpu = cpu.stop(step.achieved * options.seconds);
      steps.push(step);
      options.onStep(step);
    }
    if (step!.dropRatio >= 0.01) break;
    maxRate = Math.max(maxRate, step!.achieved);
  }
  return { servers: options.ports.length, steps, maxRate };
};
