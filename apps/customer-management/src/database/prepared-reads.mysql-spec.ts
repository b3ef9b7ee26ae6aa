// MySQL / MariaDB tier: reads the runner repeats go as prepared statements (`PreparedReads`), with
// the same answers as the text protocol, the same statement timeout, and the text protocol again
// when the server allows no more prepared statements.
import { createConnection } from 'mysql2/promise';

import { AppException, ErrorKind } from '@app/tmf-common';

import { mysqlGuardedRunner, MYSQL_SPEC_URL } from './testing/mysql-guarded-runner';

const URL = MYSQL_SPEC_URL;
const DATABASE = `tmf_prepared_reads_${process.pid}`;
const STATEMENT_TIMEOUT_MS = 1000;

describe('MySQL/MariaDB reads as prepared statements', () => {
  const db = mysqlGuardedRunner(
    DATABASE,
    [
      `CREATE TABLE ${DATABASE}.t (id VARCHAR(36) PRIMARY KEY, name VARCHAR(20), n BIGINT, document LONGTEXT)`,
      `INSERT INTO ${DATABASE}.t VALUES ('a', 'x', 9007199254740991, '{"a":1}'), ('b', 'x', 2, '{"b":"é"}'), ('c', 'y', 3, '{}')`,
    ],
    STATEMENT_TIMEOUT_MS,
    2000,
  );

  const executed = async () =>
    Number(
      (
        await db.tx.readRows((query) =>
          query<{ Value: string }>("SHOW SESSION STATUS LIKE 'Com_stmt_execute'", []),
        )
      )[0].Value,
    );
  const page = (name: string, limit: number) =>
    db.tx.readRows((query) =>
      query<{ id: string; n: string; document: string; next: string }>(
        'SELECT id, n, document, n + ? AS next FROM t WHERE name = ? ORDER BY id LIMIT ?',
        [1, name, limit],
      ),
    );

  it('sends a repeated read as a prepared statement, with the answers of the text protocol', async () => {
    const before = await executed();
    const asText = await page('x', 1);
    const prepared = await page('x', 1);
    expect(await executed()).toBe(before + 1); // the first as text, the second prepared
    // BIGINTs as strings (the driver's bigNumberStrings), the document's text as stored.
    expect(asText).toEqual([
      { id: 'a', n: '9007199254740991', document: '{"a":1}', next: '9007199254740992' },
    ]);
    expect(prepared).toEqual(asText);
    expect(await page('x', 5)).toEqual([
      asText[0],
      { id: 'b', n: '2', document: '{"b":"é"}', next: '3' },
    ]);
    expect(await page('nobody', 5)).toEqual([]);
    expect(await db.tx.readOne('SELECT id FROM t WHERE id = ?', ['c'])).toEqual({ id: 'c' });
    expect(await db.tx.readOne('SELECT id FROM t WHERE id = ?', ['zz'])).toBeUndefined();
  });

  it('keeps the statement timeout on a prepared statement: 503 DATABASE_UNAVAILABLE, then reads again', async () => {
    const sleep = (seconds: string) =>
      db.tx.readRows((query) => query<{ s: number }>('SELECT SLEEP(?) AS s', [seconds]));
    await sleep('0');
    const before = await executed();
    const err = await sleep('3').catch((e: unknown) => e); // prepared: its second use
    expect(err).toBeInstanceOf(AppException);
    expect((err as AppException).kind).toBe(ErrorKind.ServiceUnavailable);
    expect((err as AppException).code).toBe('DATABASE_UNAVAILABLE');
    expect((err as AppException).headers['retry-after']).toBe('5');
    // The connection that timed out was replaced: a fresh session, which prepares anew.
    expect(await sleep('0')).toEqual([{ s: 0 }]);
    expect(await executed()).toBeLessThan(before + 2);
  });

  it('falls back to the text protocol when the server allows no more prepared statements', async () => {
    const admin = await createConnection(URL);
    const [[{ limit }]] = (await admin.query(
      'SELECT @@GLOBAL.max_prepared_stmt_count AS `limit`',
    )) as unknown as [{ limit: number }[]];
    await admin.query('SET GLOBAL max_prepared_stmt_count = 0');
    try {
      const read = () =>
        db.tx.readOne<{ id: string }>('SELECT id FROM t WHERE id = ? AND name = ?', ['b', 'x']);
      expect(await read()).toEqual({ id: 'b' });
      expect(await read()).toEqual({ id: 'b' });
    } finally {
      await admin.query(`SET GLOBAL max_prepared_stmt_count = ${Number(limit)}`);
      await admin.end();
    }
  });
});
