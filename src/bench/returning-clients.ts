// Clients that already hold a lease, as the bench's own DHCPv4 client:
// perfdhcp renews only leases it obtained itself, and cannot play a million
// clients coming back. The population is written straight into lease4
// (bindPopulation); these send its clients' REQUESTs through a relay on
// loopback: steady renewals at rising rates, and the reboot storm, every
// client in INIT-REBOOT at once, retransmitting as a real client does.
import dgram from 'node:dgram';
import { decodePacket, encodePacket, messageType, DHCPACK, DHCPNAK, DHCPREQUEST, type Dhcp4Packet } from '../dhcp4/packet.ts';
import { ipv4ToNumber, numberToIpv4, parseIpv4 } from '../net/ipv4.ts';
import type { Db } from '../db/pool.ts';
import { RECEIVE_BUFFER_BYTES } from '../server/udp.ts';
import { startCpuMeter, type CpuUse } from './cpu.ts';
import { receiveDrops } from './proc-udp.ts';

/** Clients 0 .. size - 1 hold the first addresses of their subnet's pool, in order. */
export interface Population {
  subnetId: number;
  firstAddress: string;
  size: number;
  /** The relay (giaddr) of their subnet; this client sends from it. */
  relay: string;
}

/** Client k's hardware address: 0b:00 and k, which no perfdhcp instance uses (its MACs start 02-05). */
const MAC_PREFIX = 0x0b00;
const macOf = (k: number): Buffer => {
  const mac = Buffer.alloc(6);
  mac.writeUInt16BE(MAC_PREFIX, 0);
  mac.writeUInt32BE(k, 2);
  return mac;
};

/**
 * Binds the population's leases in lease4 for two hours, as the engine would
 * have (client key from the hardware address, dhcpg.client_key4), in slices
 * so no transaction holds a million row locks. Leases already bound stay.
 */
export const bindPopulation = async (db: Db, population: Population): Promise<void> => {
  const slice = 100_000;
  for (let from = 0; from < population.size; from += slice) {
    await db.query('bench-bind-population', `
      with clients as (
        select a.address, '\\x${MAC_PREFIX.toString(16).padStart(4, '0')}'::bytea || int4send((a.address - $2::inet)::integer) as mac
          from dhcpg.lease4 a
          where a.subnet_id = $1 and a.address >= $2::inet + $3::bigint and a.address < $2::inet + $4::bigint
            and a.state <> 'bound')
      update dhcpg.lease4 l set state = 'bound', hw_type = 1, hw_address = c.mac,
          client_key = dhcpg.client_key4(1::smallint, c.mac, null),
          expires_at = now() + interval '2 hours', updated_at = now()
        from clients c
        where l.address = c.address`,
      [population.subnetId, population.firstAddress, from, Math.min(population.size, from + slice)]);
  }
};

type Kind = 'renewing' | 'init-reboot';

/**
 * RFC 2131, Section 4.3.2: a renewing (here rebinding, since it comes through
 * the relay) client names its address in ciaddr; one in INIT-REBOOT asks for
 * it in option 50, with no server identifier.
 */
const request = (kind: Kind, population: Population, k: number, xid: number): Buffer => {
  const address = numberToIpv4(ipv4ToNumber(population.firstAddress) + k);
  const packet: Dhcp4Packet = {
    op: 1, htype: 1, hlen: 6, hops: 1, xid, secs: 0, flags: 0,
    ciaddr: kind === 'renewing' ? address : '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr: population.relay,
    chaddr: macOf(k), sname: '', file: '', options: new Map([[53, Buffer.of(DHCPREQUEST)]]),
  };
  if (kind === 'init-reboot') packet.options.set(50, parseIpv4(address)!);
  return encodePacket(packet);
};

interface Exchange {
  client: number;
  sentAt: number;
  /** When the first answer came, ms after the first request of the run. */
  answeredAt?: number;
  nak?: boolean;
  wrongAddress?: boolean;
}

/**
 * One socket at the relay's address: requests out to the front-ends in turn,
 * answers matched to their exchange by xid (the exchange's index).
 */
