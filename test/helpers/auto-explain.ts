// A session whose every statement, nested ones too, hands its plan to the
// test (auto_explain at notice level), for tests that check plans.
import type { Test } from 'tap';
import pg from 'pg';

/** The session and the plans it has seen; undefined when this PostgreSQL has no auto_explain. */
export const explainingSession = async (t: Test, url: string): Promise<{ session: pg.Client; plans: string[] } | undefined> => {
  const session = new pg.Client({ connectionString: url });
  await session.connect();
  t.teardown(() => session.end());
  const plans: string[] = [];
  session.on('notice', (notice) => plans.push(notice.message ?? ''));
  for (const setting of ['auto_explain.log_min_duration = 0', 'auto_explain.log_nested_statements = on', 'auto_explain.log_level = notice']) {
    await session.query(`set ${setting}`);
  }
  const loaded = await session.query(`load 'auto_explain'`).then(() => true, () => false);
  return loaded ? { session, plans } : undefined;
};
