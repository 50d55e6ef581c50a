// The schema: migrations (node-pg-migrate) and the version check every
// command makes before touching the database.
import { runner } from 'node-pg-migrate';
import { fileURLToPath } from 'node:url';
import type { Db } from './pool.ts';

/** The schema version this code was built for: dhcpg.schema_version() must say the same. */
export const SCHEMA_VERSION = 2;

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));
const MIGRATIONS_TABLE = 'dhcpg_migrations';

export class SchemaMismatch extends Error {}

export const migrate = async (
  url: string | undefined,
  direction: 'up' | 'down',
  log: (message: string) => void = () => {},
): Promise<{ name: string }[]> =>
  runMigrations(url, direction, log).catch((error: unknown) => {
    // node-pg-migrate's words for a migration that exports `down = false`.
    const irreversible = /disabled down migration on file: (\S+)/.exec(error instanceof Error ? error.message : '');
    if (irreversible) throw new Error(`migration ${irreversible[1]} cannot be undone; nothing was changed`);
    throw error;
  });

const runMigrations = (url: string | undefined, direction: 'up' | 'down', log: (message: string) => void) =>
  runner({
    databaseUrl: url ?? {},
    dir: MIGRATIONS_DIR,
    // The shared helper beside the migrations is not one of them.
    ignorePattern: '(\\..*)|(install-sql-files\\.js)',
    migrationsTable: MIGRATIONS_TABLE,
    direction,
    count: direction === 'down' ? 1 : Infinity,
    // Several front-ends may start at once and each run "migrate": the others
    // wait on node-pg-migrate's advisory lock instead of failing.
    advisoryLockMode: 'wait',
    singleTransaction: true,
    checkOrder: true,
    log,
    logger: { debug: () => {}, info: log, warn: log, error: log },
  });

/** Refuses to go on against a database whose schema this code was not built for. */
export const checkSchema = async (db: Db): Promise<void> => {
  let found: number;
  try {
    const [row] = await db.query<{ version: number }>(
      'schema-version',
      'select dhcpg.schema_version() as version',
    );
    found = row?.version ?? 0;
  } catch (error) {
    if ((error as { code?: string }).code === '3F000' || (error as { code?: string }).code === '42883') {
      throw new SchemaMismatch('the database has no dhcpg schema: run "dhcpg migrate" first');
    }
    throw error;
  }
  if (found !== SCHEMA_VERSION) {
    throw new SchemaMismatch(
      `the database holds dhcpg schema version ${found}, this dhcpg is built for version ${SCHEMA_VERSION}: ` +
        (found < SCHEMA_VERSION ? 'run "dhcpg migrate"' : 'upgrade this dhcpg'),
    );
  }
};
