// UDP sockets as Linux lists them in /proc: which process holds a port (Kea's
// start-up), and where a load step lost its datagrams. The kernel counts, per
// socket and for the whole host, the datagrams it dropped because a receive
// buffer was full: a lost exchange is either a message the server never read
// or an answer the load generator never read, and these counters tell which.
import { readFileSync } from 'node:fs';

export interface UdpSocket {
  localPort: number;
  inode: string;
  /** Datagrams dropped for want of receive-buffer room. */
  drops: number;
}

/** The UDP sockets of a network namespace (/proc/net/udp, udp6, or /proc/PID/net/udp...). */
export const udpSockets = (table = '/proc/net/udp'): UdpSocket[] =>
  // Columns: sl local_address rem_address st tx:rx tr:tm retrnsmt uid timeout inode ref pointer drops
  readFileSync(table, 'utf8').split('\n').slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((columns) => columns.length >= 13)
    .map((columns) => ({
      localPort: parseInt(columns[1]!.split(':')[1]!, 16),
      inode: columns[9]!,
      drops: Number(columns[12]),
    }));

export interface ReceiveDrops {
  /** Every UDP socket of the host (IPv4 and IPv6). */
  host: number;
  /** Sockets bound to one of the given local ports. */
  atPorts: number;
}

/** The drop counters now; zeros where /proc does not have them (not Linux). */
export const receiveDrops = (ports: number[]): ReceiveDrops => {
  try {
    const snmp = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((line) => line.startsWith('Udp:'));
    const column = snmp[0]!.split(/\s+/).indexOf('RcvbufErrors');
    const udp6 = /^Udp6RcvbufErrors\s+(\d+)$/m.exec(readFileSync('/proc/net/snmp6', 'utf8'));
    const wanted = new Set(ports);
    return {
      host: Number(snmp[1]!.split(/\s+/)[column]) + Number(udp6?.[1] ?? 0),
      atPorts: [...udpSockets(), ...udpSockets('/proc/net/udp6')].filter((s) => wanted.has(s.localPort))
        .reduce((total, s) => total + s.drops, 0),
    };
  } catch {
    return { host: 0, atPorts: 0 };
  }
};
