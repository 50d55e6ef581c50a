// The schema's lifecycle, in one module: the numbered migrations of
// migrations/ (node-pg-migrate; a released one never changes), the functions,
// types and views of sql/, installed afresh after them by every "migrate up",
// and the contract that lets front-ends of two releases serve side by side.
//
// The front-end contract is the interface a front-end relies on: the
// functions it calls, their arguments and results, and the types they pass.
// The schema records the range of contracts its functions serve; a front-end
// serves only while its own contract is in that range, and "migrate up"
// refuses a release whose range would leave out a front-end that is alive.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PG_MIGRATE_LOCK_ID, runner } from 'node-pg-migrate';
import pg from 'pg';
import type { Db } from './pool.ts';

/**
 * The contract this release's front-ends speak. A release that changes the
 * interface incompatibly raises it and OLDEST_SERVED_CONTRACT with it; one
 * that only adds (a function, a column with a default) raises CONTRACT alone
 * if its front-ends use the addition, so older front-ends go on serving.
 *   2: dhcpg 0.1.0 (handle4, frontend_config, schema_version)
 *   3: dhcpg 0.2.0 (front-ends register themselves)
 *   4: dhcpg 0.3.0 (handle6; frontend_config carries the DHCPv6 subnets and the DUID)
 */
export const CONTRACT = 4;

/** The oldest contract this release's functions still serve. */
export const OLDEST_SERVED_CONTRACT = 2;

/** A range of front-end contracts, both ends included. */
export interface Contracts {
  oldest: number;
  newest: number;
}

export const SERVED: Contracts = { oldest: OLDEST_SERVED_CONTRACT, newest: CONTRACT };

/** This dhcpg's release, as package.json says. */
export const RELEASE: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));
const SQL_DIR = new URL('../../sql/', import.meta.url);
const MIGRATIONS_TABLE = 'dhcpg_migrations';

/**
 * sql/'s files in the order they are installed: SQL functions are checked
 * when created, so types come before the functions that take them and
 * functions before the SQL functions that call them; views last.
 */
export const SQL_FILES = [
  'hw_text.sql',
  'reply4.sql',
  'message4.sql',
  'client_key4.sql',
  'select_subnet4.sql',
  'frontend_config.sql',
  'find_reservation4.sql',
  'read_messages4.sql',
  'offer4.sql',
  'verify_requests4.sql',
  'release_decline4.sql',
  'write_grants4.sql',
  'handle4.sql',
  'pool6.sql',
  'lease6_expiry.sql',
  'select_subnet6.sql',
  'claim6.sql',
  'ia6.sql',
  'reuse6.sql',
  'handle6.sql',
  'contract.sql',
  'views.sql',
];

export class SchemaMismatch extends Error {}

/** "migrate" refused to go on: the message says why and what to do. */
export class MigrateRefused extends Error {}

/** A front-end as it registered itself (view dhcpg.frontends). */
export interface RegisteredFrontend {
  host: string;
  pid: number;
  release: string;
  contract: number;
  served: boolean;
  alive: boolean;
  started_at: Date;
  last_seen: Date;
}

export interface MigrateOptions {
  /** Go on even though front-ends alive would be left unserved. */
  force?: boolean;
  log?: (message: string) => void;
  /** The contracts the installed functions are recorded to serve (tests simulate other releases). */
  serves?: Contracts;
}

export interface MigrateReport {
  /** Migrations applied (up) or reverted (down), in order. */
  migrations: string[];
  /** up: what the database now serves. */
  installed?: { release: string; serves: Contracts };
  /** Front-ends alive that the step leaves unserved (only with force). */
  forcedPast: RegisteredFrontend[];
}

/**
 * Applies every pending migration and installs sql/ (up), or removes sql/'s
 * objects and reverts the newest migration (down). One caller at a time: others wait for the lock
 * (several embedded front-ends may start at once and each migrate).
 */