const openRelay = async (population: Population, ports: number[], kind: Kind) => {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: RECEIVE_BUFFER_BYTES });
  await new Promise<void>((resolve) => socket.bind(0, population.relay, resolve));
  const exchanges: Exchange[] = [];
  let started = 0;
  socket.on('message', (data) => {
    const decoded = decodePacket(data);
    if (!decoded.ok) return;
    const exchange = exchanges[decoded.packet.xid];
    if (!exchange || exchange.answeredAt !== undefined) return;
    exchange.answeredAt = performance.now() - started;
    const type = messageType(decoded.packet);
    exchange.nak = type === DHCPNAK;
    exchange.wrongAddress = type === DHCPACK
      && decoded.packet.yiaddr !== numberToIpv4(ipv4ToNumber(population.firstAddress) + exchange.client);
  });
  return {
    exchanges,
    start: () => { started = performance.now(); },
    elapsed: () => performance.now() - started,
    add: (client: number) => exchanges.push({ client, sentAt: performance.now() - started }) - 1,
    send: (xid: number) => socket.send(request(kind, population, exchanges[xid]!.client, xid), ports[xid % ports.length]!, '127.0.0.1'),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls send(i) for i in 0 .. count - 1, evenly over `seconds`, in 1 ms slices. */
const paced = async (count: number, seconds: number, send: (i: number) => void, elapsed: () => number) => {
  for (let i = 0; i < count;) {
    const due = Math.min(count, Math.floor((elapsed() / 1000 / seconds) * count) + 1);
    while (i < due) send(i++);
    await sleep(1);
  }
};

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

export interface RenewalStep {
  rate: number;
  sent: number;
  /** Renewals ACKed per second of the step. */
  achieved: number;
  lostRatio: number;
  naks: number;
  p50Ms: number;
  p99Ms: number;
  droppedAtServers: number;
  cpu?: CpuUse;
}

export interface RenewalResult {
  servers: number;
  steps: RenewalStep[];
  /** Highest rate with under 1% unanswered or NAKed. */
  maxRate: number;
}

/**
 * Renewals at each rate for `seconds` (no retransmission: a renewing client
 * waits minutes before it asks again), each from a client not yet asked in
 * this run, until a rate loses 1% or more (each such rate is tried twice, as
 * the perfdhcp load does).
 */
export const measureRenewals = async (
  population: Population, ports: number[], pids: number[], rates: number[], seconds: number, onStep: (step: RenewalStep) => void,
): Promise<RenewalResult> => {
  const steps: RenewalStep[] = [];
  let maxRate = 0;
  let next = 0;
  for (const rate of rates) {
    let step: RenewalStep | undefined;
    for (let attempt = 0; attempt < 2 && (!step || step.lostRatio >= 0.01); attempt++) {
      const relay = await openRelay(population, ports, 'renewing');
      const count = Math.round(rate * seconds);
      const before = receiveDrops(ports);
      const cpu = startCpuMeter(pids);
      relay.start();
      await paced(count, seconds, () => relay.send(relay.add(next++ % population.size)), relay.elapsed);
      await sleep(2000);
      await relay.close();
      const answered = relay.exchanges.filter((e) => e.answeredAt !== undefined && !e.nak && !e.wrongAddress);
      const latencies = answered.map((e) => e.answeredAt! - e.sentAt).sort((a, b) => a - b);
      step = {
        rate, sent: count, achieved: Math.round(answered.length / seconds), lostRatio: 1 - answered.length / count,
        naks: relay.exchanges.filter((e) => e.nak).length, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99),
        droppedAtServers: receiveDrops(ports).atPorts - before.atPorts,
      };
      step.cpu = cpu.stop(answered.length);
      steps.push(step);
      onStep(step);
    }
    if (step!.lostRatio >= 0.01) break;
    maxRate = Math.max(maxRate, step!.achieved);
  }
  return { servers: ports.length, steps, maxRate };
};

export interface StormResult {
  servers: number;
  clients: number;
  /** Over how long the first requests were spread. */
  spreadSeconds: number;
  /** From the first request to the last client's first answer, when every client got one. */
  allAnsweredMs?: number;
  answeredWithin15s: number;
  answered: number;
  naks: number;
  wrongAddresses: number;
  /** Requests sent again, by clients with no answer yet. */
  retransmissions: number;
  droppedAtServers: number;
  /** How many had their answer by each second after the first request. */
  answeredBySecond: number[];
}

/**
 * `clients` of the population (spread over all of it) send REQUEST in
 * INIT-REBOOT, their first ones evenly within `spreadSeconds`, as when power
 * comes back; a client with no answer asks again after 4 s, then 8 and 16,
 * each ±1 s (RFC 2131, Section 4.1), and the run ends 60 s after the first
 * request at the latest.
 */
export const measureStorm = async (
  population: Population, ports: number[], clients: number, spreadSeconds: number, offset: number,
): Promise<StormResult> => {
  const relay = await openRelay(population, ports, 'init-reboot');
  const stride = Math.max(1, Math.floor(population.size / clients));
  const before = receiveDrops(ports);
  const backoff = [4000, 8000, 16000];
  // The next retransmission of each exchange, and how many it has had.
  const due: { at: number; tries: number }[] = [];
  let retransmissions = 0;
  relay.start();
  const retransmit = () => {
    const now = relay.elapsed();
    for (let xid = 0; xid < due.length; xid++) {
      const next = due[xid]!;
      if (relay.exchanges[xid]!.answeredAt !== undefined || next.tries >= backoff.length || next.at > now) continue;
      relay.send(xid);
      retransmissions++;
      next.tries++;
      next.at = now + (backoff[next.tries] ?? Infinity) + (Math.random() * 2000 - 1000);
    }
  };
  let lastScan = 0;
  await paced(clients, spreadSeconds, (i) => {
    const xid = relay.add((offset + i * stride) % population.size);
    due.push({ at: relay.elapsed() + backoff[0]! + (Math.random() * 2000 - 1000), tries: 0 });
    relay.send(xid);
    if (relay.elapsed() - lastScan > 250) {
      lastScan = relay.elapsed();
      retransmit();
    }
  }, relay.elapsed);
  while (relay.elapsed() < 60_000 && relay.exchanges.some((e) => e.answeredAt === undefined)) {
    retransmit();
    await sleep(100);
  }
  // Late answers to the last retransmissions.
  await sleep(500);
  await relay.close();
  const answered = relay.exchanges.filter((e) => e.answeredAt !== undefined);
  const seconds = Math.ceil(Math.max(0, ...answered.map((e) => e.answeredAt!)) / 1000);
  return {
    servers: ports.length,
    clients,
    spreadSeconds,
    allAnsweredMs: answered.length === clients ? Math.round(Math.max(...answered.map((e) => e.answeredAt!))) : undefined,
    answeredWithin15s: answered.filter((e) => e.answeredAt! <= 15_000 && !e.nak && !e.wrongAddress).length,
    answered: answered.length,
    naks: answered.filter((e) => e.nak).length,
    wrongAddresses: answered.filter((e) => e.wrongAddress).length,
    retransmissions,
    droppedAtServers: receiveDrops(ports).atPorts - before.atPorts,
    answeredBySecond: Array.from({ length: seconds }, (_, s) => answered.filter((e) => e.answeredAt! <= (s + 1) * 1000).length),
  };
};
