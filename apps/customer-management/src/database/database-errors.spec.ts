import { QueryFailedError } from 'typeorm';

import { AppException } from '@app/tmf-common';
import { StatementTimeoutError } from '@app/tmf-query';

import { retryDelayMs } from './conflict-retry';
import {
  classifyDatabaseError,
  commitMayHaveApplied,
  isStatementTimeout,
  POOL_ACQUIRE_TIMEOUT,
  STATEMENT_TIMEOUT,
} from './database-errors';
import { asDatabaseUnavailable, conflictsExhausted } from './database-unavailable';

// The shapes mysql2 gives its server errors (code, errno, sqlMessage), as the servers word them.
function serverError(errno: number, code: string, message: string): Error {
  return Object.assign(new Error(message), { errno, code, sqlMessage: message });
}
// TypeORM wraps a failed query's driver error.
const wrapped = (err: Error) => new QueryFailedError('UPDATE customer SET ...', [], err);

describe('classifyDatabaseError, per engine', () => {
  it.each([
    [
      1213,
      'ER_LOCK_DEADLOCK',
      'Deadlock found when trying to get lock; try restarting transaction',
    ],
    [1205, 'ER_LOCK_WAIT_TIMEOUT', 'Lock wait timeout exceeded; try restarting transaction'],
    [
      3101,
      'ER_TRANSACTION_ROLLBACK_DURING_COMMIT',
      'Plugin instructed the server to rollback the current transaction.',
    ],
  ])('%i (%s) is a conflict: retried', (errno, code, message) => {
    expect(classifyDatabaseError(serverError(errno, code, message))).toBe('conflict');
    expect(classifyDatabaseError(wrapped(serverError(errno, code, message)))).toBe('conflict');
  });

  it.each([
    [1047, 'ER_UNKNOWN_COM_ERROR', 'WSREP has not yet prepared node for application use'],
    [1180, 'ER_ERROR_DURING_COMMIT', 'Got error 6 "No such device or address" during COMMIT'],
    [
      3100,
      'ER_RUN_HOOK_ERROR',
      "Error on observer while running replication hook 'before_commit'.",
    ],
    [1040, 'ER_CON_COUNT_ERROR', 'Too many connections'],
    [1053, 'ER_SERVER_SHUTDOWN', 'Server shutdown in progress'],
    [1927, 'ER_CONNECTION_KILLED', 'Connection was killed'],
  ])('%i (%s) is a node not ready', (errno, code, message) => {
    expect(classifyDatabaseError(wrapped(serverError(errno, code, message)))).toBe('not-ready');
  });

  it.each([
    [
      1290,
      'ER_OPTION_PREVENTS_STATEMENT',
      'The MariaDB server is running with the --read-only option so it cannot execute this statement',
    ],
    [
      1792,
      'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION',
      'Cannot execute statement in a READ ONLY transaction',
    ],
    [1836, 'ER_READ_ONLY_MODE', 'Running in read-only mode'],
  ])('%i (%s) is read-only', (errno, code, message) => {
    expect(classifyDatabaseError(wrapped(serverError(errno, code, message)))).toBe('read-only');
  });

  it('lost and refused connections are unreachable', () => {
    for (const code of ['ECONNREFUSED', 'PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'ETIMEDOUT']) {
      expect(classifyDatabaseError(Object.assign(new Error(code), { code }))).toBe('unreachable');
    }
    expect(classifyDatabaseError(new Error('Pool is closed.'))).toBe('unreachable');
  });

  it('a statement or a pool wait that ran out of time is unreachable (not retried)', () => {
    for (const code of [STATEMENT_TIMEOUT, POOL_ACQUIRE_TIMEOUT]) {
      expect(classifyDatabaseError(Object.assign(new Error(code), { code }))).toBe('unreachable');
    }
    // The server's own limits: MariaDB max_statement_time, MySQL max_execution_time.
    expect(
      classifyDatabaseError(wrapped(serverError(1969, 'ER_STATEMENT_TIMEOUT', 'interrupted'))),
    ).toBe('unreachable');
    expect(classifyDatabaseError(wrapped(serverError(3024, 'ER_QUERY_TIMEOUT', 'exceeded')))).toBe(
      'unreachable',
    );
  });

  it("a SQLite statement stopped by its clock is a timeout the 503 names, as the servers' own", () => {
    const stopped = new StatementTimeoutError(10000);
    const servers = [
      wrapped(serverError(1969, 'ER_STATEMENT_TIMEOUT', 'interrupted')),
      serverError(3024, 'ER_QUERY_TIMEOUT', 'exceeded'),
    ];
    for (const err of [stopped, ...servers]) {
      expect(classifyDatabaseError(err)).toBe('unreachable');
      expect(isStatementTimeout(err)).toBe(true);
      const sut = asDatabaseUnavailable(err);
      expect(sut?.code).toBe('DATABASE_UNAVAILABLE');
      expect(sut?.message).toMatch(/ran longer than the database statement timeout/);
      expect(sut?.headers['retry-after']).toBe('5');
    }
    // The client giving up on a node (mysql2's own timeout) is not the query's time.
    const unanswered = Object.assign(new Error('Query inactivity timeout'), {
      code: STATEMENT_TIMEOUT,
    });
    expect(isStatementTimeout(unanswered)).toBe(false);
    expect(asDatabaseUnavailable(unanswered)?.message).toBe(
      'The database is unavailable; nothing was changed. Retry later.',
    );
  });

  it('statement errors and bugs are neither (a 500)', () => {
    expect(
      classifyDatabaseError(wrapped(serverError(1062, 'ER_DUP_ENTRY', "Duplicate entry '1'"))),
    ).toBe('other');
    expect(classifyDatabaseError(new TypeError('x is undefined'))).toBe('other');
    expect(classifyDatabaseError(undefined)).toBe('other');
  });
});

describe('the 503s', () => {
  it('read-only and not-ready are DATABASE_UNAVAILABLE and say nothing was written', () => {
    for (const err of [
      serverError(1290, 'ER_OPTION_PREVENTS_STATEMENT', 'read-only'),
      serverError(1047, 'ER_UNKNOWN_COM_ERROR', 'WSREP has not yet prepared node'),
    ]) {
      const sut = asDatabaseUnavailable(err, false);
      expect(sut).toBeInstanceOf(AppException);
      expect(sut?.code).toBe('DATABASE_UNAVAILABLE');
      expect(sut?.message).toMatch(/nothing was changed/);
      expect(sut?.headers['retry-after']).toBe('5');
    }
  });

  it('a COMMIT refused as read-only, or failed on SQLite, applied nothing', () => {
    const readOnly = serverError(1290, 'ER_OPTION_PREVENTS_STATEMENT', 'read-only');
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    for (const err of [readOnly, busy]) {
      expect(commitMayHaveApplied(err)).toBe(false);
      expect(asDatabaseUnavailable(err, true)?.message).toMatch(/nothing was changed/);
    }
    expect(commitMayHaveApplied(serverError(1213, 'ER_LOCK_DEADLOCK', 'Deadlock'))).toBe(false);
  });

  it('a Galera node cut off while committing leaves the outcome unknown (the quorum may have it)', () => {
    for (const err of [
      serverError(1180, 'ER_ERROR_DURING_COMMIT', 'Got error 6 during COMMIT'),
      wrapped(serverError(1047, 'ER_UNKNOWN_COM_ERROR', 'WSREP has not yet prepared node')),
    ]) {
      expect(commitMayHaveApplied(err)).toBe(true);
      const sut = asDatabaseUnavailable(err, true);
      expect(sut?.code).toBe('DATABASE_UNAVAILABLE');
      expect(sut?.message).toMatch(/may or may not have been applied/);
    }
  });

  it('a connection lost during COMMIT leaves the outcome unknown', () => {
    const lost = Object.assign(new Error('lost'), { code: 'PROTOCOL_CONNECTION_LOST' });
    expect(asDatabaseUnavailable(lost, true)?.message).toMatch(/may or may not have been applied/);
    expect(asDatabaseUnavailable(lost, false)?.message).toMatch(/nothing was changed/);
    // A COMMIT that got no answer within the statement timeout: the same.
    const unanswered = Object.assign(new Error('Query inactivity timeout'), {
      code: STATEMENT_TIMEOUT,
    });
    expect(asDatabaseUnavailable(unanswered, true)?.message).toMatch(/may or may not/);
    expect(asDatabaseUnavailable(unanswered, true)?.headers['retry-after']).toBe('5');
  });

  it('a conflict is not "unavailable" (it is retried first); exhausted, it is TRANSACTION_CONFLICT', () => {
    expect(asDatabaseUnavailable(serverError(1213, 'ER_LOCK_DEADLOCK', 'Deadlock'))).toBe(
      undefined,
    );
    const sut = conflictsExhausted(10);
    expect(sut.code).toBe('TRANSACTION_CONFLICT');
    expect(sut.headers['retry-after']).toBe('1');
  });
});

describe('retryDelayMs (full jitter)', () => {
  const policy = { attempts: 10, baseDelayMs: 5, maxDelayMs: 400 };

  it('draws from a window that doubles per attempt, up to the cap', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(policy, a, () => 0.999999))).toEqual([
      10, 20, 40, 80,
    ]);
    expect(retryDelayMs(policy, 9, () => 0.999999)).toBe(400);
    expect(retryDelayMs(policy, 3, () => 0)).toBe(0);
  });
});
