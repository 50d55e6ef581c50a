// dhcpg migrate [up|down|status]
import { readdirSync } from 'node:fs';
import { locateDatabase } from '../db/locate.ts';
import { connect } from '../db/pool.ts';
import { migrate, MIGRATIONS_DIR, SCHEMA_VERSION } from '../db/schema.ts';
import { writableUrl } from './database.ts';

export const migrateCommand = async (action: string): Promise<void> => {
  if (!['up', 'down', 'status'].includes(action)) throw new Error(`unknown migrate action "${action}" (up, down or status)`);
  const location = await locateDatabase();
  try {
    if (action === 'status') {
      const db = connect(location.url, { max: 1 });
      try {
        const applied = await db
          .query<{ name: string }>('migrations', 'select name from public.dhcpg_migrations order by run_on, id')
          .then((rows) => rows.map((row) => row.name))
          .catch(() => [] as string[]);
        const all = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d+_.*\.js$/.test(f)).map((f) => f.replace(/\.js$/, '')).sort();
        for (const name of all) console.log(`${applied.includes(name) ? 'applied' : 'pending'}  ${name}`);
        console.log(`this dhcpg needs schema version ${SCHEMA_VERSION}`);
      } finally {
        await db.end();
      }
      return;
    }
    const ran = await migrate(await writableUrl(location.url), action as 'up' | 'down');
    console.log(ran.length === 0 ? 'nothing to migrate' : ran.map((m) => `${action === 'up' ? 'applied' : 'reverted'} ${m.name}`).join('\n'));
  } finally {
    await location.close();
  }
};
