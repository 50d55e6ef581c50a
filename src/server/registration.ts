// A front-end's entry in the registry of front-ends (sql/contract.sql): made
// when it starts, refreshed every REGISTRATION_PERIOD_MS, removed when it
// stops cleanly, so that "dhcpg migrate" knows who is serving. Each refresh
// also says whether the database still serves this front-end's contract.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../db/pool.ts';
import { CONTRACT, contractProblem, RELEASE, schemaError, SchemaMismatch, type Contracts } from '../db/schema.ts';

/** dhcpg.frontends takes a front-end unseen for three periods (15 s) for gone. */
export const REGISTRATION_PERIOD_MS = 5000;

export interface Registration {
  /** Registers, or says it is still alive; throws SchemaMismatch when the database does not serve this contract. */
  refresh(): Promise<void>;
  /** Leaves the registry. */
  remove(): Promise<void>;
}

export const registration = (db: Db): Registration => {
  const id = randomUUID();
  return {
    refresh: async () => {
      const [served] = await db
        .query<Contracts>('register-frontend', 'select * from dhcpg.register_frontend($1, $2, $3, $4, $5)', [
          id, hostname(), process.pid, RELEASE, CONTRACT,
        ])
        .catch((error: unknown) => {
          throw schemaError(error);
        });
      const problem = contractProblem(served);
      if (problem) throw new SchemaMismatch(problem);
    },
    remove: async () => {
      await db.query('unregister-frontend', 'select dhcpg.unregister_frontend($1)', [id]);
    },
  };
};