export const migrate = async (
  url: string | undefined,
  direction: 'up' | 'down',
  { force = false, log = () => {}, serves = SERVED }: MigrateOptions = {},
): Promise<MigrateReport> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [String(PG_MIGRATE_LOCK_ID)]);
    await refuseUnknownMigrations(client);
    const frontends = await registeredFrontends(client);
    // Down takes away what this release's front-ends rely on; up leaves out
    // those whose contract the new functions do not serve.
    const broken = frontends.filter((f) => f.alive && (direction === 'down' || f.contract < serves.oldest || f.contract > serves.newest));
    if (broken.length > 0 && !force) {
      throw new MigrateRefused(
        `refused: ${direction === 'up' ? `this release serves front-end contracts ${formatContracts(serves)}, and` : 'reverting a migration breaks'} ` +
          `these front-ends are alive:\n${broken.map(describeFrontend).join('\n')}\n` +
          `stop or ${direction === 'up' ? 'upgrade' : 'move'} them first, or run again with --force`,
      );
    }
    if (direction === 'down') {
      // This release's functions need every migration it has: they go
      // first, and the release gone back to installs its own with its
      // "migrate up".
      for (const drop of DROP_INSTALLED) await client.query(drop);
      return { migrations: await runMigrations(client, direction, log), forcedPast: broken };
    }
    const migrations = await runMigrations(client, direction, log);
    await installSql(client, serves);
    return { migrations, installed: { release: RELEASE, serves }, forcedPast: broken };
  } finally {
    await client.end();
  }
};

const runMigrations = async (client: pg.Client, direction: 'up' | 'down', log: (message: string) => void): Promise<string[]> => {
  try {
    const ran = await runner({
      dbClient: client,
      // migrate() holds node-pg-migrate's lock already, for the install too.
      noLock: true,
      dir: MIGRATIONS_DIR,
      migrationsTable: MIGRATIONS_TABLE,
      direction,
      count: direction === 'down' ? 1 : Infinity,
      singleTransaction: true,
      checkOrder: true,
      log,
      logger: { debug: () => {}, info: log, warn: log, error: log },
    });
    return ran.map((m) => m.name);
  } catch (error) {
    // node-pg-migrate's words for a migration that exports `down = false`.
    const irreversible = /disabled down migration on file: (\S+)/.exec(error instanceof Error ? error.message : '');
    if (irreversible) throw new MigrateRefused(`migration ${irreversible[1]} cannot be undone; nothing was changed`);
    throw error;
  }
};

/** The migrations applied to the database, oldest first ([] before the first). */
const appliedMigrations = async (client: pg.Client): Promise<string[]> => {
  const exists = await client.query<{ exists: boolean }>(`select to_regclass($1) is not null as exists`, [`public.${MIGRATIONS_TABLE}`]);
  if (!exists.rows[0]!.exists) return [];
  return (await client.query<{ name: string }>(`select name from public.${MIGRATIONS_TABLE} order by run_on, id`)).rows.map((r) => r.name);
};

/** The migrations this release holds, in order. */
export const knownMigrations = (): string[] =>
  readdirSync(MIGRATIONS_DIR).filter((f) => /^\d+_.*\.js$/.test(f)).map((f) => f.replace(/\.js$/, '')).sort();

/** A database migrated by a later release would get this release's older functions installed over its own. */
const refuseUnknownMigrations = async (client: pg.Client) => {
  const known = new Set(knownMigrations());
  const unknown = (await appliedMigrations(client)).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new MigrateRefused(
      `refused: the database was migrated by a later dhcpg (it has ${unknown.join(', ')}, which dhcpg ${RELEASE} does not know); ` +
        'run that release\'s "dhcpg migrate"',
    );
  }
};

const FRONTENDS_QUERY = `
  select host, pid, release, contract, served, alive, started_at, last_seen
  from dhcpg.frontends order by alive desc, host, pid`;

/** The registered front-ends; none on a database with no registry (before dhcpg 0.2.0). */
const registeredFrontends = async (client: pg.Client): Promise<RegisteredFrontend[]> => {
  const exists = await client.query<{ exists: boolean }>(`select to_regclass('dhcpg.frontends') is not null as exists`);
  return exists.rows[0]!.exists ? (await client.query<RegisteredFrontend>(FRONTENDS_QUERY)).rows : [];
};

/** "2-3", or "3" for a range of one. */
export const formatContracts = ({ oldest, newest }: Contracts): string => (oldest === newest ? `${oldest}` : `${oldest}-${newest}`);

export const describeFrontend = (f: RegisteredFrontend): string =>
  `  ${f.host} pid ${f.pid}: dhcpg ${f.release}, contract ${f.contract}, last seen ${Math.round((Date.now() - f.last_seen.getTime()) / 1000)} s ago`;

