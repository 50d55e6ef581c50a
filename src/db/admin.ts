// Server-level chores shared by the test runner, the tests and the bench:
// one-off statements (CREATE / DROP DATABASE cannot run in a pool's
// transaction-friendly way), the URL of another database on the same server,
// and a free TCP port for a throw-away embedded server.
import { createServer } from 'node:net';
import pg from 'pg';

/** Runs one statement on its own connection and returns its rows. */
export const adminQuery = async <Row extends object = object>(url: string, sql: string): Promise<Row[]> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql)).rows;
  } finally {
    await client.end();
  }
};

/** The same server and credentials, another database. */
export const withDatabaseName = (url: string, name: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
};

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
