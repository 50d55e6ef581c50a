// A fresh, migrated database for one test file: cloned from the template that
// test/run.ts migrated, dropped when the test ends.
import type { Test } from 'tap';
import { connect, type Db } from '../../src/db/pool.ts';
import { adminQuery, withDatabaseName } from '../../src/db/admin.ts';

export interface TestDatabase {
  /** Connection string of the clone. */
  url: string;
  /** A pool on it, closed at teardown. */
  db: Db;
}

let clones = 0;

const adminUrl = (): string => {
  const url = process.env.DHCPG_TEST_ADMIN_URL;
  if (!url) throw new Error('run the tests with "npm test" (test/run.ts provides the database)');
  return url;
};

const admin = (sql: string) => adminQuery(adminUrl(), sql);

export const testDatabase = async (t: Test, options: { max?: number } = {}): Promise<TestDatabase> => {
  const name = `dhcpg_t${process.pid}_${++clones}`;
  await admin(`create database ${name} template ${process.env.DHCPG_TEST_TEMPLATE}`);
  const url = withDatabaseName(adminUrl(), name);
  const db = connect(url, { max: options.max ?? 20, applicationName: 'dhcpg-test' });
  t.teardown(async () => {
    await db.end();
    await admin(`drop database if exists ${name} with (force)`);
  });
  return { url, db };
};
