// One received DHCPv6 datagram to (at most) one answer (RFC 8415): decode,
// check, one call to the lease engine, encode, wrapped back through the
// relays it came through. Never throws: whatever goes wrong is a drop with a
// reason, which the caller logs and counts. CONFIRM and INFORMATION-REQUEST
// are answered from the configuration alone.
import { databaseErrorKind } from '../db/errors.ts';
import type { Answer6, Ia6, LeaseEngine6, Message6 } from '../engine/lease-engine6.ts';
import { duidHardwareAddress } from '../dhcp6/hardware-address.ts';
import {
  iaNaOption, iaPdOption, STATUS_NO_ADDRS_AVAIL, STATUS_NO_BINDING, STATUS_NO_PREFIX_AVAIL, STATUS_NOT_ON_LINK,
  STATUS_SUCCESS, STATUS_USE_MULTICAST, statusCodeOption, type Status,
} from '../dhcp6/ia.ts';
import {
  ADVERTISE, clientFqdn, clientId, clientLinkLayerAddress, CONFIRM, decodePacket6, DECLINE, encodePacket6,
  iaNas, iaPds, INFORMATION_REQUEST, interfaceId, oro, rapidCommit, REBIND, relayChain, relayReplyTo, RELEASE,
  RENEW, REPLY, REQUEST, replyFromRequest, serverId, SOLICIT, type DecodeResult6, type Dhcp6Message, type Dhcp6Relay,
} from '../dhcp6/packet.ts';
import { ipv6Value, parseIpv6Prefix } from '../net/ipv6-range.ts';
import type { CachedSubnet6, EncodedOptions, FrontendConfig } from './config-cache.ts';
import type { Outcome, Received } from './handler.ts';

export interface Handler6Context {
  engine: LeaseEngine6;
  config(): FrontendConfig;
  /** Port answers to directly attached clients go to (546, or the test's). */
  clientPort: number;
  ready(): boolean;
}

export const MESSAGE_NAMES_6: Record<number, string> = {
  1: 'solicit', 2: 'advertise', 3: 'request', 4: 'confirm', 5: 'renew', 6: 'rebind', 7: 'reply',
  8: 'release', 9: 'decline', 10: 'reconfigure', 11: 'information-request', 12: 'relay-forw', 13: 'relay-repl',
};

const ENGINE_TYPES: Record<number, Message6['type']> = {
  [SOLICIT]: 'solicit', [REQUEST]: 'request', [RENEW]: 'renew', [REBIND]: 'rebind', [RELEASE]: 'release', [DECLINE]: 'decline',
};

const OPTION_RAPID_COMMIT = 14;
const OPTION_PREFERENCE = 7;
const OPTION_UNICAST = 12;

/** Told UseMulticast when sent by unicast; the other client messages are then dropped. */
const USE_MULTICAST_ANSWERED: ReadonlySet<number> = new Set([REQUEST, RENEW, RELEASE, DECLINE]);

const STATUS_CODES: Record<string, number> = {
  NoAddrsAvail: STATUS_NO_ADDRS_AVAIL, NoBinding: STATUS_NO_BINDING, NoPrefixAvail: STATUS_NO_PREFIX_AVAIL, NotOnLink: STATUS_NOT_ON_LINK,
};

const STATUS_TEXT: Record<number, string> = {
  [STATUS_SUCCESS]: 'success', [STATUS_NO_ADDRS_AVAIL]: 'no addresses available', [STATUS_NO_BINDING]: 'no binding',
  [STATUS_NO_PREFIX_AVAIL]: 'no prefixes available', [STATUS_NOT_ON_LINK]: 'not on link',
  [STATUS_USE_MULTICAST]: 'use multicast',
};

const status = (code: number): Status => ({ code, message: STATUS_TEXT[code] ?? '' });

/**
 * RFC 8415, Section 16: which messages must, may or must not name a server.
 * 'ours': must carry our DUID; 'none': must carry none; 'any': ours or none.
 */
const SERVER_ID_RULE: Record<number, 'ours' | 'none' | 'any'> = {
  [SOLICIT]: 'none', [REQUEST]: 'ours', [CONFIRM]: 'none', [RENEW]: 'ours', [REBIND]: 'none',
  [RELEASE]: 'ours', [DECLINE]: 'ours', [INFORMATION_REQUEST]: 'any',
};

