// Prometheus metrics of one front-end (DESIGN section 8).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DROP_REASONS } from '../dhcp4/packet.ts';
import { DROP_REASONS_6 } from '../dhcp6/packet.ts';
import type { DatabaseErrorKind } from '../db/errors.ts';

/** Every kind of database error that costs readiness ('rejected' costs one message alone: a drop). */
const READINESS_ERROR_KINDS: Exclude<DatabaseErrorKind, 'rejected'>[] = ['connection', 'timeout', 'read-only', 'query'];

export const createMetrics = () => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'dhcpg_' });
  const metrics = {
    registry,
    received: new Counter({ name: 'dhcpg_packets_received_total', help: 'DHCP packets received, by family (4, 6) and message type', labelNames: ['family', 'type'], registers: [registry] }),
    sent: new Counter({ name: 'dhcpg_packets_sent_total', help: 'DHCP packets sent, by family (4, 6) and message type', labelNames: ['family', 'type'], registers: [registry] }),
    drops: new Counter({ name: 'dhcpg_drops_total', help: 'Packets answered with nothing, by family (4, 6) and reason', labelNames: ['family', 'reason'], registers: [registry] }),
    grants: new Counter({ name: 'dhcpg_leases_granted_total', help: 'Leases granted: DHCPACKs, and addresses and prefixes in DHCPv6 REPLYs', labelNames: ['family'], registers: [registry] }),
    dbLatency: new Histogram({
      name: 'dhcpg_database_seconds', help: 'Time from a message reaching the lease engine to its answer (one round trip, shared by a batch)', labelNames: ['call'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1], registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'dhcpg_database_batch_messages', help: 'Messages per call to the lease engine (what arrived while the previous calls ran)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512], registers: [registry],
    }),
    databaseErrors: new Counter({
      name: 'dhcpg_database_errors_total',
      help: 'Database failures that cost readiness, by kind (connection, timeout, read-only, query): one per message of a failed lease call, per failed heartbeat and per failed recovery probe',
      labelNames: ['kind'], registers: [registry],
    }),
    failovers: new Counter({ name: 'dhcpg_database_failovers_total', help: 'Moves of the lease connections to another host of the list', registers: [registry] }),
    namesIgnored: new Counter({
      name: 'dhcpg_client_names_ignored_total',
      help: 'Name options (host-name, client-fqdn) left out of messages served all the same, by problem: nul-byte, invalid-utf8, malformed',
      labelNames: ['option', 'problem'], registers: [registry],
    }),
    ready: new Gauge({ name: 'dhcpg_ready', help: '1 when the database answers and the configuration is loaded', registers: [registry] }),
    configSerial: new Gauge({ name: 'dhcpg_config_serial', help: 'Serial of the configuration in memory', registers: [registry] }),
  };
  // Every decode drop reason shows up at 0, so an alert can watch it from the start.
  for (const reason of DROP_REASONS) metrics.drops.inc({ family: '4', reason }, 0);
  for (const reason of DROP_REASONS_6) metrics.drops.inc({ family: '6', reason }, 0);
  for (const kind of READINESS_ERROR_KINDS) metrics.databaseErrors.inc({ kind }, 0);
  return metrics;
};

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * The per-packet metrics by label value, each child looked up once: passing
 * labels as an object costs a hash of it at every call, several times per
 * packet.
 */
export const perPacketMetrics = (metrics: Metrics, family: '4' | '6') => {
  const cached = <Child>(child: (value: string) => Child): ((value: string) => Child) => {
    const children = new Map<string, Child>();
    return (value) => {
      let found = children.get(value);
      if (!found) children.set(value, (found = child(value)));
      return found;
    };
  };
  return {
    received: cached((type) => metrics.received.labels(family, type)),
    sent: cached((type) => metrics.sent.labels(family, type)),
    drops: cached((reason) => metrics.drops.labels(family, reason)),
    dbLatency: cached((call) => metrics.dbLatency.labels(call)),
    grants: metrics.grants.labels(family),
  };
};
