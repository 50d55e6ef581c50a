// dhcpg's command line (DESIGN section 3).
import { Command } from 'commander';
import { ConfigSyntaxError } from './config/kea-file.ts';
import { ConfigInvalid } from './config/reader.ts';
import { MigrateRefused, SchemaMismatch } from './db/schema.ts';
import { applyConfigFile, describeSummary, showConfig } from './commands/config.ts';
import { openDatabase } from './commands/database.ts';
import { formatLeases, listLeases } from './commands/leases.ts';
import { migrateCommand } from './commands/migrate.ts';
import { serveCommand } from './commands/serve.ts';
import { formatStats, poolStats } from './commands/stats.ts';

/** Exit codes a script can tell apart. */
const EXIT = { failure: 1, invalidConfig: 2, schemaMismatch: 3, migrateRefused: 4 } as const;

const withDatabase = async (fn: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<void>): Promise<void> => {
  const open = await openDatabase({ max: 2 });
  try {
    await fn(open.db);
  } finally {
    await open.close();
  }
};

const program = new Command('dhcpg')
  .description('DHCP server whose leases live in PostgreSQL; run as many front-ends as you like')
  .showHelpAfterError();

program
  .command('migrate')
  .description('apply (up) or revert the newest (down) schema migration; status lists them, the contracts served and the front-ends')
  .argument('[action]', 'up, down or status', 'up')
  .option('--force', 'go on even though front-ends that are alive would be left unserved')
  .action(migrateCommand);

const config = program.command('config').description('the configuration held in the database');
config
  .command('apply')
  .description('load a Kea-format JSON file (Dhcp4 and/or Dhcp6) into the database')
  .argument('<file>')
  .option('--dry-run', 'check the file and report what would change, writing nothing')
  .option('--allow-unsupported', 'warn about keys dhcpg does not support instead of refusing the file')
  .action((file: string, options: { dryRun?: boolean; allowUnsupported?: boolean }) =>
    withDatabase(async (db) => {
      const summary = await applyConfigFile(db, file, { ...options, progress: true });
      console.log(summary ? describeSummary(summary) : 'nothing to apply');
    }));
config
  .command('show')
  .description('print the configuration held in the database, in Kea format')
  .action(() => withDatabase(async (db) => console.log(await showConfig(db))));

program
  .command('serve')
  .description('run one front-end (any number may run against one database)')
  .option('--config <file>', 'apply this Kea-format file first')
  .option('--allow-unsupported', 'with --config: warn about unsupported keys instead of refusing')
  .option('--interface <name...>', 'a directly attached LAN to serve, by interface name; repeat for several (relayed traffic needs none)')
  .option('--port <n>', 'UDP port (clients are answered on port + 1 unless it is 67)', '67')
  .option('--address <ip>', 'address to bind', '0.0.0.0')
  .option('--port6 <n>', 'DHCPv6 UDP port, served when the configuration has Dhcp6 (clients on a LAN are answered on port - 1)', '547')
  .option('--address6 <ip>', 'address to bind for DHCPv6 relays', '::')
  .option('--http <addr:port>', 'serve /metrics, /healthz and /readyz here')
  .option('--db-connections <n>', 'database connections for lease calls (default 1; one more flushes the WAL)')
  .option('--batch-wait <ms>', 'under load, how long a free lease connection waits to gather more messages (default 1; 0: never)')
  .option('--db-timeout <ms>', 'a database unanswered this long counts as lost: not ready until it answers and takes writes (default 1000; checked every half of it)')
  .action(serveCommand);

program
  .command('leases')
  .description('list leases')
  .option('--subnet <cidr>', 'only addresses in this prefix')
  .option('--state <state>', 'offered, bound, released, declined or expired')
  .option('--mac <mac>', 'only this hardware address')
  .option('--json', 'JSON lines for scripts')
  .action((options: { subnet?: string; state?: string; mac?: string; json?: boolean }) =>
    withDatabase(async (db) => {
      const rows = await listLeases(db, options);
      console.log(options.json ? rows.map((row) => JSON.stringify(row)).join('\n') : formatLeases(rows));
    }));

program
  .command('stats')
  .description('pool sizes: total, assigned, offered, declined, reserved, free')
  .option('--json', 'JSON for scripts')
  .action((options: { json?: boolean }) =>
    withDatabase(async (db) => {
      const rows = await poolStats(db);
      console.log(options.json ? JSON.stringify(rows, null, 2) : formatStats(rows));
    }));

program
  .command('bench')
  .description('the load benchmark: dhcpg against Kea 2.2 and an iterative allocator (needs perfdhcp, from kea-admin)')
  .option('--quick', 'a shorter run (under 3 minutes)')
  .option('--no-kea', 'leave Kea out even when it is installed')
  .option('--out <dir>', 'where results are written', 'bench/results')
  .action(async (options: { quick?: boolean; kea: boolean; out: string }) => {
    // Loaded only here: a front-end never needs the benchmark's modules.
    const { benchCommand } = await import('./commands/bench.ts');
    await benchCommand(options);
  });

let exitCode = 0;
try {
  await program.parseAsync();
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`dhcpg: ${message}`);
  exitCode =
    error instanceof ConfigInvalid || error instanceof ConfigSyntaxError ? EXIT.invalidConfig
    : error instanceof SchemaMismatch ? EXIT.schemaMismatch
    : error instanceof MigrateRefused ? EXIT.migrateRefused
    : EXIT.failure;
}
// Explicitly: everything is closed by now, and a library's handle left open
// must not keep a finished command running.
process.exit(exitCode);
