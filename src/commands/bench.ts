// dhcpg bench [--quick] [--out DIR]: the benchmark of DESIGN section 6, all
// sides measured in one run on this machine: results in DIR/latest.json,
// latest.md, latest.svg and latest-dhcp6.svg.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyConfig, applyConfig4 } from '../config/apply.ts';
import { readDhcp4 } from '../config/dhcp4.ts';
import { readDhcp6 } from '../config/dhcp6.ts';
import { connect, type Db } from '../db/pool.ts';
import { openBenchDatabase } from '../bench/database.ts';
import { adminQuery, withDatabaseName } from '../db/admin.ts';
import { measureClaims } from '../bench/engine-claims.ts';
import { measureFlatCost } from '../bench/flat-cost.ts';
import { measureFlatCost6 } from '../bench/flat-cost6.ts';
import { measureIterative } from '../bench/iterative.ts';
import { measureLatency } from '../bench/dora-client.ts';
import { measureLoad, type LoadResult, type RateStep } from '../bench/load.ts';
import { freeUdpPorts, startFrontends } from '../bench/frontends.ts';
import { KEA6_SERVER_DUID, keaAvailable, startKeaServers } from '../bench/kea.ts';
import { createNamespace, namespacesAvailable, type Namespace } from '../bench/netns.ts';
import type { PerfdhcpOptions } from '../bench/perfdhcp.ts';
import { markdownReport, svgChart, svgChart6, type BenchResults } from '../bench/report.ts';
import { cleanUpOnSignal, releaseOnInterrupt } from '../bench/children.ts';
import { cpuText } from '../bench/cpu.ts';
import { raiseDefaultReceiveBuffer } from '../bench/receive-buffer.ts';
import { bindKeaPopulation, bindPopulation, measureRenewals, measureStorm, type Population, type Servers } from '../bench/returning-clients.ts';
import { numberToIpv4, parseIpv4Prefix } from '../net/ipv4.ts';
import { RECEIVE_BUFFER_BYTES } from '../server/udp.ts';

export interface BenchOptions {
  quick?: boolean;
  out: string;
  kea: boolean;
}

const SUBNET = '198.18.0.0/15';
const POOL = { first: '198.18.0.1', last: '198.19.255.254' };
const RELAY = '127.0.0.1';
const FRONTEND_COUNTS = [1, 2, 4];
/** --quick, under 3 minutes: fewer counts, steps and samples of the same measurements. */
const QUICK_FRONTEND_COUNTS = [1];

// DHCPv6: a /64 of addresses and a /33 delegated as /56 (2^23 prefixes),
// relayed from ::1. Kea's pool is the same range.
const SUBNET6 = '2001:db8:1::/64';
const POOL6 = { first: '2001:db8:1::', last: '2001:db8:1:0:ffff:ffff:ffff:ffff' };
const PD_POOL6 = { prefix: '2001:db8:8000::', prefixLength: 33, delegatedLength: 56 };
const RELAY6 = '::1';
/** kea-dhcp6's port in each namespace; it answers the relay at 547. */
const KEA6_PORT = 10547;
const LEASE_TYPES6: NonNullable<PerfdhcpOptions['leaseType']>[] = ['address-only', 'address-and-prefix'];

const progress = (text: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);

// The returning clients (renewals, the reboot storm, and the bound leases
// beside the load of new clients): subnet 2, a /12 (quick: a /16) relayed
// from 127.0.0.2. Its addresses are only ever carried in packets, never sent
// to; the documentation ranges have no /12.
const POPULATION_SUBNET = { full: '198.32.0.0/12', quick: '198.32.0.0/16' };
const population = (size: number): Population => ({ family: 4, subnetId: 2, firstAddress: '198.32.0.1', size, relay: '127.0.0.2' });
// DHCPv6: in the upper half of the /64 the DHCPv6 load drew from, whose new
// leases are numbered from its start.
const POPULATION6_FIRST = '2001:db8:1:0:8000::';

