// Which PostgreSQL dhcpg talks to: DATABASE_URL, else libpq's PG* variables,
// else an embedded server under ./.dhcpg/ (DESIGN section 3).
import { startEmbedded, type EmbeddedServer } from './embedded.ts';

export interface DatabaseLocation {
  /** Connection string; undefined means "let pg read the PG* variables". */
  url: string | undefined;
  /** How it was found, for the log. */
  source: 'DATABASE_URL' | 'PG* variables' | 'embedded';
  /** Releases what locating started (the embedded server). */
  close(): Promise<void>;
}

const LIBPQ_VARIABLES = ['PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGSERVICE'];

export const DEFAULT_EMBEDDED_PORT = 54329;

export const locateDatabase = async (
  env: NodeJS.ProcessEnv = process.env,
): Promise<DatabaseLocation> => {
  if (env.DATABASE_URL) {
    return { url: env.DATABASE_URL, source: 'DATABASE_URL', close: async () => {} };
  }
  if (LIBPQ_VARIABLES.some((name) => env[name])) {
    return { url: undefined, source: 'PG* variables', close: async () => {} };
  }
  const server: EmbeddedServer = await startEmbedded({
    dataDir: env.DHCPG_DATA_DIR ?? '.dhcpg/pgdata',
    port: Number(env.DHCPG_EMBEDDED_PORT ?? DEFAULT_EMBEDDED_PORT),
  });
  return { url: server.url, source: 'embedded', close: () => server.stop() };
};