/** Where the client is, as the relay closest to it tells, or the receiving interface. */
const linkOf = (relays: Dhcp6Relay[], rx: Received): Pick<Message6, 'link' | 'interface' | 'interface_id' | 'hw_address'> => {
  const first = relays.at(-1);
  if (!first) return { interface: rx.interface?.name };
  const id = interfaceId(first);
  return {
    link: first.linkAddress === '::' ? undefined : first.linkAddress,
    interface_id: id?.toString('hex'),
    hw_address: clientLinkLayerAddress(first)?.address.toString('hex'),
  };
};

/** The subnet a message is for, from the configuration alone (CONFIRM, INFORMATION-REQUEST). */
const subnetOf = (config: FrontendConfig, link: ReturnType<typeof linkOf>): CachedSubnet6 | undefined => {
  const subnets = [...config.subnets6.values()];
  if (link.link) {
    const length = (s: CachedSubnet6) => parseIpv6Prefix(s.prefix)?.length ?? 0;
    return subnets.filter((s) => inPrefix(link.link!, s.prefix)).sort((a, b) => length(b) - length(a))[0];
  }
  return subnets.find((s) => link.interface !== undefined && s.interface === link.interface);
};

/** Whether an address lies in a CIDR prefix. */
const inPrefix = (address: string, cidr: string): boolean => {
  const value = ipv6Value(address);
  const prefix = parseIpv6Prefix(cidr);
  return value !== undefined && prefix !== undefined && value >= prefix.first && value <= prefix.last;
};

/**
 * Configured options the client asked for (ORO) or marked always-send. The
 * preference belongs in an ADVERTISE alone (RFC 8415, Section 21.8), where it
 * goes unasked: it is what the client chooses a server by.
 */
const configuredOptions = (request: Dhcp6Message, options: EncodedOptions | undefined, answerType: number) => {
  if (!options) return [];
  const requested = new Set(oro(request));
  const wanted = (code: number) =>
    code === OPTION_PREFERENCE ? answerType === ADVERTISE : requested.has(code) || options.alwaysSend.has(code);
  return [...options.payloads].filter(([code]) => wanted(code)).map(([code, data]) => ({ code, data }));
};

/** The IA options of an answer: leases with their lifetimes, or the status saying why there are none (and no timers). */
const iaOptions = (answer: Answer6) => answer.ias.map((ia) => {
  const code = ia.status === null ? undefined : STATUS_CODES[ia.status];
  const held = ia.leases.length > 0;
  const fixed = { iaid: ia.iaid, t1: held ? ia.t1 : 0, t2: held ? ia.t2 : 0, status: code === undefined ? undefined : status(code), options: [] };
  const leases = ia.leases.map((lease) => {
    const [address = '', length = '128'] = lease.prefix.split('/');
    return { address, prefixLength: Number(length), preferredLifetime: lease.preferred, validLifetime: lease.valid, options: [] };
  });
  return ia.kind === 'na'
    ? iaNaOption({ ...fixed, addresses: leases })
    : iaPdOption({ ...fixed, prefixes: leases.map(({ address, ...rest }) => ({ prefix: address, ...rest })) });
});

/** What the client holds or asks for, per IA, as the engine reads it. */
const iasOf = (message: Dhcp6Message): Ia6[] => [
  ...iaNas(message).map((ia) => ({ kind: 'na' as const, iaid: ia.iaid, hints: ia.addresses.map((a) => a.address) })),
  ...iaPds(message).map((ia) => ({
    kind: 'pd' as const,
    iaid: ia.iaid,
    // A prefix of :: only says the length the client would like.
    hints: ia.prefixes.filter((p) => p.prefix !== '::' && p.prefixLength > 0).map((p) => `${p.prefix}/${p.prefixLength}`),
  })),
];

/** The name in the client's FQDN option, when it gives a usable one (see dhcp/client-name.ts). */
const hostnameOf = (message: Dhcp6Message): string | undefined => {
  const name = clientFqdn(message);
  return name && 'name' in name ? name.name : undefined;
};

/** Whose message a decoded datagram is: its client's DUID, inside any relays. */
export const clientKey6 = (decoded: DecodeResult6): string =>
  decoded.ok ? clientId(relayChain(decoded.packet).message)?.toString('hex') ?? '' : '';

