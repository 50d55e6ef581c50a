// A paced load of new clients on loopback that times every exchange, DHCPv4
// DORA or DHCPv6 SARR (relayed from ::1), for latency percentiles (perfdhcp
// reports only min, average and max).
import dgram from 'node:dgram';
import { decodePacket, encodePacket, messageType, DHCPACK, DHCPDISCOVER, DHCPOFFER, DHCPREQUEST, type Dhcp4Packet } from '../dhcp4/packet.ts';
import {
  decodePacket6, encodePacket6, relayChain, ADVERTISE, OPTION_CLIENTID, OPTION_SERVERID, RELAY_FORW, REPLY, REQUEST, SOLICIT,
  type Dhcp6Message,
} from '../dhcp6/packet.ts';
import { iaNaOption, iaPdOption, OPTION_IA_NA, OPTION_IA_PD } from '../dhcp6/ia.ts';
import { parseIpv4 } from '../net/ipv4.ts';
import { percentile } from './percentile.ts';

export interface LatencyResult {
  rate: number;
  exchanges: number;
  completed: number;
  p50Ms: number;
  p99Ms: number;
}

/** One family's exchange: its first message, and what an answer leads to (the next message, or the end). */
interface Exchange {
  socketType: 'udp4' | 'udp6';
  server: string;
  first(xid: number): Buffer;
  answer(data: Buffer): { xid: number; next?: Buffer; done?: boolean } | undefined;
}

const message4 = (type: number, client: number, xid: number, extra: [number, Buffer][] = []): Buffer => {
  const chaddr = Buffer.alloc(6);
  chaddr.writeUInt16BE(0x0a00, 0);
  chaddr.writeUInt32BE(client, 2);
  const packet: Dhcp4Packet = {
    op: 1, htype: 1, hlen: 6, hops: 1, xid, secs: 0, flags: 0,
    ciaddr: '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr: '127.0.0.1',
    chaddr, sname: '', file: '', options: new Map([[53, Buffer.of(type)], ...extra]),
  };
  return encodePacket(packet);
};

const DORA: Exchange = {
  socketType: 'udp4',
  server: '127.0.0.1',
  first: (xid) => message4(DHCPDISCOVER, xid, xid),
  answer: (data) => {
    const decoded = decodePacket(data);
    if (!decoded.ok) return undefined;
    const reply = decoded.packet;
    const type = messageType(reply);
    if (type === DHCPOFFER) {
      return { xid: reply.xid, next: message4(DHCPREQUEST, reply.xid, reply.xid, [[50, parseIpv4(reply.yiaddr)!], [54, reply.options.get(54)!]]) };
    }
    return type === DHCPACK ? { xid: reply.xid, done: true } : undefined;
  },
};

/** Client xid's DUID-LL (type 3, hardware type 1) from a made-up address 0a:00 and xid. */
const duid6 = (xid: number): Buffer => {
  const duid = Buffer.from([0, 3, 0, 1, 0x0a, 0, 0, 0, 0, 0]);
  duid.writeUInt32BE(xid, 6);
  return duid;
};

const relayed6 = (message: Dhcp6Message): Buffer =>
  encodePacket6({ msgType: RELAY_FORW, hopCount: 0, linkAddress: '::1', peerAddress: 'fe80::a00', options: [], relayed: message });

/** SOLICIT for an IA_NA (and an IA_PD, with prefixes), then REQUEST for what the ADVERTISE offered. */
const sarr = (prefixes: boolean): Exchange => ({
  socketType: 'udp6',
  server: '::1',
  first: (xid) => relayed6({
    msgType: SOLICIT,
    transactionId: xid,
    options: [
      { code: OPTION_CLIENTID, data: duid6(xid) },
      iaNaOption({ iaid: 1, t1: 0, t2: 0, addresses: [], options: [] }),
      ...(prefixes ? [iaPdOption({ iaid: 2, t1: 0, t2: 0, prefixes: [], options: [] })] : []),
    ],
  }),
  answer: (data) => {
    const decoded = decodePacket6(data, 'client');
    if (!decoded.ok) return undefined;
    const { message } = relayChain(decoded.packet);
    const xid = message.transactionId;
    if (message.msgType === ADVERTISE) {
      const kept = message.options.filter((o) => o.code === OPTION_CLIENTID || o.code === OPTION_SERVERID || o.code === OPTION_IA_NA || o.code === OPTION_IA_PD);
      return { xid, next: relayed6({ msgType: REQUEST, transactionId: xid, options: kept }) };
    }
    return message.msgType === REPLY ? { xid, done: true } : undefined;
  },
});


/**
 * Exchanges of new clients at `rate` per second for `seconds`, spread over
 * the servers' ports: DHCPv4 DORA by default, DHCPv6 SARR given family 6
 * (IA_NA, and IA_PD with prefixes).
 */
export const measureLatency = async (
  ports: number[], rate: number, seconds: number, firstClient: number, { family = 4, prefixes = false }: { family?: 4 | 6; prefixes?: boolean } = {},
): Promise<LatencyResult> => {
  const exchange = family === 4 ? DORA : sarr(prefixes);
  const socket = dgram.createSocket(exchange.socketType);
  await new Promise<void>((resolve) => socket.bind(0, exchange.server, resolve));
  const started = new Map<number, number>();
  const latencies: number[] = [];
  socket.on('message', (data) => {
    const answer = exchange.answer(data);
    if (!answer || !started.has(answer.xid)) return;
    if (answer.next) socket.send(answer.next, ports[answer.xid % ports.length]!, exchange.server);
    if (answer.done) {
      latencies.push(performance.now() - started.get(answer.xid)!);
      started.delete(answer.xid);
    }
  });
  const exchanges = Math.round(rate * seconds);
  const t0 = performance.now();
  for (let i = 0; i < exchanges; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const xid = firstClient + i;
    started.set(xid, performance.now());
    socket.send(exchange.first(xid), ports[xid % ports.length]!, exchange.server);
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  socket.close();
  latencies.sort((a, b) => a - b);
  return { rate, exchanges, completed: latencies.length, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99) };
};
