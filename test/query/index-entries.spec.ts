import {
  decodeSortableNumber,
  defineSqlStorage,
  encodeSortableNumber,
  extractColumnValues,
  extractIndexEntries,
  indexPathId,
  indexTableDdl,
  indexTableOf,
  indexUpdateStatements,
  indexWriteStatements,
  prefixUpperBound,
  truncateUtf8,
  utf8Length,
} from '@app/tmf-query';
import { openMemoryDatabase } from '@app/tmf-query/testing/sqlite';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { BOTH_TABLES_ROWS, indexUpdatePairs } from '@test/support/query/index-update-pairs';

const customer = {
  id: 'c1',
  href: 'https://x/c1',
  name: 'Moon',
  status: 'approved',
  statusReason: 'x'.repeat(600),
  '@type': 'Customer',
  engagedParty: { id: '500', name: 'Org', '@referredType': 'Organization' },
  validFor: { startDateTime: '2024-01-01T01:00:00+01:00' },
  contactMedium: [
    { mediumType: 'email', preferred: true, characteristic: { emailAddress: 'a@b.c' } },
    { mediumType: 'phone', characteristic: { phoneNumber: '1' } },
  ],
  characteristic: [{ name: 'tags', value: ['x', 7, null] }],
  creditProfile: [{ creditProfileDate: 'not a date', creditScore: 700 }],
};

describe(extractIndexEntries.name, () => {
  const entries = extractIndexEntries(customer, customerSqlStorage);
  const rows = entries.map(
    (e) =>
      `${e.path}@${e.pos}.${e.seq}=${e.type}:${typeof e.value === 'string' ? e.value : decodeSortableNumber(e.value)}`,
  );

  it('writes rows in primary-key order', () => {
    const keys = entries.map((e) => [e.pathId, e.pos, e.seq]);
    const sorted = [...keys].sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    expect(keys).toEqual(sorted);
  });

  it('writes one row per leaf value not held in a column', () => {
    expect([...rows].sort()).toEqual(
      [
        `statusReason@0.0=s:${'x'.repeat(512)}`,
        'characteristic.name@0.0=s:tags',
        'characteristic.value@0.0=s:x',
        'characteristic.value@0.1=n:7',
        'contactMedium.mediumType@0.0=s:email',
        'contactMedium.mediumType@1.0=s:phone',
        'contactMedium.preferred@0.0=b:1',
        'contactMedium.characteristic.emailAddress@0.0=s:a@b.c',
        'contactMedium.characteristic.phoneNumber@1.0=s:1',
        'creditProfile.creditScore@0.0=n:700',
        'engagedParty.name@0.0=s:Org',
        'engagedParty.@referredType@0.0=s:Organization',
      ].sort(),
    );
  });

  it('keeps the whole long string aside of its indexed prefix', () => {
    const reason = entries.find((e) => e.path === 'statusReason');
    expect(reason?.full).toBe('x'.repeat(600));
    expect(entries.find((e) => e.path === 'characteristic.name')?.full).toBeNull();
  });

  it('writes the typed columns with date-times as epoch milliseconds', () => {
    expect(extractColumnValues(customer, customerSqlStorage)).toEqual({
      name: 'Moon',
      status: 'approved',
      at_type: 'Customer',
      engaged_party_id: '500',
      valid_for_start: Date.UTC(2024, 0, 1),
      valid_for_end: null,
    });
  });

  it('builds deletes then batched multi-row inserts, each path into its own table', () => {
    const statements = indexWriteStatements(customerSqlStorage, 'c1', customer, 5);
    expect(statements.slice(0, 2)).toEqual([
      { sql: 'DELETE FROM customer_attr WHERE customer_id = ?', params: ['c1'] },
      { sql: 'DELETE FROM customer_attr_plain WHERE customer_id = ?', params: ['c1'] },
    ]);
    const indexed = entries.filter((e) => customerSqlStorage.valueIndexed.has(e.path));
    const plain = entries.filter((e) => !customerSqlStorage.valueIndexed.has(e.path));
    expect(indexed.length).toBeGreaterThan(0);
    expect(plain.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.table === indexTableOf(customerSqlStorage, e.path))).toBe(true);
    const inserts = statements.slice(2);
    expect(inserts).toHaveLength(Math.ceil(indexed.length / 5) + Math.ceil(plain.length / 5));
    const rowsOf = (table: string) =>
      inserts
        .filter((s) => s.sql.startsWith(`INSERT INTO ${table} (`))
        .flatMap((s) => s.params)
        .filter((_, i) => i % 7 === 1);
    expect(rowsOf('customer_attr')).toEqual(indexed.map((e) => e.pathId));
    expect(rowsOf('customer_attr_plain')).toEqual(plain.map((e) => e.pathId));
    expect(inserts[0].sql).toMatch(
      /^INSERT INTO customer_attr \(customer_id, path_id, pos, seq, v_type, v, v_full\) VALUES \(\?, \?, \?, \?, \?, \?, \?\), /,
    );
    const first = indexed[0];
    expect(inserts[0].params.slice(0, 7)).toEqual([
      'c1',
      first.pathId,
      first.pos,
      first.seq,
      first.type,
      first.value,
      first.full,
    ]);
    const reason = statements.flatMap((s) => s.params).indexOf(indexPathId('statusReason'));
    expect(statements.flatMap((s) => s.params).slice(reason, reason + 6)).toEqual([
      indexPathId('statusReason'),
      0,
      0,
      's',
      'x'.repeat(512),
      'x'.repeat(600),
    ]);
  });

  it('has DDL for both dialects: a value index on customer_attr only', () => {
    expect(indexTableDdl(customerSqlStorage, 'sqlite')).toEqual([
      expect.stringContaining('CREATE TABLE customer_attr ('),
      'CREATE INDEX customer_attr_value ON customer_attr (path_id, v_type, v)',
      expect.stringContaining('CREATE TABLE customer_attr_plain ('),
    ]);
    const [mysql, mysqlPlain] = indexTableDdl(customerSqlStorage, 'mysql');
    expect(mysql).toContain('v VARBINARY(512) NOT NULL');
    expect(mysql).toContain('KEY customer_attr_value (path_id, v_type, v)');
    expect(mysqlPlain).toContain('CREATE TABLE customer_attr_plain (');
    expect(mysqlPlain).not.toContain('KEY customer_attr_plain_value');
  });

  it('refuses a value-indexed path that is held in a column or is no leaf', () => {
    for (const path of ['name', 'contactMedium', 'nope']) {
      expect(() =>
        defineSqlStorage({ ...customerSqlStorage, valueIndexed: new Set([path]) }),
      ).toThrow(`Value-indexed path '${path}'`);
    }
  });
});

