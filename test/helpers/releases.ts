// Earlier releases of dhcpg, run from their own sources, for the tests that
// upgrade a database or serve beside them. A release is its commit on main
// (0.1.0 was never tagged); its sources come out of git as they were.
import type { Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RELEASES = {
  /** Migrations that installed sql/ as it was at each release; front-end contract 2. */
  '0.1.0': '6c4fb332547cc6f9043b5dd10c84f07449c4aaaa',
} as const;

const REPOSITORY = fileURLToPath(new URL('../..', import.meta.url));

export interface ReleaseCheckout {
  /** Its bin/dhcpg.js, to run with node. */
  cli: string;
}

/** The release's sources in a scratch directory (removed at teardown), using this checkout's node_modules. */
export const checkoutRelease = (t: Test, release: keyof typeof RELEASES): ReleaseCheckout => {
  const dir = mkdtempSync(join(tmpdir(), `dhcpg-${release}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  try {
    const archive = execFileSync('git', ['-C', REPOSITORY, 'archive', RELEASES[release]], { maxBuffer: 64 * 2 ** 20 });
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
  } catch (error) {
    throw new Error(`dhcpg ${release} (commit ${RELEASES[release]}) is not in this checkout's git history: ${(error as Error).message}`);
  }
  // The release's dependencies are this checkout's (none was removed since).
  symlinkSync(join(REPOSITORY, 'node_modules'), join(dir, 'node_modules'));
  return { cli: join(dir, 'bin', 'dhcpg.js') };
};
