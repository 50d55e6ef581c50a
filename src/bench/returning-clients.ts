// Clients that already hold a lease, as the bench's own client: perfdhcp
// renews only leases it obtained itself, and cannot play a million clients
// coming back. The population is written straight into the lease table
// (bindPopulation); these send its clients' requests through a relay on
// loopback: steady renewals at rising rates, and the reboot storm, every
// client back at once, retransmitting as a real client does. DHCPv4: REQUEST
// with ciaddr (renewal) or in INIT-REBOOT (storm); DHCPv6: RENEW and REBIND.
import dgram from 'node:dgram';
import { decodePacket, encodePacket, messageType, DHCPACK, DHCPNAK, DHCPREQUEST, type Dhcp4Packet } from '../dhcp4/packet.ts';
import {
  decodePacket6, encodePacket6, iaNas, relayChain, OPTION_CLIENTID, OPTION_SERVERID, REBIND, RELAY_FORW, RENEW, REPLY,
  type Dhcp6Message,
} from '../dhcp6/packet.ts';
import { iaNaOption } from '../dhcp6/ia.ts';
import { ipv4ToNumber, numberToIpv4, parseIpv4 } from '../net/ipv4.ts';
import { ipv6FromValue, ipv6Value } from '../net/ipv6-range.ts';
import type { Db } from '../db/pool.ts';
import { RECEIVE_BUFFER_BYTES } from '../server/udp.ts';
import { startCpuMeter, type CpuUse } from './cpu.ts';
import { receiveDrops } from './proc-udp.ts';
import { percentile } from './percentile.ts';

/** Clients 0 .. size - 1 hold the addresses firstAddress + 0 .. size - 1, in subnet subnetId. */
export interface Population {
  family: 4 | 6;
  subnetId: number;
  firstAddress: string;
  size: number;
  /** The relay of their subnet (DHCPv4: giaddr; DHCPv6: the link-address), which these send from. */
  relay: string;
  /** DHCPv6: the servers' DUID, which a RENEW names. */
  serverDuid?: Buffer;
}

/** The servers asked: where each listens, their processes, and where each answers the relay. */
export interface Servers {
  ports: number[];
  pids: number[];
  /** Kea answers a relay at a port of its own (its -P); dhcpg the port the request came from. */
  replyPorts?: number[];
}

/** Client k's hardware address: 0b:00 and k, which no perfdhcp instance uses (its MACs start 02-05). */
const MAC_PREFIX = 0x0b00;
const MAC_PREFIX_SQL = `'\\x${MAC_PREFIX.toString(16).padStart(4, '0')}'::bytea`;
const macOf = (k: number): Buffer => {
  const mac = Buffer.alloc(6);
  mac.writeUInt16BE(MAC_PREFIX, 0);
  mac.writeUInt32BE(k, 2);
  return mac;
};
/** DHCPv6: client k's DUID-LL (RFC 8415, Section 11.4: type 3, hardware type 1) from that address; its one IA_NA is IAID 1. */
const DUID_LL_ETHERNET = Buffer.of(0, 3, 0, 1);
const DUID_LL_SQL = `'\\x00030001'::bytea`;
const duidOf = (k: number): Buffer => Buffer.concat([DUID_LL_ETHERNET, macOf(k)]);
const IAID = 1;

const addressOf = (population: Population, k: number): string => (population.family === 4
  ? numberToIpv4(ipv4ToNumber(population.firstAddress) + k)
  : ipv6FromValue(ipv6Value(population.firstAddress)! + BigInt(k)));

/**
 * Binds the population's leases for two hours, as the engine would have
 * (DHCPv4: the client key from the hardware address, dhcpg.client_key4;
 * DHCPv6: one IA_NA lease each, in the pool holding them), in slices so no
 * transaction holds a million row locks. Leases already bound stay.
 */
