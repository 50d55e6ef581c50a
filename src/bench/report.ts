// The benchmark's outputs: JSON (everything), a markdown table (for the
// README) and SVG charts of DORA/s and DHCPv6 SARR/s against server count.
import { cpuText } from './cpu.ts';
import { CLIENTS_PER_CONNECTION, type ClaimResult } from './engine-claims.ts';
import type { FlatCostPoint } from './flat-cost.ts';
import { MOST_BOUND, type FlatCostPoint6 } from './flat-cost6.ts';
import type { IterativeResult } from './iterative.ts';
import type { LatencyResult } from './dora-client.ts';
import type { LoadResult } from './load.ts';
import type { RenewalResult, StormResult } from './returning-clients.ts';

type DhcpgRun = LoadResult & { latency?: LatencyResult; frontendRssKiB?: number[] };
type ReturningRun = { renewals: RenewalResult; storm: StormResult };

export interface BenchResults {
  startedAt: string;
  command: string;
  machine: { cpus: number; memoryGiB: number; node: string; postgres: string };
  quick: boolean;
  engineClaims: ClaimResult[];
  iterative: IterativeResult[];
  dhcpg: DhcpgRun[];
  kea: (LoadResult & { rssKiB?: number[] })[] | { skipped: string };
  /** DHCPv6 SARR through perfdhcp -6 -A 1, per lease type: IA_NA alone, IA_NA with IA_PD. */
  dhcp6: { leaseType: 'address-only' | 'prefix-only' | 'address-and-prefix'; dhcpg: (LoadResult & { latency?: LatencyResult })[]; kea: LoadResult[] | { skipped: string } }[];
  /** The default receive buffer of the sockets perfdhcp opened (see receive-buffer.ts). */
  loadGeneratorReceiveBuffer: { bytes: number; unchanged?: string };
  flatCost: FlatCostPoint[];
  flatCost6: FlatCostPoint6[];
  /** One front-end's DORA/s with `bound` leases of other clients bound beside its pool; `rows` in lease4. */
  leaseTable: (DhcpgRun & { bound: number; rows: number })[];
  /** Those clients' renewals, then their reboot storm, per count of servers: dhcpg front-ends, then Kea servers. */
  returning: { servers: number; dhcpg: ReturningRun; kea: ReturningRun | { skipped: string } }[];
  /** The same for DHCPv6 clients (RENEW, then REBIND), as many. */
  returning6: BenchResults['returning'];
  bytesPerLease: { tableBytes: number; indexBytes: number; leases: number; bytesPerLease: number };
  applySeconds: { addresses: number; seconds: number }[];
}

const leaseTypeName = (type: BenchResults['dhcp6'][number]['leaseType']) =>
  ({ 'address-only': 'IA_NA', 'prefix-only': 'IA_PD', 'address-and-prefix': 'IA_NA + IA_PD' })[type];

/** The step that set a run's figure. */
const figureStep = (res: LoadResult) => res.steps.find((step) => step.dropRatio < 0.01 && step.achieved === res.maxRate);

/** CPU per exchange at a run's figure (see cpuText). */
const cpuSplit = (res: LoadResult): string => {
  const best = figureStep(res);
  return best?.cpu ? cpuText(best.cpu) : '–';
};

/** The share lost at the first rate: the worse of its (at most two) attempts. */
const lostAtFirst = (res: LoadResult) => {
  const first = res.steps.filter((step) => step.rate === res.steps[0]?.rate);
  return first.length ? `${(Math.max(...first.map((step) => step.dropRatio)) * 100).toFixed(1)}% of ${first[0]!.rate}/s` : '–';
};

const n = (value: number | undefined, digits = 0) => (value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits));
const latencyCell = (latency: LatencyResult | undefined) => (latency ? `${n(latency.p50Ms, 1)} / ${n(latency.p99Ms, 1)} ms` : '–');

const bufferSize = (r: BenchResults): string => {
  const { bytes, unchanged } = r.loadGeneratorReceiveBuffer;
  const size = bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${Math.round(bytes / 1024)} KiB`;
  return unchanged ? `${size}, the kernel's default (${unchanged})` : size;
};

