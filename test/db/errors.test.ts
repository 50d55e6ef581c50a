// What a failed database call says: one message's bad data, or the database.
import t from 'tap';
import { DatabaseTimeout, databaseErrorKind, failsEveryMessage } from '../../src/db/errors.ts';
import { isFailoverError } from '../../src/db/hosts.ts';
import { testDatabase } from '../helpers/db.ts';

const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });

t.test('kinds by SQLSTATE, node error code and message', async (t) => {
  for (const [error, kind] of [
    [coded('22P05', 'unsupported Unicode escape sequence'), 'rejected'],
    [coded('22021'), 'rejected'],
    [coded('23514'), 'rejected'],
    [coded('P0001'), 'rejected'],
    [coded('25006'), 'read-only'],
    [coded('57014', 'canceling statement due to statement timeout'), 'timeout'],
    [new DatabaseTimeout('database check: no answer within 500 ms'), 'timeout'],
    [coded('08006'), 'connection'],
    [coded('57P01', 'terminating connection due to administrator command'), 'connection'],
    [coded('ECONNREFUSED'), 'connection'],
    [new Error('Connection terminated unexpectedly'), 'connection'],
    [new Error('timeout exceeded when trying to connect'), 'connection'],
    [coded('42883', 'function dhcpg.handle4 does not exist'), 'query'],
    [new Error('the lease engine answered 1 of 2 messages'), 'query'],
  ] as const) {
    t.equal(databaseErrorKind(error), kind, `${(error as { code?: string }).code ?? error.message}: ${kind}`);
  }
  t.notOk(failsEveryMessage('rejected'), 'bad data is sent again one message at a time');
  t.ok(failsEveryMessage('connection') && failsEveryMessage('timeout') && failsEveryMessage('read-only'));
  t.ok(isFailoverError(coded('25006')) && isFailoverError(coded('57P01')), 'read-only and lost hosts: look for the primary');
  t.notOk(isFailoverError(coded('23514')) || isFailoverError(coded('57014')), 'bad data and slow statements: stay');
});

t.test('as PostgreSQL raises them: a NUL in jsonb is rejected data', async (t) => {
  const { db } = await testDatabase(t, { max: 1 });
  const error = await db.query('nul', `select $1::jsonb`, [JSON.stringify({ hostname: 'ev\u0000il' })]).catch((e: unknown) => e);
  t.equal(databaseErrorKind(error), 'rejected');
  const [row] = await db.query<{ one: number }>('one', 'select 1 as one');
  t.equal(row?.one, 1, 'the session goes on');
});
