// Opening the database for a command: locate it, connect, and check (or, on
// the embedded server, apply) the schema.
import { locateDatabase, type DatabaseLocation } from '../db/locate.ts';
import { connect, type Db, type DbOptions } from '../db/pool.ts';
import { checkSchema, migrate } from '../db/schema.ts';
import { findWritable, splitHosts } from '../db/hosts.ts';
import { log } from '../log.ts';

export interface OpenDatabase {
  db: Db;
  location: DatabaseLocation;
  close(): Promise<void>;
}

/** A single-host URL for tools that take one (node-pg-migrate): the writable host of a list. */
export const writableUrl = async (url: string | undefined): Promise<string | undefined> =>
  url === undefined || splitHosts(url).length === 1 ? url : findWritable(splitHosts(url));

export const openDatabase = async (options: DbOptions = {}): Promise<OpenDatabase> => {
  const location = await locateDatabase();
  try {
    // The embedded server is dhcpg's own: bring its schema up to date, so the
    // quick start needs no separate migrate step. An external database is the
    // operator's, migrated on purpose with "dhcpg migrate".
    if (location.source === 'embedded') await migrate(location.url, 'up', { log: (message) => log.debug(message) });
    const db = connect(location.url, options);
    await checkSchema(db).catch(async (error: unknown) => {
      await db.end();
      throw error;
    });
    return {
      db,
      location,
      close: async () => {
        await db.end();
        await location.close();
      },
    };
  } catch (error) {
    await location.close();
    throw error;
  }
};