describe('UTF-8 helpers', () => {
  it('truncates on code point boundaries within the byte budget', () => {
    expect(truncateUtf8('abc', 2)).toBe('ab');
    expect(truncateUtf8('aé', 2)).toBe('a');
    expect(truncateUtf8('a😀b', 5)).toBe('a😀');
    expect(truncateUtf8('a😀b', 4)).toBe('a');
    expect(utf8Length('a😀')).toBe(5);
  });

  it('finds the upper bound of a prefix range', () => {
    expect(prefixUpperBound('ab')).toBe('ac');
    expect(prefixUpperBound('a\uD7FF')).toBe('a\uE000');
    expect(prefixUpperBound('a\u{10FFFF}')).toBe('b');
    expect(prefixUpperBound('\u{10FFFF}')).toBeUndefined();
  });
});

describe('index encodings', () => {
  it('encodes numbers so that byte order is numeric order', () => {
    const numbers = [-Infinity, -1e300, -5.5, -1, -0.1, -0, 0, 1e-300, 0.1, 1, 5.5, 2 ** 53, 1e300];
    const finite = numbers.filter(Number.isFinite);
    const encoded = finite.map(encodeSortableNumber);
    const sorted = [...encoded].sort((a, b) => Buffer.compare(a, b));
    expect(sorted.map(decodeSortableNumber)).toEqual(finite.map((n) => (n === 0 ? 0 : n)));
    expect(encodeSortableNumber(-0)).toEqual(encodeSortableNumber(0));
    expect(encodeSortableNumber(5)).toHaveLength(8);
  });

  it('hashes paths to distinct 31-bit ids', () => {
    const ids = [...customerSqlStorage.schema.leaves.keys()].map(indexPathId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < 2 ** 31)).toBe(true);
    expect(indexPathId('contactMedium.mediumType')).toBe(indexPathId('contactMedium.mediumType'));
  });
});

describe(indexUpdateStatements.name, () => {
  it('leaves exactly the rows of a full rewrite, on SQLite, touching only what changed', () => {
    const db = openMemoryDatabase();
    for (const sql of indexTableDdl(customerSqlStorage, 'sqlite')) {
      db.exec(sql);
    }
    const run = (statements: { sql: string; params: unknown[] }[]) => {
      for (const s of statements) {
        db.prepare(s.sql).run(...s.params);
      }
    };
    const rowsOf = (id: string) => db.prepare(BOTH_TABLES_ROWS).all(id, id);
    let untouched = 0;
    for (const { id, before, after } of indexUpdatePairs(200)) {
      run(indexWriteStatements(customerSqlStorage, id, before));
      const update = indexUpdateStatements(customerSqlStorage, id, before, after);
      run(update);
      run(indexWriteStatements(customerSqlStorage, `${id}-full`, after));
      expect(rowsOf(id)).toEqual(rowsOf(`${id}-full`));
      untouched += update.length === 0 ? 1 : 0;
      // Told which top-level attributes changed, it extracts only those and writes the same.
      const changedRoots = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
        (key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]),
      );
      run(indexWriteStatements(customerSqlStorage, `${id}-roots`, before));
      run(
        indexUpdateStatements(customerSqlStorage, `${id}-roots`, before, after, { changedRoots }),
      );
      expect(rowsOf(`${id}-roots`)).toEqual(rowsOf(`${id}-full`));
    }
    // A status change (a column, not an index row) needs no index statement at all.
    expect(untouched).toBeGreaterThanOrEqual(50);
    db.close();
  });
});
