// dhcpg config apply FILE [--dry-run] [--allow-unsupported] | dhcpg config show
import cliProgress from 'cli-progress';
import { applyConfig, appliedConfig, type ApplySummary } from '../config/apply.ts';
import { readConfigFile } from '../config/file.ts';
import type { Db } from '../db/pool.ts';

export interface ApplyFileOptions {
  dryRun?: boolean;
  allowUnsupported?: boolean;
  /** Show a progress bar on stderr while pools are materialised. */
  progress?: boolean;
}

/** Reads, checks and applies a file; an invalid file throws before anything is written. */
export const applyConfigFile = async (db: Db, path: string, options: ApplyFileOptions = {}): Promise<ApplySummary | undefined> => {
  const file = readConfigFile(path, { allowUnsupported: options.allowUnsupported });
  for (const warning of file.warnings) console.error(`warning: ${warning}`);
  if (!file.dhcp4 && !file.dhcp6) return undefined;

  const bar = options.progress
    ? new cliProgress.SingleBar({ format: 'preparing pools [{bar}] {percentage}% {value}/{total} addresses', stream: process.stderr },
        cliProgress.Presets.shades_classic)
    : undefined;
  let started = false;
  try {
    return await applyConfig(db, { dhcp4: file.dhcp4, dhcp6: file.dhcp6 }, {
      dryRun: options.dryRun,
      onProgress: (done, total) => {
        if (!bar) return;
        if (!started) bar.start(total, 0);
        started = true;
        bar.update(done);
      },
    });
  } finally {
    if (started) bar?.stop();
  }
};

export const describeSummary = (summary: ApplySummary): string =>
  `${summary.dryRun ? 'dry run, nothing written: would apply' : `applied (serial ${summary.serial}):`} ` +
  `${summary.subnets} subnets, ${summary.pools} pools, ${summary.reservations} reservations; ` +
  `${summary.addedAddresses} addresses added, ${summary.removedAddresses} removed` +
  (summary.strandedLeases > 0 ? `; ${summary.strandedLeases} running leases are outside every pool and will not be renewed` : '') +
  (summary.dhcp6
    ? `; DHCPv6: ${summary.dhcp6.subnets} subnets, ${summary.dhcp6.pools} pools, ${summary.dhcp6.pdPools} pd-pools, ${summary.dhcp6.reservations} reservations`
    : '');

/** The configuration as last applied, Dhcp4 and Dhcp6, in Kea's format. */
export const showConfig = async (db: Db): Promise<string> => JSON.stringify(await appliedConfig(db), null, 2);