/** Drops every object of schema dhcpg of one kind that `where` picks, newest first, so dependants go before what they depend on. */
const dropObjects = (kind: 'view' | 'routine' | 'type', where: string) => {
  const [catalog, name, namespace] = {
    view: ['pg_class c', 'c.oid::regclass', "c.relnamespace = 'dhcpg'::regnamespace and c.relkind = 'v'"],
    routine: ['pg_proc c', 'c.oid::regprocedure', "c.pronamespace = 'dhcpg'::regnamespace"],
    type: ['pg_type c join pg_class r on r.oid = c.typrelid', 'c.oid::regtype', "c.typnamespace = 'dhcpg'::regnamespace and r.relkind = 'c'"],
  }[kind];
  return `
    do $$
    declare
      object text;
    begin
      for object in select ${name}::text from ${catalog} where ${namespace} and ${where} order by c.oid desc loop
        execute 'drop ${kind} ' || object${kind === 'type' ? " || ' cascade'" : ''};
      end loop;
    end
    $$`;
};

/** Everything sql/ installs, for "migrate down" (functions first: types they take cannot go before them). */
const DROP_INSTALLED = [dropObjects('view', 'true'), dropObjects('routine', 'true'), dropObjects('type', 'true')];

/**
 * Functions and views sql/ did not create or replace in this transaction
 * (their catalog rows are older): what a release removed, or an overload
 * whose arguments changed. Without CASCADE, an object of the operator's
 * that depends on one stops the install rather than vanishing with it.
 */
const DROP_LEFT_OVER = [
  dropObjects('view', 'c.xmin <> pg_current_xact_id()::xid'),
  dropObjects('routine', 'c.xmin <> pg_current_xact_id()::xid'),
];

/** Front-ends may call every function, nobody else may; the views' helpers are public. */
const GRANTS = `
  revoke execute on all functions in schema dhcpg from public;
  grant execute on all functions in schema dhcpg to dhcpg_frontend;
  -- The views call these for readable columns; whoever may read the views may call them.
  grant execute on function dhcpg.hw_text(bytea), dhcpg.state_text(dhcpg.lease_state, timestamptz) to public`;

const sqlText = (file: string) => readFileSync(new URL(file, SQL_DIR), 'utf8');

/** The composite types of schema `namespace`, as "name: field type, ..." lines (schema names left out of field types). */
const typeShapes = async (client: pg.Client, namespace: string): Promise<string[]> =>
  (await client.query<{ shape: string }>(`
    select t.typname || ': ' || string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' order by a.attnum) as shape
    from pg_type t join pg_class c on c.oid = t.typrelid and c.relkind = 'c'
    join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    where t.typnamespace = (case when $1 = 'pg_temp' then pg_my_temp_schema() else to_regnamespace($1) end) group by t.typname order by t.typname`, [namespace]))
    .rows.map(({ shape }) => shape.replace(/\b(?:dhcpg|pg_temp_\d+)\./g, ''));

/**
 * Composite types have no CREATE OR REPLACE, and dropping one under a
 * running front-end fails its call in flight ("cache lookup failed for
 * type"): sql/ creates each type only where missing, and the types are
 * dropped here, all of them, only when an installed one is declared
 * otherwise by sql/, or no longer (built in pg_temp to compare). A type
 * sql/ adds is only created: dropping every type for it made a running
 * front-end's call fail during a rolling upgrade. Functions that take the
 * dropped types go with them (CASCADE) and come back with sql/.
 */
const dropChangedTypes = async (client: pg.Client) => {
  const files = SQL_FILES.map(sqlText).filter((text) => /create type dhcpg\./.test(text));
  const names = files.flatMap((text) => [...text.matchAll(/create type dhcpg\.(\w+)/g)].map((m) => m[1]!));
  const toTemp = new RegExp(`\\bdhcpg\\.(${names.join('|')})\\b`, 'g');
  for (const text of files) await client.query(text.replace(toTemp, 'pg_temp.$1'));
  const [declared, installed] = [await typeShapes(client, 'pg_temp'), await typeShapes(client, 'dhcpg')];
  await client.query(`drop type ${names.map((name) => `pg_temp.${name}`).join(', ')}`);
  const declaredShapes = new Set(declared);
  if (installed.some((shape) => !declaredShapes.has(shape))) await client.query(dropObjects('type', 'true'));
};

