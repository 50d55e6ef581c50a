// dhcpg migrate [up|down|status] [--force]
import { locateDatabase } from '../db/locate.ts';
import { CONTRACT, describeFrontend, formatContracts, migrate, RELEASE, schemaStatus } from '../db/schema.ts';
import { formatTable } from './table.ts';
import { writableUrl } from './database.ts';

export const migrateCommand = async (action: string, options: { force?: boolean }): Promise<void> => {
  if (!['up', 'down', 'status'].includes(action)) throw new Error(`unknown migrate action "${action}" (up, down or status)`);
  const location = await locateDatabase();
  try {
    const url = await writableUrl(location.url);
    if (action === 'status') {
      console.log(formatStatus(await schemaStatus(url)));
      return;
    }
    const report = await migrate(url, action as 'up' | 'down', { force: options.force });
    const lines = report.migrations.map((name) => `${action === 'up' ? 'applied' : 'reverted'} ${name}`);
    if (action === 'up' && report.migrations.length === 0) lines.push('no migration pending');
    if (action === 'down') lines.push('removed the functions and views of sql/: install those of the release to go back to with its "dhcpg migrate up"');
    if (report.installed) {
      lines.push(`installed the functions of dhcpg ${report.installed.release}, serving front-end contracts ${formatContracts(report.installed.serves)}`);
    }
    if (report.forcedPast.length > 0) {
      lines.push(`forced: these front-ends no longer serve:\n${report.forcedPast.map(describeFrontend).join('\n')}`);
    }
    console.log(lines.join('\n'));
  } finally {
    await location.close();
  }
};

const formatStatus = ({ migrations, installed, frontends }: Awaited<ReturnType<typeof schemaStatus>>): string => {
  const lines = migrations.map(({ name, applied }) => `${applied ? 'applied' : 'pending'}  ${name}`);
  lines.push(
    installed
      ? `installed: the functions of dhcpg ${installed.release}, serving front-end contracts ${formatContracts(installed.serves)}`
      : 'installed: no functions of dhcpg 0.2.0 or later',
    `this dhcpg: ${RELEASE}, front-end contract ${CONTRACT}`,
  );
  if (frontends.length === 0) {
    lines.push('front-ends: none registered');
  } else {
    const now = Date.now();
    lines.push('front-ends:', formatTable(
      ['host', 'pid', 'release', 'contract', 'served', 'alive', 'started', 'last seen'],
      frontends.map((f) => [
        f.host, f.pid, f.release, f.contract, f.served ? 'yes' : 'NO', f.alive ? 'yes' : 'gone',
        f.started_at.toISOString(), `${Math.round((now - f.last_seen.getTime()) / 1000)} s ago`,
      ]),
    ));
  }
  return lines.join('\n');
};