/** Answers a datagram, given decoded when the caller has read it already. */
export const createHandler6 = (context: Handler6Context) => async (rx: Received, decoded = decodePacket6(rx.data, 'server')): Promise<Outcome> => {
  if (!decoded.ok) return { type: 'unknown', drop: decoded.reason, detail: decoded.detail };
  const { message, relays } = relayChain(decoded.packet);
  const type = MESSAGE_NAMES_6[message.msgType] ?? `type-${message.msgType}`;
  const rule = SERVER_ID_RULE[message.msgType];
  if (rule === undefined) return { type, drop: 'unsupported-message' };
  const client = clientId(message);
  if (!client && message.msgType !== INFORMATION_REQUEST) return { type, drop: 'no-client-id' };
  if (!context.ready()) return { type, drop: 'not-ready' };
  const config = context.config();
  const named = serverId(message);
  if (rule === 'none' && named) return { type, drop: 'unexpected-server-id' };
  if (rule === 'ours' && !named) return { type, drop: 'no-server-id' };
  if (named && !named.equals(config.duid)) return { type, drop: 'other-server' };

  const link = linkOf(relays, rx);
  // RFC 8415, Sections 16 and 18.4: a client on the link may send by unicast
  // only where the server gave it a Server Unicast option.
  if (relays.length === 0 && !rx.multicast && !subnetOf(config, link)?.options.payloads.has(OPTION_UNICAST)) {
    if (!USE_MULTICAST_ANSWERED.has(message.msgType)) return { type, drop: 'unicast' };
    const told = replyFromRequest(message, REPLY, config.duid);
    told.options.push(statusCodeOption(status(STATUS_USE_MULTICAST)));
    return { type, reply: { data: encodePacket6(told), to: { address: rx.from.address, port: context.clientPort }, type: 'reply' } };
  }
  let answerType = REPLY;
  let body: { code: number; data: Buffer }[];
  let subnet: CachedSubnet6 | undefined;
  let granted: Outcome['granted'];
  let replied: Outcome['replied'];
  const engineType = ENGINE_TYPES[message.msgType];
  if (engineType) {
    const ias = iasOf(message);
    if (ias.length === 0 && engineType !== 'solicit') return { type, drop: 'no-ia' };
    let answer: Answer6;
    try {
      answer = await context.engine.handle({
        type: engineType,
        duid: client!.toString('hex'),
        hw_address: link.hw_address ?? duidHardwareAddress(client!)?.address.toString('hex'),
        link: link.link,
        interface: link.interface,
        interface_id: link.interface_id,
        rapid_commit: rapidCommit(message),
        hostname: hostnameOf(message),
        ias,
      });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      if (databaseErrorKind(error) === 'rejected') return { type, drop: 'database-rejected', detail };
      return { type, drop: 'database-error', detail, databaseError: error };
    }
    if (answer.action === 'drop') return { type, asked: true, drop: answer.reason };
    answerType = answer.action === 'advertise' ? ADVERTISE : REPLY;
    const leases = answer.ias.flatMap((ia) => ia.leases.map((lease) => ({ address: lease.prefix, iaid: ia.iaid })));
    replied = { leases: leases.map((l) => l.address), reason: answer.reason };
    if (answerType === REPLY && engineType !== 'release' && engineType !== 'decline') {
      granted = leases.map((lease) => ({ ...lease, subnet: answer.subnet_id ?? null, duid: client!.toString('hex'), reason: answer.reason }));
    }
    subnet = answer.subnet_id === undefined ? undefined : config.subnets6.get(answer.subnet_id);
    body = iaOptions(answer);
    if (engineType === 'release' || engineType === 'decline') body.push(statusCodeOption(status(STATUS_SUCCESS)));
    if (engineType === 'solicit' && answerType === REPLY) body.push({ code: OPTION_RAPID_COMMIT, data: Buffer.alloc(0) });
  } else {
    subnet = subnetOf(config, link);
    if (message.msgType === CONFIRM) {
      // RFC 8415, Section 18.3.3: are the client's addresses on its link?
      const addresses = iaNas(message).flatMap((ia) => ia.addresses.map((a) => a.address));
      if (addresses.length === 0 || !subnet) return { type, drop: 'nothing-to-confirm' };
      body = [statusCodeOption(status(addresses.every((a) => inPrefix(a, subnet!.prefix)) ? STATUS_SUCCESS : STATUS_NOT_ON_LINK))];
    } else {
      body = [];
    }
  }

  const reply = replyFromRequest(message, answerType, config.duid);
  reply.options.push(...body, ...configuredOptions(message, subnet?.options, answerType));
  const outermost = relays[0];
  const packet = outermost ? relayReplyTo(outermost, reply) : reply;
  return {
    type,
    asked: engineType !== undefined,
    granted: granted?.length ? granted : undefined,
    replied,
    reply: {
      data: encodePacket6(packet),
      // A relay is answered at the port it sent from (547 for a real one);
      // a client on the link at its link-local address, through the interface.
      to: outermost ? rx.from : { address: rx.from.address, port: context.clientPort },
      type: MESSAGE_NAMES_6[answerType]!,
    },
  };
};