/**
 * Installs sql/ in one transaction: running front-ends see the old
 * functions until it commits, then the new ones. Functions change in place
 * (CREATE OR REPLACE keeps a function's identity, so a running front-end's
 * prepared statements are planned again and its calls go on); one whose
 * result type changed cannot, and the install starts again with it dropped
 * first, as PostgreSQL's hint names it. Views go and come back (front-ends
 * never read them). An operator's long query on a view would hold the
 * install up: it gives up after 10 s instead, changing nothing.
 */
const installSql = async (client: pg.Client, serves: Contracts, dropFirst: string[] = []): Promise<void> => {
  await client.query('begin');
  try {
    await client.query(`set local lock_timeout = '10s'`);
    await client.query(dropObjects('view', 'true'));
    await dropChangedTypes(client);
    for (const drop of dropFirst) await client.query(drop);
    for (const file of SQL_FILES) await client.query(sqlText(file));
    for (const drop of DROP_LEFT_OVER) await client.query(drop);
    await client.query(GRANTS);
    await client.query(`update dhcpg.server set release = $1, frontend_contracts = int4range($2, $3, '[]')`, [
      RELEASE, serves.oldest, serves.newest,
    ]);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    const drop = /^Use (DROP FUNCTION .+) first\.$/.exec((error as { hint?: string }).hint ?? '')?.[1];
    if ((error as { code?: string }).code !== '42P13' || !drop || dropFirst.includes(drop)) throw error;
    await installSql(client, serves, [...dropFirst, drop]);
  }
};

/** The reason a front-end of contract CONTRACT may not use a database serving `served`; undefined if it may. */
export const contractProblem = (served: { oldest: number | null; newest: number | null } | undefined): string | undefined => {
  if (served?.oldest == null || served.newest == null) return 'the database\'s functions are not installed: run "dhcpg migrate"';
  if (CONTRACT >= served.oldest && CONTRACT <= served.newest) return undefined;
  return `the database serves front-end contracts ${formatContracts(served as Contracts)}, dhcpg ${RELEASE} speaks contract ${CONTRACT}: ` +
    (CONTRACT > served.newest ? 'run this release\'s "dhcpg migrate"' : 'upgrade this dhcpg');
};

/** An error from calling the schema's functions, in the words of SchemaMismatch where the schema is the cause. */
export const schemaError = (error: unknown): unknown => {
  const code = (error as { code?: string }).code;
  if (code === '3F000') return new SchemaMismatch('the database has no dhcpg schema: run "dhcpg migrate" first');
  if (code === '42883') return new SchemaMismatch('the database holds the schema of an earlier dhcpg: run "dhcpg migrate"');
  return error;
};

/** Refuses to go on against a database whose functions do not serve this release's contract. */
export const checkSchema = async (db: Db): Promise<void> => {
  const [served] = await db
    .query<Contracts>('frontend-contracts', 'select * from dhcpg.frontend_contracts()')
    .catch((error: unknown) => {
      throw schemaError(error);
    });
  const problem = contractProblem(served);
  if (problem) throw new SchemaMismatch(problem);
};

export interface SchemaStatus {
  migrations: { name: string; applied: boolean }[];
  /** What the last "migrate up" installed; undefined before dhcpg 0.2.0's. */
  installed?: { release: string; serves: Contracts };
  frontends: RegisteredFrontend[];
}

/** For "dhcpg migrate status": migrations applied and pending, what is installed, and who is serving. */
export const schemaStatus = async (url: string | undefined): Promise<SchemaStatus> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const applied = new Set(await appliedMigrations(client));
    const migrations = [...new Set([...applied, ...knownMigrations()])].sort().map((name) => ({ name, applied: applied.has(name) }));
    const frontends = await registeredFrontends(client);
    // Columns of 005: a database before it has none of this.
    const installed = await client
      .query<{ release: string | null; oldest: number | null; newest: number | null }>(
        'select release, lower(frontend_contracts) as oldest, upper(frontend_contracts) - 1 as newest from dhcpg.server')
      .then(({ rows: [row] }) => (row?.release && row.oldest !== null && row.newest !== null
        ? { release: row.release, serves: { oldest: row.oldest, newest: row.newest } }
        : undefined))
      .catch(() => undefined);
    return { migrations, installed, frontends };
  } finally {
    await client.end();
  }
};