export const markdownReport = (r: BenchResults): string => {
  const lines: string[] = [];
  const keaRuns = Array.isArray(r.kea) ? r.kea : [];
  lines.push(`Measured ${r.startedAt} on ${r.machine.cpus} cores, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}, PostgreSQL ${r.machine.postgres}; \`${r.command}\`.`, '');
  lines.push(`**DORA exchanges per second** through the real UDP path (perfdhcp relaying over loopback at the lowest CPU priority, single-threaded, one instance per server, its socket's receive buffer ${bufferSize(r)}, rate raised step by step): the highest rate with under 1% of exchanges lost; and the share lost at the first rate, the worse of its attempts (for several Kea servers sharing a pool these are NAKs):`, '');
  lines.push('| servers | dhcpg DORA/s | dhcpg lost at first step | dhcpg p50 / p99 at half rate | Kea 2.2 DORA/s | Kea lost at first step |', '| --- | --- | --- | --- | --- | --- |');
  for (const run of r.dhcpg) {
    const kea = keaRuns.find((k) => k.servers === run.servers);
    lines.push(`| ${run.servers} | ${run.maxRate} | ${lostAtFirst(run)} | ${latencyCell(run.latency)} | ${kea ? kea.maxRate : 'not run'} | ${kea ? lostAtFirst(kea) : '–'} |`);
  }
  if (!Array.isArray(r.kea)) lines.push('', `Kea: ${r.kea.skipped}`);
  // The step that ended each run (its last attempt), and where its datagrams were dropped.
  const pastMax = (name: string, res: LoadResult) => {
    const last = res.steps.at(-1);
    if (!last || last.dropRatio < 0.01) return [];
    return [`${name} ×${res.servers} at ${last.rate}/s: ${(last.dropRatio * 100).toFixed(1)}% lost, ${last.droppedAtServers} / ${last.droppedElsewhere}`];
  };
  const ends = [...r.dhcpg.flatMap((run) => pastMax('dhcpg', run)), ...keaRuns.flatMap((run) => pastMax('Kea', run))];
  if (ends.length) {
    lines.push('', `**Where the rate that ended each run lost its exchanges** (exchanges lost, then datagrams the kernel dropped for want of receive-buffer room at the servers' sockets / elsewhere, i.e. answers perfdhcp did not read in time; the rest were read by the server but not answered in time, or NAKed): ${ends.join('; ')}.`);
  }
  // The step that set each run's figure, and where its CPU went.
  const cpuAtMax = (name: string, res: LoadResult) => {
    const best = figureStep(res);
    if (!best?.cpu) return [];
    return [`${name} ×${res.servers} at ${best.achieved}/s: ${cpuText(best.cpu)}, ${best.cpu.busyCores.toFixed(2)} cores; servers and database ${best.cpu.serversUs + best.cpu.postgresUs} µs`];
  };
  const cpu = [...r.dhcpg.flatMap((run) => cpuAtMax('dhcpg', run)), ...keaRuns.flatMap((run) => cpuAtMax('Kea', run))];
  if (cpu.length) {
    lines.push('', `**Where the CPU went** at each run's figure (CPU time per DORA while the load was sent: the servers / PostgreSQL / perfdhcp / the rest, i.e. kernel work charged to no process and the bench, and in brackets how much of all of it was the kernel's, mostly the UDP path over loopback; then the machine's busy time, of ${r.machine.cpus} cores; and what the servers and their database spent per DORA, all a deployment with its clients elsewhere would pay): ${cpu.join('; ')}.`);
  }
  if (r.dhcp6.length) {
    lines.push('', '**DHCPv6 SARR exchanges per second** (perfdhcp -6 -A 1 relaying over loopback from ::1, as above; each kea-dhcp6 and its perfdhcp in a network namespace of their own, since Kea answers every relay at port 547): the highest rate with under 1% lost, the share lost at the first rate, dhcpg\'s latency at half that rate (the bench\'s own client), and the CPU per exchange at that figure (servers / PostgreSQL / perfdhcp / the rest, with the kernel\'s share, as above):', '');
    lines.push('| asks for | servers | dhcpg SARR/s | dhcpg lost at first step | dhcpg p50 / p99 at half rate | dhcpg CPU µs | Kea 2.2 SARR/s | Kea lost at first step | Kea CPU µs |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const run of r.dhcp6) {
      const keaRuns6 = Array.isArray(run.kea) ? run.kea : [];
      for (const d of run.dhcpg) {
        const k = keaRuns6.find((x) => x.servers === d.servers);
        lines.push(`| ${leaseTypeName(run.leaseType)} | ${d.servers} | ${d.maxRate} | ${lostAtFirst(d)} | ${latencyCell(d.latency)} | ${cpuSplit(d)} | ${k ? k.maxRate : 'not run'} | ${k ? lostAtFirst(k) : '–'} | ${k ? cpuSplit(k) : '–'} |`);
      }
      if (!Array.isArray(run.kea)) lines.push('', `Kea -6: ${run.kea.skipped}`);
    }
  }
  lines.push('', `**Lease engine alone** (DISCOVER + REQUEST, new clients, durable commits; dhcpg with ${CLIENTS_PER_CONNECTION} clients in flight per connection, their messages batched, ACKs after a group WAL flush as in a front-end) and the **iterative check-then-insert allocator** (one caller per connection: it cannot batch) on the same database:`, '');
  lines.push('| connections | dhcpg leases/s | dhcpg retries per 1000 | iterative leases/s | iterative retries per 1000 |', '| --- | --- | --- | --- | --- |');
  for (const claim of r.engineClaims) {
    const iter = r.iterative.find((i) => i.connections === claim.connections);
    lines.push(`| ${claim.connections} | ${n(claim.leasesPerSecond)} | 0 | ${n(iter?.leasesPerSecond)} | ${n(iter?.retriesPer1000, 1)} |`);
  }
  if (r.leaseTable.length) {
    lines.push('', `**The lease table's size** (one front-end, perfdhcp as above, its new clients in a pool of their own beside the leases of other clients bound in another subnet): the highest DORA/s with under 1% lost, and the change from no other lease:`, '');
    lines.push('| bound leases | lease4 rows | DORA/s | change | p50 / p99 at half rate |', '| --- | --- | --- | --- | --- |');
    const base = r.leaseTable[0]!.maxRate;
    for (const run of r.leaseTable) {
      const change = base > 0 ? `${run.maxRate >= base ? '+' : ''}${(((run.maxRate - base) / base) * 100).toFixed(0)}%` : '–';
      lines.push(`| ${run.bound.toLocaleString('en')} | ${run.rows.toLocaleString('en')} | ${run.maxRate} | ${change} | ${latencyCell(run.latency)} |`);
    }
  }
  const population = r.leaseTable.at(-1)?.bound ?? 0;
  const returningTable = (title: string, requests: string, runs: BenchResults['returning']) => {
    if (!runs.length) return;
    const { clients, spreadSeconds, limitSeconds } = runs[0]!.dhcpg.storm;
    lines.push('', `**${title}** (the bench's own client, relaying over loopback for ${population.toLocaleString('en')} clients whose leases are bound${runs.some((run) => 'renewals' in run.kea) ? ', in dhcpg and in Kea\'s lease database alike' : ''}): ${requests}; the highest renewal rate with under 1% unanswered or refused (rate raised step by step, no retransmission), and the **reboot storm**, ${clients.toLocaleString('en')} of them back at once, the first requests within ${spreadSeconds} s, each client retransmitting until answered, for ${limitSeconds} s at most:`, '');
    lines.push('| servers | | renewals/s | p50 / p99 there | CPU µs per renewal: servers / PostgreSQL / the bench\'s client / rest | storm: all answered after | answered within 15 s | refused | retransmissions | dropped at the servers\' sockets |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    const row = (servers: number, name: string, { renewals, storm }: ReturningRun) => {
      const best = renewals.steps.find((step) => step.lostRatio < 0.01 && step.achieved === renewals.maxRate);
      const cpu = best?.cpu ? cpuText(best.cpu) : '–';
      const all = storm.allAnsweredMs !== undefined ? `${(storm.allAnsweredMs / 1000).toFixed(1)} s` : `not all: ${storm.answered.toLocaleString('en')} answered`;
      return `| ${servers} | ${name} | ${renewals.maxRate} | ${best ? `${n(best.p50Ms, 1)} / ${n(best.p99Ms, 1)} ms` : '–'} | ${cpu} | ${all} | ${storm.answeredWithin15s.toLocaleString('en')} | ${storm.naks + storm.wrongAddresses} | ${storm.retransmissions.toLocaleString('en')} | ${storm.droppedAtServers.toLocaleString('en')} |`;
    };
    for (const run of runs) {
      lines.push(row(run.servers, 'dhcpg', run.dhcpg));
      if ('renewals' in run.kea) lines.push(row(run.servers, 'Kea 2.2', run.kea));
    }
    const skipped = runs.find((run) => 'skipped' in run.kea)?.kea;
    if (skipped && 'skipped' in skipped) lines.push('', `Kea: ${skipped.skipped}.`);
  };
  returningTable('Returning DHCPv4 clients', 'renewals are REQUESTs with ciaddr; in the storm they send REQUEST in INIT-REBOOT and retransmit after 4, 8 and 16 s (±1 s)', r.returning);
  returningTable('Returning DHCPv6 clients', 'renewals are RENEWs; in the storm they send REBIND and retransmit after 10, 20 and 40 s (±10%)', r.returning6);
  lines.push('', '**Allocation cost** (one DISCOVER, median / p99 µs, one connection):', '');
  const sizes = [...new Set(r.flatCost.map((p) => p.poolSize))];
  const uses = [...new Set(r.flatCost.map((p) => p.utilisation))];
  lines.push(`| pool size | ${uses.map((u) => `${u * 100}% used`).join(' | ')} |`, `| --- |${uses.map(() => ' --- |').join('')}`);
  for (const size of sizes) {
    lines.push(`| ${size.toLocaleString('en')} | ${uses.map((u) => {
      const p = r.flatCost.find((x) => x.poolSize === size && x.utilisation === u);
      return p ? `${p.p50Us} / ${p.p99Us}` : '–';
    }).join(' | ')} |`);
  }
  if (r.flatCost6.length) {
    lines.push('', `**DHCPv6 allocation cost** (one SOLICIT for one IA, median / p99 µs, one connection; a pool whose share cannot be bound here is measured with ${MOST_BOUND.toLocaleString('en')} leases bound instead; in brackets the median relative to that of a SOLICIT into a fresh /64 timed after each sample, which this machine's drift moves alike):`, '');
    const uses6 = [...new Set(r.flatCost6.filter((p) => p.utilisation !== undefined).map((p) => p.utilisation!))];
    lines.push(`| pool | leases | ${uses6.map((u) => `${u * 100}% used`).join(' | ')} | ${MOST_BOUND.toLocaleString('en')} bound |`, `| --- | --- |${uses6.map(() => ' --- |').join('')} --- |`);
    for (const pool of [...new Set(r.flatCost6.map((p) => `${p.kind}/${p.poolLength}`))]) {
      const points = r.flatCost6.filter((p) => `${p.kind}/${p.poolLength}` === pool);
      const cell = (p: FlatCostPoint6 | undefined) => (p ? `${p.p50Us} / ${p.p99Us} (${(p.p50Us / p.referenceP50Us).toFixed(2)})` : '–');
      const { kind, poolLength, delegatedLength, poolSize } = points[0]!;
      const name = kind === 'na' ? `addresses /${poolLength}` : `prefixes /${delegatedLength} of a /${poolLength}`;
      const leases = poolSize.length > 9 ? `2^${Math.round(Math.log2(Number(poolSize)))}` : Number(poolSize).toLocaleString('en');
      lines.push(`| ${name} | ${leases} | ${uses6.map((u) => cell(points.find((p) => p.utilisation === u))).join(' | ')} | ${cell(points.find((p) => p.utilisation === undefined))} |`);
    }
  }
  const rss = r.dhcpg.flatMap((d) => d.frontendRssKiB ?? []);
  lines.push('', `**Footprint**: front-end resident memory at full load ${rss.length ? `${Math.round(Math.min(...rss) / 1024)}–${Math.round(Math.max(...rss) / 1024)} MiB` : '–'}; ` +
    `database ${r.bytesPerLease.bytesPerLease} bytes per bound lease (lease4 table ${r.bytesPerLease.tableBytes} + indexes ${r.bytesPerLease.indexBytes} bytes for ${r.bytesPerLease.leases} leases).`);
  lines.push('', `**Configuration apply**: ${r.applySeconds.map((a) => `${a.addresses.toLocaleString('en')} addresses in ${a.seconds.toFixed(1)} s`).join('; ')}.`);
  return lines.join('\n') + '\n';
};