export const bindPopulation = async (db: Db, population: Population): Promise<void> => {
  const slice = 100_000;
  for (let from = 0; from < population.size; from += slice) {
    const range = [population.subnetId, population.firstAddress, from, Math.min(population.size, from + slice)];
    if (population.family === 4) {
      await db.query('bench-bind-population', `
        with clients as (
          select a.address, ${MAC_PREFIX_SQL} || int4send((a.address - $2::inet)::integer) as mac
            from dhcpg.lease4 a
            where a.subnet_id = $1 and a.address >= $2::inet + $3::bigint and a.address < $2::inet + $4::bigint
              and a.state <> 'bound')
        update dhcpg.lease4 l set state = 'bound', hw_type = 1, hw_address = c.mac,
            client_key = dhcpg.client_key4(1::smallint, c.mac, null),
            expires_at = now() + interval '2 hours', updated_at = now()
          from clients c
          where l.address = c.address`, range);
    } else {
      await db.query('bench-bind-population6', `
        insert into dhcpg.lease6 (prefix, kind, subnet_id, pool_id, state, duid, iaid, hw_address,
                                  expires_at, preferred_until, updated_at)
        select ($2::inet + k)::cidr, 'na', $1, p.id, 'bound', ${DUID_LL_SQL} || ${MAC_PREFIX_SQL} || int4send(k::integer), ${IAID},
               ${MAC_PREFIX_SQL} || int4send(k::integer), now() + interval '2 hours', now() + interval '1 hour', now()
          from generate_series($3::bigint, $4::bigint - 1) k
          join dhcpg.pool6 p on p.subnet_id = $1 and p.kind = 'na' and $2::inet + k between p.first_address and p.last_address
          on conflict do nothing`, range);
    }
  }
};

/** Kea's HWAddr::HWADDR_SOURCE_DUID: the hardware address was read from the client's DUID-LL. */
const KEA_HWADDR_FROM_DUID = 2;

/**
 * The same leases in Kea 2.2's PostgreSQL schema, in `subnetId`. DHCPv4:
 * lease4, addresses as numbers, state 0 for a lease in use. DHCPv6: lease6,
 * addresses as text (Kea's own form, which PostgreSQL's host() also
 * writes), lease type 0 (IA_NA), the client's DUID and IAID, and the
 * hardware address in it (Kea refuses to read a row with an address but no
 * type: "Could not convert data to Lease6"). Kea updates a lease only where
 * its expiry is still the one it read, to the second, so expiries are whole
 * seconds. Its per-row statistics trigger (one UPDATE of
 * the same statistics row per lease, a cost growing with each row in one
 * transaction) is left out and its count written once.
 */
export const bindKeaPopulation = async (db: Db, population: Population, subnetId: number): Promise<void> => {
  await db.transaction(async (tx) => {
    await tx.query(`set local session_replication_role = replica`);
    const values = [subnetId, population.firstAddress, population.size];
    if (population.family === 4) {
      await tx.query(`
        insert into lease4 (address, hwaddr, valid_lifetime, expire, subnet_id, fqdn_fwd, fqdn_rev, hostname, state)
        select ($2::inet - '0.0.0.0'::inet) + k, ${MAC_PREFIX_SQL} || int4send(k), 7200,
               date_trunc('second', now() + interval '2 hours'), $1, false, false, '', 0
          from generate_series(0, $3 - 1) k`, values);
      await tx.query(`
        insert into lease4_stat (subnet_id, state, leases) values ($1, 0, $2)
        on conflict (subnet_id, state) do update set leases = lease4_stat.leases + excluded.leases`, [subnetId, population.size]);
    } else {
      await tx.query(`
        insert into lease6 (address, duid, valid_lifetime, expire, subnet_id, pref_lifetime, lease_type, iaid, prefix_len,
                            fqdn_fwd, fqdn_rev, hostname, state, hwaddr, hwtype, hwaddr_source)
        select host($2::inet + k), ${DUID_LL_SQL} || ${MAC_PREFIX_SQL} || int4send(k), 7200,
               date_trunc('second', now() + interval '2 hours'), $1, 3600, 0, ${IAID}, 128, false, false, '', 0,
               ${MAC_PREFIX_SQL} || int4send(k), 1, ${KEA_HWADDR_FROM_DUID}
          from generate_series(0, $3 - 1) k`, values);
      await tx.query(`
        insert into lease6_stat (subnet_id, lease_type, state, leases) values ($1, 0, 0, $2)
        on conflict (subnet_id, lease_type, state) do update set leases = lease6_stat.leases + excluded.leases`, [subnetId, population.size]);
    }
  });
};