const loadConfig = (populationSubnet?: string) => readDhcp4({
  'valid-lifetime': 3600,
  subnet4: [{ id: 1, subnet: SUBNET, relay: { 'ip-addresses': [RELAY] }, pools: [{ pool: `${POOL.first} - ${POOL.last}` }],
    'option-data': [{ name: 'routers', data: '198.18.0.1' }, { name: 'domain-name-servers', data: '198.18.0.53' }] },
  ...(populationSubnet ? [{ id: 2, subnet: populationSubnet, relay: { 'ip-addresses': [population(0).relay] }, pools: [{ pool: populationSubnet }] }] : [])],
}).config;

const describeStep = (step: RateStep) => {
  const cpu = step.cpu ? `, CPU per DORA ${cpuText(step.cpu)}, ${step.cpu.busyCores} cores busy` : '';
  return `  ${step.rate}/s asked: ${step.achieved} DORA/s, drops ${(step.dropRatio * 100).toFixed(2)}%, NAKs ${step.rejected}${cpu}`;
};

/** Every address of the load's subnet free again, as if never used: each load step hands out new leases. */
const resetLeases = async (db: Db) => {
  await db.query('bench-reset', `update dhcpg.lease4 set state = 'free', client_key = null, hw_type = null, hw_address = null,
    client_id = null, hostname = null, expires_at = '-infinity', updated_at = null where state <> 'free' and subnet_id = 1`);
  await db.query('bench-vacuum', 'vacuum dhcpg.lease4');
};

const loadConfig6 = () => readDhcp6({
  'preferred-lifetime': 3000,
  'valid-lifetime': 4000,
  subnet6: [{ id: 1, subnet: SUBNET6, relay: { 'ip-addresses': [RELAY6] }, pools: [{ pool: `${POOL6.first} - ${POOL6.last}` }],
    'pd-pools': [{ prefix: PD_POOL6.prefix, 'prefix-len': PD_POOL6.prefixLength, 'delegated-len': PD_POOL6.delegatedLength }] }],
}).config;

/** No DHCPv6 lease left: each step hands out new ones (the pools' sequences go on, never repeating). */
const resetLeases6 = async (db: Db) => {
  await db.query('bench-reset6', 'delete from dhcpg.lease6');
  await db.query('bench-vacuum6', 'vacuum dhcpg.lease6');
};

interface LoadPlan {
  rates: number[];
  stepSeconds: number;
  /** How long latency is measured at half the highest rate. */
  latencySeconds: number;
}

/** Each process's highest resident memory so far, given its latest. */
const peaks = (highest: number[], latest: number[]) => latest.map((value, k) => Math.max(value, highest[k] ?? 0));

type DhcpgRun = BenchResults['dhcpg'][number];
type KeaRun = LoadResult & { rssKiB?: number[] };

/** count dhcpg front-ends under rising load, then their latency at half the highest rate. */
const loadDhcpg = async (count: number, url: string, db: Db, plan: LoadPlan): Promise<DhcpgRun> => {
  progress(`dhcpg: ${count} front-end(s)`);
  const frontends = await startFrontends(count, url, await freeUdpPorts(2 * count));
  try {
    let rss: number[] = [];
    const load = await measureLoad({
      ports: frontends.ports, pids: frontends.pids, rates: plan.rates, seconds: plan.stepSeconds,
      reset: () => resetLeases(db),
      onStep: (step) => {
        rss = peaks(rss, frontends.rssKiB());
        progress(describeStep(step));
      },
    });
    await resetLeases(db);
    const latency = load.maxRate > 0 ? await measureLatency(frontends.ports, Math.round(load.maxRate / 2), plan.latencySeconds, 1 << 24) : undefined;
    if (latency) progress(`  latency at ${latency.rate}/s: p50 ${latency.p50Ms.toFixed(1)} ms, p99 ${latency.p99Ms.toFixed(1)} ms`);
    return { ...load, latency, frontendRssKiB: rss };
  } finally {
    await frontends.stop();
  }
};

