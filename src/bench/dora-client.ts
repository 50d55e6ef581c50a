// A paced DORA load on loopback that times every exchange, for latency
// percentiles (perfdhcp reports only min, average and max).
import dgram from 'node:dgram';
import { decodePacket, encodePacket, messageType, DHCPACK, DHCPDISCOVER, DHCPOFFER, DHCPREQUEST, type Dhcp4Packet } from '../dhcp4/packet.ts';
import { parseIpv4 } from '../net/ipv4.ts';

export interface LatencyResult {
  rate: number;
  exchanges: number;
  completed: number;
  p50Ms: number;
  p99Ms: number;
}

const message = (type: number, client: number, xid: number, extra: [number, Buffer][] = []): Buffer => {
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

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

/** DORA exchanges at `rate` per second for `seconds`, spread over the front-end ports. */
export const measureLatency = async (ports: number[], rate: number, seconds: number, firstClient: number): Promise<LatencyResult> => {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const started = new Map<number, number>();
  const latencies: number[] = [];
  socket.on('message', (data) => {
    const decoded = decodePacket(data);
    if (!decoded.ok) return;
    const reply = decoded.packet;
    const xid = reply.xid;
    const port = ports[xid % ports.length]!;
    if (messageType(reply) === DHCPOFFER) {
      const extra: [number, Buffer][] = [[50, parseIpv4(reply.yiaddr)!], [54, reply.options.get(54)!]];
      socket.send(message(DHCPREQUEST, xid, xid, extra), port, '127.0.0.1');
    } else if (messageType(reply) === DHCPACK && started.has(xid)) {
      latencies.push(performance.now() - started.get(xid)!);
      started.delete(xid);
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
    socket.send(message(DHCPDISCOVER, xid, xid), ports[xid % ports.length]!, '127.0.0.1');
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  socket.close();
  latencies.sort((a, b) => a - b);
  return { rate, exchanges, completed: latencies.length, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99) };
};