/** A steady renewal, or a client back after an outage. */
type Kind = 'renewal' | 'reboot';

/**
 * DHCPv4 (RFC 2131, Section 4.3.2): a renewing (here rebinding, since it
 * comes through the relay) client names its address in ciaddr; one in
 * INIT-REBOOT asks for it in option 50, with no server identifier.
 */
const request4 = (kind: Kind, population: Population, k: number, xid: number): Buffer => {
  const address = addressOf(population, k);
  const packet: Dhcp4Packet = {
    op: 1, htype: 1, hlen: 6, hops: 1, xid, secs: 0, flags: 0,
    ciaddr: kind === 'renewal' ? address : '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr: population.relay,
    chaddr: macOf(k), sname: '', file: '', options: new Map([[53, Buffer.of(DHCPREQUEST)]]),
  };
  if (kind === 'reboot') packet.options.set(50, parseIpv4(address)!);
  return encodePacket(packet);
};

/**
 * DHCPv6 (RFC 8415, Sections 18.2.4 and 18.2.5): RENEW names the server that
 * gave the lease, REBIND (a client that cannot tell whether its link
 * changed, or whose server is gone) asks any; both name the address held.
 * Relayed, as from a client on another link.
 */
const request6 = (kind: Kind, population: Population, k: number, xid: number): Buffer => {
  const message: Dhcp6Message = {
    msgType: kind === 'renewal' ? RENEW : REBIND,
    transactionId: xid,
    options: [
      { code: OPTION_CLIENTID, data: duidOf(k) },
      ...(kind === 'renewal' ? [{ code: OPTION_SERVERID, data: population.serverDuid! }] : []),
      iaNaOption({ iaid: IAID, t1: 0, t2: 0, addresses: [{ address: addressOf(population, k), preferredLifetime: 0, validLifetime: 0, options: [] }], options: [] }),
    ],
  };
  return encodePacket6({ msgType: RELAY_FORW, hopCount: 0, linkAddress: population.relay, peerAddress: 'fe80::b00', options: [], relayed: message });
};

/** What an answer says: its transaction, and whether it gave `expected` back (ACK; REPLY with it valid) or refused (NAK; no binding). */
interface Answer { xid: number; refused: boolean; address?: string }

const readAnswer4 = (data: Buffer): Answer | undefined => {
  const decoded = decodePacket(data);
  if (!decoded.ok) return undefined;
  const type = messageType(decoded.packet);
  return { xid: decoded.packet.xid, refused: type === DHCPNAK, address: type === DHCPACK ? decoded.packet.yiaddr : undefined };
};

