// The datagram loop DHCPv4 and DHCPv6 share: a bound on messages in hand,
// one client's messages in turn, one handler call each, the reply sent by
// the socket the request came in on, and every outcome counted and logged.
import type dgram from 'node:dgram';
import { log } from '../log.ts';
import type { Outcome, Received } from './handler.ts';
import { perPacketMetrics, type Metrics } from './metrics.ts';
import type { ListeningSocket } from './udp.ts';

export interface Family {
  family: '4' | '6';
  /**
   * Whose message a datagram is, so that one client's messages are handled
   * in arrival order, and what answers it (reading the datagram once).
   */
  accept(rx: Received): { client: string; answer(): Promise<Outcome> };
  /** A datagram this socket leaves to another of the family's sockets. */
  notForSocket?(listening: ListeningSocket, data: Buffer): boolean;
}

export interface DatagramLoop {
  /** Serves a socket with a family's handler. */
  attach(listening: ListeningSocket, family: Family): void;
  /** Messages being handled now. */
  inFlight(): number;
}

/**
 * Messages of one client are handled one after another, in the order they
 * arrived; different clients still run concurrently. Handled concurrently,
 * dhclient's DISCOVER sent right behind its DECLINE was answered from the
 * state before the DECLINE: it was offered the address it had just
 * declined, got NAKs for it, and ignored them for 10 seconds.
 *
 * begin(key) is undefined when the client has nothing in progress (the usual
 * case, which then costs no promise), else a promise that settles at its turn;
 * end(key) hands the turn to the client's next message.
 */
const clientTurns = () => {
  // Per client with a message in progress: the messages waiting behind it.
  const waiting = new Map<string, (() => void)[]>();
  return {
    begin: (key: string): Promise<void> | undefined => {
      const queue = waiting.get(key);
      if (!queue) {
        waiting.set(key, []);
        return undefined;
      }
      return new Promise<void>((resolve) => queue.push(resolve));
    },
    end: (key: string): void => {
      const next = waiting.get(key)?.shift();
      if (next) next();
      else waiting.delete(key);
    },
  };
};

export const datagramLoop = (options: {
  metrics: Metrics;
  /** Most messages handled at once; beyond it datagrams are dropped ('overload'). */
  maxInFlight: number;
  /** An outcome said the database (not the message) failed. */
  onDatabaseError(error: unknown): void;
}): DatagramLoop => {
  const { metrics, maxInFlight } = options;
  let inFlight = 0;
  const turns = clientTurns();
  const counters = { '4': perPacketMetrics(metrics, '4'), '6': perPacketMetrics(metrics, '6') };

  const onDatagram = async (listening: ListeningSocket, family: Family, data: Buffer, rinfo: dgram.RemoteInfo) => {
    if (family.notForSocket?.(listening, data)) return;
    const count = counters[family.family];
    if (inFlight >= maxInFlight) {
      count.drops('overload').inc();
      return;
    }
    inFlight++;
    const rx: Received = { data, from: { address: rinfo.address, port: rinfo.port }, interface: listening.interface, multicast: listening.multicast };
    const accepted = family.accept(rx);
    const client = `${family.family}${accepted.client}`;
    const turn = turns.begin(client);
    if (turn) await turn;
    const started = performance.now();
    try {
      const outcome = await accepted.answer();
      count.received(outcome.type).inc();
      if (outcome.asked) count.dbLatency(outcome.type).observe((performance.now() - started) / 1000);
      if (outcome.drop) {
        count.drops(outcome.drop).inc();
        if (log.isLevelEnabled('debug')) {
          log.debug({ from: rinfo.address, type: outcome.type, reason: outcome.drop, detail: outcome.detail }, 'dropped');
        }
      }
      if (outcome.databaseError !== undefined) options.onDatabaseError(outcome.databaseError);
      for (const { option, problem } of outcome.ignoredNames ?? []) {
        metrics.namesIgnored.inc({ option, problem });
        if (log.isLevelEnabled('debug')) log.debug({ from: rinfo.address, type: outcome.type, option, problem }, 'client name ignored');
      }
      if (outcome.reply) {
        const { data: bytes, to, type } = outcome.reply;
        try {
          (listening.sender ?? listening.socket).send(bytes, to.port, to.address, (error) => {
            if (error) {
              count.drops('send-failed').inc();
              log.warn({ to, err: error.message }, 'reply not sent');
            }
          });
        } catch (error) {
          // The socket closed while the answer was being made: the front-end
          // is stopping, and the client will ask again elsewhere.
          count.drops('socket-closed').inc();
          log.debug({ to, err: (error as Error).message }, 'reply not sent');
          return;
        }
        count.sent(type).inc();
        for (const grant of outcome.granted ?? []) {
          count.grants.inc();
          if (log.isLevelEnabled('info')) log.info(grant, 'lease granted');
        }
        if (!outcome.granted && log.isLevelEnabled('debug')) log.debug({ type, ...outcome.replied }, 'replied');
      }
    } catch (error) {
      // The handler does not throw; this is a last guard for the process.
      count.drops('internal-error').inc();
      log.error({ err: (error as Error).stack }, 'packet handling failed');
    } finally {
      turns.end(client);
      inFlight--;
    }
  };

  return {
    attach: (listening, family) => {
      listening.socket.on('message', (data, rinfo) => void onDatagram(listening, family, data, rinfo));
      listening.socket.on('error', (error) => log.error({ err: error.message }, 'socket error'));
    },
    inFlight: () => inFlight,
  };
};