/** count Kea 2.2 servers sharing one PostgreSQL lease database, under rising load. */
const loadKea = async (count: number, adminUrl: string, workDir: string, plan: LoadPlan): Promise<KeaRun> => {
  progress(`kea: ${count} server(s)`);
  const cluster = await startKeaServers({
    count, databaseUrl: adminUrl, databaseName: 'kea_bench', subnet: SUBNET, poolFirst: POOL.first, poolLast: POOL.last,
    relayAddress: RELAY, basePort: await freeUdpPorts(2 * count), workDir,
  });
  const keaDb = connect(withDatabaseName(adminUrl, 'kea_bench'), { max: 1 });
  try {
    let rss: number[] = [];
    const load = await measureLoad({
      ports: cluster.ports, pids: cluster.pids, rates: plan.rates, seconds: plan.stepSeconds,
      reset: async () => {
        await keaDb.query('kea-reset', 'truncate lease4');
      },
      onStep: async (step) => {
        progress(describeStep(step));
        rss = peaks(rss, await cluster.rssKiB());
      },
    });
    return { ...load, rssKiB: rss };
  } finally {
    await keaDb.end();
    await cluster.stop();
  }
};

interface ReturningPlan {
  renewalRates: number[];
  renewalSeconds: number;
  stormClients: number;
  stormSeconds: number;
  stormLimitSeconds: number;
}

type ReturningRun = BenchResults['returning'][number]['dhcpg'];

/** The returning clients' renewals, then their storm (its clients picked by server count, so each run's are others). */
const measureReturning = async (name: string, servers: Servers, returning: Population, plan: ReturningPlan): Promise<ReturningRun> => {
  const renewals = await measureRenewals(returning, servers, plan.renewalRates, plan.renewalSeconds,
    (step) => progress(`  renewals at ${step.rate}/s: ${step.achieved}/s ACKed, ${(step.lostRatio * 100).toFixed(2)}% lost, p99 ${step.p99Ms.toFixed(1)} ms`));
  const storm = await measureStorm(returning, servers, plan.stormClients, plan.stormSeconds, plan.stormLimitSeconds, servers.ports.length);
  progress(`  ${name} storm: ${storm.answered} of ${storm.clients} answered, the last after ${storm.allAnsweredMs ?? '–'} ms, ` +
    `${storm.answeredWithin15s} within 15 s, ${storm.naks} NAKs, ${storm.retransmissions} retransmissions`);
  return { renewals, storm };
};

const returningDhcpg = async (count: number, url: string, returning: Population, plan: ReturningPlan): Promise<ReturningRun> => {
  progress(`returning DHCPv${returning.family} clients: ${count} front-end(s)`);
  const dhcp6 = returning.family === 6;
  const frontends = await startFrontends(count, url, await freeUdpPorts(2 * count), { dhcp6 });
  try {
    return await measureReturning('dhcpg', { ...frontends, ports: dhcp6 ? frontends.ports6 : frontends.ports }, returning, plan);
  } finally {
    await frontends.stop();
  }
};

/**
 * The same clients' leases in the lease database of count Kea servers, and
 * the same requests. DHCPv4: the clients' subnet beside the load's. DHCPv6:
 * they hold addresses of the load's subnet; the servers run here, not in
 * namespaces as under perfdhcp: each answers the relay at [::1]:547, where
 * the bench's one client takes the answers of all of them.
 */
const returningKea = async (
  count: number, adminUrl: string, workDir: string, returning: Population, subnet: string, plan: ReturningPlan,
): Promise<ReturningRun> => {
  const { family } = returning;
  progress(`returning DHCPv${family} clients: ${count} Kea server(s)`);
  const databaseName = family === 4 ? 'kea_bench' : 'kea6_bench';
  const common = { count, databaseUrl: adminUrl, databaseName, basePort: await freeUdpPorts(2 * count), workDir };
  const range = family === 4 ? parseIpv4Prefix(subnet)! : undefined;
  const cluster = await startKeaServers(range
    ? {
      ...common, subnet: SUBNET, poolFirst: POOL.first, poolLast: POOL.last, relayAddress: RELAY,
      secondSubnet: { subnet, poolFirst: numberToIpv4(range.first + 1), poolLast: numberToIpv4(range.last - 1), relayAddress: returning.relay },
    }
    : { ...common, family, subnet, poolFirst: POOL6.first, poolLast: POOL6.last, relayAddress: RELAY6 });
  const keaDb = connect(withDatabaseName(adminUrl, databaseName), { max: 1 });
  try {
    await bindKeaPopulation(keaDb, returning, returning.subnetId);
    await keaDb.query('kea-analyze', `analyze lease${family}`);
    return await measureReturning('Kea', cluster, family === 4 ? returning : { ...returning, serverDuid: KEA6_SERVER_DUID }, plan);
  } finally {
    await keaDb.end();
    await cluster.stop();
  }
};