const readAnswer6 = (data: Buffer): Answer | undefined => {
  const decoded = decodePacket6(data, 'client');
  if (!decoded.ok) return undefined;
  const { message } = relayChain(decoded.packet);
  if (message.msgType !== REPLY) return undefined;
  const held = iaNas(message)[0]?.addresses.find((a) => a.validLifetime > 0);
  return { xid: message.transactionId, refused: !held, address: held?.address };
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
 * Sockets at the relay's address: requests out to the servers in turn,
 * answers matched to their exchange by transaction id (the exchange's
 * index). A socket per server, or per port the servers answer at: every
 * kea-dhcp6 answers a relay at port 547.
 */
const openRelay = async (population: Population, servers: Servers, kind: Kind) => {
  const [type, request, readAnswer, server] = population.family === 4
    ? ['udp4' as const, request4, readAnswer4, '127.0.0.1']
    : ['udp6' as const, request6, readAnswer6, '::1'];
  const exchanges: Exchange[] = [];
  let started = 0;
  const answered = (data: Buffer) => {
    const answer = readAnswer(data);
    const exchange = answer && exchanges[answer.xid];
    if (!exchange || exchange.answeredAt !== undefined) return;
    exchange.answeredAt = performance.now() - started;
    exchange.nak = answer.refused;
    exchange.wrongAddress = !answer.refused && answer.address !== addressOf(population, exchange.client);
  };
  const open = async (port: number) => {
    const socket = dgram.createSocket({ type, recvBufferSize: RECEIVE_BUFFER_BYTES });
    await new Promise<void>((resolve) => socket.bind(port, population.family === 4 ? population.relay : '::1', resolve));
    socket.on('message', answered);
    return socket;
  };
  const byReplyPort = new Map<number, Promise<dgram.Socket>>();
  const sockets = await Promise.all(servers.ports.map((_, k) => {
    const port = servers.replyPorts?.[k];
    if (port === undefined) return open(0);
    if (!byReplyPort.has(port)) byReplyPort.set(port, open(port));
    return byReplyPort.get(port)!;
  }));
  const { ports } = servers;
  return {
    exchanges,
    start: () => { started = performance.now(); },
    elapsed: () => performance.now() - started,
    add: (client: number) => exchanges.push({ client, sentAt: performance.now() - started }) - 1,
    send: (xid: number) => sockets[xid % ports.length]!.send(request(kind, population, exchanges[xid]!.client, xid), ports[xid % ports.length]!, server),
    close: () => Promise.all([...new Set(sockets)].map((socket) => new Promise<void>((resolve) => socket.close(() => resolve())))),
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
  population: Population, servers: Servers, rates: number[], seconds: number, onStep: (step: RenewalStep) => void,
): Promise<RenewalResult> => {
  const { ports, pids } = servers;
  const steps: RenewalStep[] = [];
  let maxRate = 0;
  let next = 0;
  for (const rate of rates) {
    let step: RenewalStep | undefined;
    for (let attempt = 0; attempt < 2 && (!step || step.lostRatio >= 0.01); attempt++) {
      const relay = await openRelay(population, servers, 'renewal');
      const count = Math.round(rate * seconds);
      const before = receiveDrops(ports);
      const cpu = startCpuMeter(pids, seconds, () => [process.pid]);
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
  /** Over how long the first requests were spread, and when the run ended at the latest. */
  spreadSeconds: number;
  limitSeconds: number;
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
 * `clients` of the population (spread over all of it) come back at once, as
 * when power returns: REQUEST in INIT-REBOOT, or REBIND, their first ones
 * evenly within `spreadSeconds`; a client with no answer asks again after
 * its protocol's retransmission time, twice more at most, and the run ends
 * `limitSeconds` after the first request at the latest.
 */
export const measureStorm = async (
  population: Population, servers: Servers, clients: number, spreadSeconds: number, limitSeconds: number, offset: number,
): Promise<StormResult> => {
  const { ports } = servers;
  const relay = await openRelay(population, servers, 'reboot');
  const stride = Math.max(1, Math.floor(population.size / clients));
  const before = receiveDrops(ports);
  // RFC 2131, Section 4.1: 4 s, doubling, ±1 s; RFC 8415, Section 15:
  // REB_TIMEOUT 10 s, doubling, ±10%.
  const backoff = population.family === 4 ? [4000, 8000, 16000] : [10_000, 20_000, 40_000];
  const jitter = (ms: number) => (population.family === 4 ? 1000 : ms / 10) * (Math.random() * 2 - 1);
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
      next.at = now + (backoff[next.tries] ?? Infinity) + jitter(backoff[next.tries] ?? 0);
    }
  };
  let lastScan = 0;
  await paced(clients, spreadSeconds, (i) => {
    const xid = relay.add((offset + i * stride) % population.size);
    due.push({ at: relay.elapsed() + backoff[0]! + jitter(backoff[0]!), tries: 0 });
    relay.send(xid);
    if (relay.elapsed() - lastScan > 250) {
      lastScan = relay.elapsed();
      retransmit();
    }
  }, relay.elapsed);
  while (relay.elapsed() < limitSeconds * 1000 && relay.exchanges.some((e) => e.answeredAt === undefined)) {
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
    limitSeconds,
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
