import Database from 'better-sqlite3';

import { sqliteRegexp } from './sqlite-regexp';
import {
  STATEMENT_CLOCK_EXPIRED,
  StatementTimeoutError,
  checkStatementClock,
  startStatementClock,
} from './statement-clock';

// 200,000 names tested by the regexp function: far more than a clock of 1 ms lets through.
const SCAN =
  'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) ' +
  "SELECT COUNT(*) AS matched FROM n WHERE ('name ' || i) REGEXP ?";

describe('statement clock', () => {
  let db: Database.Database;

  beforeEach(() => {
    db = new Database(':memory:');
    db.function('regexp', { deterministic: true }, sqliteRegexp);
  });

  afterEach(() => {
    startStatementClock(undefined);
    db.close();
  });

  it('stops a statement whose regex tests outlast its clock, with the driver-like code', () => {
    startStatementClock(1);
    let error: unknown;
    try {
      db.prepare(SCAN).get('7$');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StatementTimeoutError);
    expect(error).toMatchObject({ code: STATEMENT_CLOCK_EXPIRED, timeoutMs: 1 });
  });

  it('lets the same statement finish without a clock, and after a new start', () => {
    startStatementClock(undefined);
    expect(db.prepare(SCAN).get('7$')).toEqual({ matched: 20000 });
    startStatementClock(60_000);
    expect(db.prepare(SCAN).get('77$')).toEqual({ matched: 2000 });
  });

  it('reads the clock every 64 calls, and stops once per start', () => {
    startStatementClock(1);
    const until = Date.now() + 5;
    while (Date.now() <= until) {
      // the clock runs out
    }
    for (let i = 1; i < 64; i++) {
      checkStatementClock();
    }
    expect(() => checkStatementClock()).toThrow(StatementTimeoutError);
    // Stopped: the statement that follows without a new start runs unbounded.
    for (let i = 0; i < 128; i++) {
      checkStatementClock();
    }
  });
});