type LeaseType6 = BenchResults['dhcp6'][number]['leaseType'];
type Dhcpg6Run = BenchResults['dhcp6'][number]['dhcpg'][number];

/** count dhcpg front-ends under rising DHCPv6 load (perfdhcp -6 -A 1 from ::1), then their latency at half the highest rate. */
const loadDhcpg6 = async (count: number, url: string, db: Db, plan: LoadPlan, leaseType: LeaseType6): Promise<Dhcpg6Run> => {
  progress(`dhcpg -6 (${leaseType}): ${count} front-end(s)`);
  // Per front-end: its DHCPv4 port, its DHCPv6 port (+1), perfdhcp's (+ 2 count).
  const base = await freeUdpPorts(4 * count);
  const frontends = await startFrontends(count, url, base, { dhcp6: true });
  try {
    const load = await measureLoad({
      ports: frontends.ports6, pids: frontends.pids, rates: plan.rates, seconds: plan.stepSeconds,
      family: 6, leaseType, replyPorts: frontends.ports6.map((port) => port + 2 * count),
      reset: () => resetLeases6(db),
      onStep: (step) => progress(describeStep(step)),
    });
    await resetLeases6(db);
    // Transaction ids are 24 bits: these clients from 2^20 on.
    const latency = load.maxRate > 0
      ? await measureLatency(frontends.ports6, Math.round(load.maxRate / 2), plan.latencySeconds, 1 << 20, { family: 6, prefixes: leaseType === 'address-and-prefix' })
      : undefined;
    if (latency) progress(`  latency at ${latency.rate}/s: p50 ${latency.p50Ms.toFixed(1)} ms, p99 ${latency.p99Ms.toFixed(1)} ms`);
    return { ...load, latency };
  } finally {
    await frontends.stop();
  }
};

/** count kea-dhcp6 servers, each with its perfdhcp in a namespace of its own, sharing one PostgreSQL lease database. */
const loadKea6 = async (
  count: number, adminUrl: string, workDir: string, socketDir: string, plan: LoadPlan, leaseType: LeaseType6,
): Promise<LoadResult> => {
  progress(`kea -6 (${leaseType}): ${count} server(s)`);
  const namespaces: Namespace[] = [];
  const removeNamespaces = async () => {
    for (const ns of namespaces) await ns.remove();
  };
  const forgetNamespaces = releaseOnInterrupt(removeNamespaces);
  try {
    for (let k = 0; k < count; k++) namespaces.push(await createNamespace(`dhcpg-bench-kea6-${process.pid}-${k}`));
    const cluster = await startKeaServers({
      count, family: 6, namespaces: namespaces.map((ns) => ns.exec), databaseHost: socketDir,
      databaseUrl: adminUrl, databaseName: 'kea6_bench', subnet: SUBNET6, poolFirst: POOL6.first, poolLast: POOL6.last,
      pdPool: PD_POOL6, relayAddress: RELAY6, basePort: KEA6_PORT, workDir,
    });
    const keaDb = connect(withDatabaseName(adminUrl, 'kea6_bench'), { max: 1 });
    try {
      // Every server on the same port of its own namespace.
      return await measureLoad({
        ports: cluster.ports, pids: cluster.pids, rates: plan.rates, seconds: plan.stepSeconds,
        family: 6, leaseType, replyPorts: cluster.replyPorts, runners: namespaces.map((ns) => ns.run),
        reset: async () => {
          await keaDb.query('kea-reset6', 'truncate lease6');
        },
        onStep: (step) => progress(describeStep(step)),
      });
    } finally {
      await keaDb.end();
      await cluster.stop();
    }
  } finally {
    forgetNamespaces();
    await removeNamespaces();
  }
};

