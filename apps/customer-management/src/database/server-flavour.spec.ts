import { readSql } from './server-flavour';

describe(readSql.name, () => {
  const count = { sql: 'SELECT COUNT(*) AS total FROM t', params: [] };
  const mariadb = { mariadb: true, galera: false };
  const mysql = { mariadb: false, galera: false };

  it('plans a statement flagged for it from the index statistics on MariaDB only', () => {
    const flagged = { ...count, plannedFromStatistics: true };
    expect(readSql(mariadb, flagged)).toBe(
      'SET STATEMENT eq_range_index_dive_limit = 1 FOR SELECT COUNT(*) AS total FROM t',
    );
    expect(readSql(mysql, flagged)).toBe(count.sql);
    expect(readSql(undefined, flagged)).toBe(count.sql);
  });

  it('leaves other statements as they are', () => {
    expect(readSql(mariadb, count)).toBe(count.sql);
  });
});
