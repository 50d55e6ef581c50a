// DHCPv4 client messages for tests that talk to a front-end over UDP, and a
// small UDP "relay" that sends them and collects the replies.
import dgram from 'node:dgram';
import {
  DHCPDISCOVER, decodePacket, encodePacket, type Dhcp4Packet,
} from '../../src/dhcp4/packet.ts';
import { parseIpv4 } from '../../src/net/ipv4.ts';

export interface MessageOptions {
  giaddr?: string;
  ciaddr?: string;
  xid?: number;
  requested?: string;
  serverId?: string;
  broadcast?: boolean;
  /** Extra options by code. */
  options?: [number, Buffer][];
}

export const mac = (n: number): Buffer => Buffer.from([2, 0, 0, 0, (n >> 8) & 0xff, n & 0xff]);

export const clientMessage = (type: number, n: number, o: MessageOptions = {}): Dhcp4Packet => {
  const options = new Map<number, Buffer>([[53, Buffer.of(type)], [55, Buffer.from([1, 3, 6, 15, 51, 54])]]);
  if (o.requested) options.set(50, parseIpv4(o.requested)!);
  if (o.serverId) options.set(54, parseIpv4(o.serverId)!);
  for (const [code, payload] of o.options ?? []) options.set(code, payload);
  return {
    op: 1, htype: 1, hlen: 6, hops: o.giaddr ? 1 : 0, xid: o.xid ?? 0x1000 + n, secs: 0,
    flags: o.broadcast ? 0x8000 : 0,
    ciaddr: o.ciaddr ?? '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr: o.giaddr ?? '0.0.0.0',
    chaddr: mac(n), sname: '', file: '', options,
  };
};

export const encode = (p: Dhcp4Packet): Buffer => encodePacket(p);
export { DHCPDISCOVER };

/** A UDP endpoint on 127.0.0.x that plays a relay: sends to the server, receives its replies. */
export interface TestRelay {
  address: string;
  port: number;
  /** Sends and waits for the reply with the same xid (undefined after timeoutMs). */
  exchange(packet: Dhcp4Packet, serverPort: number, timeoutMs?: number): Promise<Dhcp4Packet | undefined>;
  send(data: Buffer, serverPort: number): Promise<void>;
  close(): Promise<void>;
}

export const openRelay = async (address = '127.0.0.1'): Promise<TestRelay> => {
  // Replies to a batch of messages come back in a burst: room for all of them.
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
  const waiting = new Map<number, (p: Dhcp4Packet) => void>();
  socket.on('message', (data) => {
    const decoded = decodePacket(data);
    if (decoded.ok) waiting.get(decoded.packet.xid)?.(decoded.packet);
  });
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  const send = (data: Buffer, serverPort: number) =>
    new Promise<void>((resolve, reject) => socket.send(data, serverPort, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
  return {
    address,
    port: socket.address().port,
    send,
    exchange: async (packet, serverPort, timeoutMs = 2000) => {
      const reply = new Promise<Dhcp4Packet | undefined>((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(packet.xid);
          resolve(undefined);
        }, timeoutMs);
        waiting.set(packet.xid, (p) => {
          clearTimeout(timer);
          waiting.delete(packet.xid);
          resolve(p);
        });
      });
      await send(encodePacket(packet), serverPort);
      return reply;
    },
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
};