export const benchCommand = async (options: BenchOptions): Promise<BenchResults> => {
  const quick = options.quick ?? false;
  cleanUpOnSignal();
  // Steps of 300 up to 1,200 and of 400 up to 2,400, where Kea tops out; then
  // of 800, where dhcpg does.
  const rates = quick
    ? [1200, 4800]
    : [300, 600, 900, 1200, 1600, 2000, 2400, ...Array.from({ length: 12 }, (_, k) => 3200 + 800 * k)];
  const stepSeconds = quick ? 3 : 8;
  // DHCPv6: the same steps (two front-ends reach 9,600 SARR/s), 5 s each,
  // for the length of the whole run.
  const rates6 = quick ? [2000] : rates;
  const stepSeconds6 = quick ? 3 : 5;
  const bench = await openBenchDatabase();
  // Kea's configuration, log and pid files, for the whole run.
  const keaDir = mkdtempSync(join(tmpdir(), 'dhcpg-bench-kea-'));
  const release = async () => {
    await bench.close();
    rmSync(keaDir, { recursive: true, force: true });
  };
  const forgetRelease = releaseOnInterrupt(release);
  try {
    const [version] = await adminQuery<{ server_version: string }>(bench.adminUrl, 'show server_version');
    const results: BenchResults = {
      startedAt: new Date().toISOString(),
      command: `dhcpg bench${quick ? ' --quick' : ''}`,
      machine: { cpus: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, postgres: version!.server_version },
      quick,
      engineClaims: [],
      iterative: [],
      dhcpg: [],
      kea: { skipped: 'not run' },
      dhcp6: [],
      loadGeneratorReceiveBuffer: { bytes: 0 },
      flatCost: [],
      flatCost6: [],
      leaseTable: [],
      returning: [],
      returning6: [],
      bytesPerLease: { tableBytes: 0, indexBytes: 0, leases: 0, bytesPerLease: 0 },
      applySeconds: [],
    };

    const url = await bench.create('dhcpg_bench');
    const db = connect(url, { max: 2, applicationName: 'dhcpg-bench' });
    let started = performance.now();
    await applyConfig4(db, loadConfig());
    results.applySeconds.push({ addresses: 131_070, seconds: (performance.now() - started) / 1000 });

    // 1. The lease engine alone, and the iterative allocator beside it.
    let client = 1;
    for (const connections of quick ? [1, 4] : [1, 4, 16]) {
      progress(`engine: ${connections} connections`);
      await resetLeases(db);
      const claim = await measureClaims(url, connections, quick ? 3 : 8, client, 100_000);
      client += claim.leases + claim.exhausted + 1000;
      results.engineClaims.push(claim);
      progress(`  ${claim.leasesPerSecond.toFixed(0)} leases/s`);
      const iterative = await measureIterative(url, connections, quick ? 1000 : 3000, (198 << 24 >>> 0) + (18 << 16) + 1);
      results.iterative.push(iterative);
      progress(`  iterative: ${iterative.leasesPerSecond.toFixed(0)} leases/s, ${iterative.retriesPer1000.toFixed(1)} retries per 1000 leases`);
    }

    // 2. dhcpg front-ends and Kea servers under perfdhcp, each count of Kea
    // servers right after the same count of front-ends: this machine's speed
    // drifts by tens of percent over minutes, so neighbours are compared.
    const buffer = raiseDefaultReceiveBuffer(RECEIVE_BUFFER_BYTES);
    results.loadGeneratorReceiveBuffer = { bytes: buffer.bytes, unchanged: buffer.unchanged };
    progress(`perfdhcp's receive buffer: ${buffer.bytes} bytes${buffer.unchanged ? ` (${buffer.unchanged})` : ''}`);
    const kea = options.kea ? await keaAvailable() : { ok: false as const, reason: 'left out (--no-kea)' };
    if (!kea.ok) progress(`kea: skipped (${kea.reason})`);
    const keaRuns: KeaRun[] = [];
    const load = { rates, stepSeconds, latencySeconds: quick ? 2 : 8 };
    try {
      for (const count of quick ? QUICK_FRONTEND_COUNTS : FRONTEND_COUNTS) {
        results.dhcpg.push(await loadDhcpg(count, url, db, load));
        if (kea.ok) keaRuns.push(await loadKea(count, bench.adminUrl, keaDir, load));
      }
    } finally {
      buffer.restore();
    }
    results.kea = kea.ok ? keaRuns : { skipped: kea.reason };

    // 3. DHCPv6 the same way: dhcpg front-ends and kea-dhcp6 servers, each
    // count of Kea right after the same count of dhcpg, IA_NA alone and
    // IA_NA with IA_PD.
    await applyConfig(db, { dhcp6: loadConfig6() });
    const kea6 = !options.kea ? { ok: false as const, reason: 'left out (--no-kea)' }
      : !bench.socketDir ? { ok: false as const, reason: 'kea-dhcp6 runs in network namespaces, which reach only the embedded PostgreSQL (its Unix socket), not DATABASE_URL' }
        : await keaAvailable(6).then(async (found) => (found.ok ? namespacesAvailable() : found));
    if (!kea6.ok) progress(`kea -6: skipped (${kea6.reason})`);
    const load6 = { rates: rates6, stepSeconds: stepSeconds6, latencySeconds: quick ? 2 : 5 };
    const buffer6 = raiseDefaultReceiveBuffer(RECEIVE_BUFFER_BYTES);
    try {
      for (const leaseType of quick ? LEASE_TYPES6.slice(1) : LEASE_TYPES6) {
        const run: BenchResults['dhcp6'][number] = { leaseType, dhcpg: [], kea: kea6.ok ? [] : { skipped: kea6.reason } };
        for (const count of quick ? FRONTEND_COUNTS.slice(0, 1) : FRONTEND_COUNTS) {
          run.dhcpg.push(await loadDhcpg6(count, url, db, load6, leaseType));
          if (kea6.ok && Array.isArray(run.kea)) run.kea.push(await loadKea6(count, bench.adminUrl, keaDir, bench.socketDir!, load6, leaseType));
        }
        results.dhcp6.push(run);
      }
    } finally {
      buffer6.restore();
    }

    // 4. Returning clients: DORA/s of one front-end with 0, 100,000 and
    // 1,000,000 leases of other clients bound beside its pool; then, with
    // all of them bound, their renewals and their reboot storm; then the
    // same for as many DHCPv6 clients.
    const tableSizes = quick ? [0, 50_000] : [0, 100_000, 1_000_000];
    const populationSubnet = quick ? POPULATION_SUBNET.quick : POPULATION_SUBNET.full;
    const tablePlan = { rates: quick ? [3600] : rates.filter((rate) => rate >= 2400), stepSeconds, latencySeconds: load.latencySeconds };
    const buffer4 = raiseDefaultReceiveBuffer(RECEIVE_BUFFER_BYTES);
    try {
      for (const bound of tableSizes) {
        if (bound > 0) {
          if (bound === tableSizes[1]) {
            progress('lease table: the returning clients\' subnet');
            await applyConfig4(db, loadConfig(populationSubnet));
          }
          progress(`lease table: ${bound} bound`);
          await bindPopulation(db, population(bound));
        }
        await db.query('bench-vacuum-table', 'vacuum analyze dhcpg.lease4');
        const [rows] = await db.query<{ rows: number }>('bench-rows', 'select count(*)::integer as rows from dhcpg.lease4');
        results.leaseTable.push({ bound, rows: rows!.rows, ...await loadDhcpg(1, url, db, tablePlan) });
      }
      // Each count of Kea servers right after the same count of front-ends.
      const returning = population(tableSizes.at(-1)!);
      const returningPlan: ReturningPlan = {
        // Steps of 1,000 where Kea tops out, then wider where dhcpg does.
        renewalRates: quick ? [2000] : [600, 1200, 2000, 3000, 4000, 6000, 8000, 12_000, 16_000, 20_000, 24_000, 32_000],
        renewalSeconds: quick ? 2 : 5,
        stormClients: quick ? 10_000 : 100_000,
        stormSeconds: quick ? 2 : 10,
        stormLimitSeconds: quick ? 5 : 60,
      };
      for (const count of quick ? [1] : [1, 2]) {
        results.returning.push({
          servers: count,
          dhcpg: await returningDhcpg(count, url, returning, returningPlan),
          kea: kea.ok ? await returningKea(count, bench.adminUrl, keaDir, returning, populationSubnet, returningPlan) : { skipped: kea.reason },
        });
      }
      // DHCPv6 the same.
      await resetLeases6(db);
      const [server] = await db.query<{ duid: Buffer }>('bench-duid', 'select duid from dhcpg.server');
      const returning6: Population = { family: 6, subnetId: 1, firstAddress: POPULATION6_FIRST, size: returning.size, relay: RELAY6, serverDuid: server!.duid };
      progress(`lease table: ${returning6.size} DHCPv6 leases bound`);
      await bindPopulation(db, returning6);
      await db.query('bench-vacuum-table6', 'vacuum analyze dhcpg.lease6');
      const keaReturning6 = !options.kea ? { ok: false as const, reason: 'left out (--no-kea)' } : await keaAvailable(6);
      for (const count of quick ? [1] : [1, 2]) {
        results.returning6.push({
          servers: count,
          dhcpg: await returningDhcpg(count, url, returning6, returningPlan),
          kea: keaReturning6.ok ? await returningKea(count, bench.adminUrl, keaDir, returning6, SUBNET6, returningPlan) : { skipped: keaReturning6.reason },
        });
      }
    } finally {
      buffer4.restore();
    }

    // 5. Allocation cost against pool size and utilisation, DHCPv4 then DHCPv6.
    const sizes = quick ? [1_000, 65_536] : [1_000, 65_536, 1_048_574];
    const flatUrl = await bench.create('dhcpg_bench_flat');
    results.flatCost = await measureFlatCost(flatUrl, sizes, quick ? [0, 0.9] : [0, 0.5, 0.9, 0.99], quick ? 150 : 2000, progress);
    results.flatCost6 = await measureFlatCost6(await bench.create('dhcpg_bench_flat6'), [0, 0.5, 0.9], quick ? 50 : 1000, progress);
    if (!quick) {
      const flatDb = connect(flatUrl, { max: 1 });
      started = performance.now();
      await applyConfig4(flatDb, readDhcp4({ subnet4: [] }).config);
      await applyConfig4(flatDb, readDhcp4({ subnet4: [{ id: 1, subnet: '198.16.0.0/12', pools: [{ pool: '198.16.0.0/12' }] }] }).config);
      results.applySeconds.push({ addresses: 1_048_574, seconds: (performance.now() - started) / 1000 });
      await flatDb.end();
    }

    // 6. Database bytes per bound lease: a pool bound full, vacuumed.
    progress('footprint: bytes per bound lease');
    await applyConfig4(db, readDhcp4({ subnet4: [{ id: 1, subnet: '198.18.0.0/16', relay: { 'ip-addresses': [RELAY] }, pools: [{ pool: '198.18.0.0/16' }] }] }).config);
    await db.query('bench-bind-all', `update dhcpg.lease4 set state = 'bound', client_key = '\\x02'::bytea || decode(md5(address::text), 'hex'),
      hw_type = 1, hw_address = substring(decode(md5(address::text), 'hex') for 6), expires_at = now() + interval '1 hour'`);
    await db.query('bench-vacuum-full', 'vacuum full analyze dhcpg.lease4');
    const [size] = await db.query<{ table_bytes: number; index_bytes: number; leases: number }>('bench-size',
      `select pg_table_size('dhcpg.lease4') as table_bytes, pg_indexes_size('dhcpg.lease4') as index_bytes,
              (select count(*) from dhcpg.lease4) as leases`);
    results.bytesPerLease = { tableBytes: size!.table_bytes, indexBytes: size!.index_bytes, leases: size!.leases,
      bytesPerLease: Math.round((size!.table_bytes + size!.index_bytes) / size!.leases) };
    await db.end();

    mkdirSync(options.out, { recursive: true });
    writeFileSync(join(options.out, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
    writeFileSync(join(options.out, 'latest.md'), markdownReport(results));
    writeFileSync(join(options.out, 'latest.svg'), svgChart(results));
    writeFileSync(join(options.out, 'latest-dhcp6.svg'), svgChart6(results));
    process.stdout.write(markdownReport(results));
    progress(`written to ${options.out}/latest.{json,md,svg} and latest-dhcp6.svg`);
    return results;
  } finally {
    forgetRelease();
    await release();
  }
};