interface ChartGroup { servers: number; dhcpg: number; kea?: number }

/** Exchanges per second against server count, dhcpg and Kea side by side. */
const barChart = (title: string, groups: ChartGroup[]): string => {
  const max = Math.max(1, ...groups.map((g) => Math.max(g.dhcpg, g.kea ?? 0)));
  const width = 520, height = 300, left = 60, bottom = 40, top = 30;
  const plotH = height - bottom - top;
  const group = (width - left - 20) / Math.max(1, groups.length);
  const bar = group / 3;
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const bars = groups.map(({ servers, dhcpg: d, kea: k }, i) => {
    const x = left + i * group + bar / 2;
    return [
      `<rect x="${x}" y="${y(d)}" width="${bar}" height="${top + plotH - y(d)}" fill="#2b6cb0"/>`,
      `<text x="${x + bar / 2}" y="${y(d) - 4}" font-size="11" text-anchor="middle">${d}</text>`,
      k === undefined ? '' : `<rect x="${x + bar}" y="${y(k)}" width="${bar}" height="${top + plotH - y(k)}" fill="#c05621"/>`,
      k === undefined ? '' : `<text x="${x + 1.5 * bar}" y="${y(k) - 4}" font-size="11" text-anchor="middle">${k}</text>`,
      `<text x="${x + bar}" y="${height - bottom + 16}" font-size="12" text-anchor="middle">${servers} server${servers > 1 ? 's' : ''}</text>`,
    ].join('');
  }).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<text x="${left}" y="18" font-size="14">${title}</text>
<line x1="${left}" y1="${top + plotH}" x2="${width - 10}" y2="${top + plotH}" stroke="#333"/>
<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#333"/>
<text x="${left - 6}" y="${top + 4}" font-size="11" text-anchor="end">${max}</text>
<text x="${left - 6}" y="${top + plotH}" font-size="11" text-anchor="end">0</text>
${bars}
<rect x="${width - 150}" y="${top}" width="10" height="10" fill="#2b6cb0"/><text x="${width - 135}" y="${top + 9}" font-size="11">dhcpg</text>
<rect x="${width - 150}" y="${top + 16}" width="10" height="10" fill="#c05621"/><text x="${width - 135}" y="${top + 25}" font-size="11">Kea 2.2 (PostgreSQL)</text>
</svg>
`;
};

/** DORA/s against front-end count, dhcpg and Kea side by side. */
export const svgChart = (r: BenchResults): string => {
  const keaRuns = Array.isArray(r.kea) ? r.kea : [];
  return barChart('DORA exchanges per second (&lt; 1% drops), one PostgreSQL',
    r.dhcpg.map((d) => ({ servers: d.servers, dhcpg: d.maxRate, kea: keaRuns.find((k) => k.servers === d.servers)?.maxRate })));
};

/** DHCPv6 SARR/s against server count, of the run that asks for the most (IA_NA + IA_PD when measured). */
export const svgChart6 = (r: BenchResults): string => {
  const run = r.dhcp6.at(-1);
  if (!run) return barChart('DHCPv6: not measured', []);
  const keaRuns = Array.isArray(run.kea) ? run.kea : [];
  return barChart(`DHCPv6 SARR per second, ${leaseTypeName(run.leaseType)} (&lt; 1% drops), one PostgreSQL`,
    run.dhcpg.map((d) => ({ servers: d.servers, dhcpg: d.maxRate, kea: keaRuns.find((k) => k.servers === d.servers)?.maxRate })));
};
