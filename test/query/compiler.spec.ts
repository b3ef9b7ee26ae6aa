import {
  buildListStatements,
  compileSql,
  copyToken,
  encodeSortableNumber,
  indexPathId,
  parseQuery,
  seeksColumnRange,
  SqlDialect,
  valueToken,
} from '@app/tmf-query';
import { customerQuerySchema } from '@server/customer/customer.schema';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { generateCustomers } from '@test/fixtures/generated-customers';
import { SqliteCustomerStore } from '@test/support/query/sqlite-customer-store';

const BASE = 'https://api.example.com';
const paging = { defaultLimit: 20, maxLimit: 100 };

/**
 * MySQL here is the two-table layout (ADR 0005) the compiler still supports for a storage without a
 * token table; the token table's SQL is proven by mysql-oracle.mysql-spec.ts.
 */
const EAV_STORAGE = { ...customerSqlStorage, mysqlTokenIndex: undefined };

function compile(raw: string, dialect: SqlDialect | 'mysql-token' = 'sqlite') {
  const query = parseQuery(raw, customerQuerySchema, { paging });
  if (dialect === 'mysql-token') {
    return compileSql(query, customerSqlStorage, {
      dialect: 'mysql',
      baseUrl: BASE,
      tokenEpochs: 3,
    });
  }
  return compileSql(query, dialect === 'mysql' ? EAV_STORAGE : customerSqlStorage, {
    dialect,
    baseUrl: BASE,
  });
}

describe(compileSql.name, () => {
  it('compiles mapped paths to column tests', () => {
    expect(compile('status=active,suspended&name.gte=M')).toMatchObject({
      where: '(c.status = ? OR c.status = ?) AND c.name >= ?',
      whereParams: ['active', 'suspended', 'M'],
      orderBy: 'c.id ASC',
    });
    expect(compile('validFor.startDateTime.lt=2024-01-01T01:00:00%2B01:00')).toMatchObject({
      where: 'c.valid_for_start < ?',
      whereParams: [Date.UTC(2024, 0, 1)],
    });
  });

  it('on MySQL, looks value-indexed paths up, probes the others per customer, joins same-element groups on pos', () => {
    expect(compile('contactMedium.characteristic.emailAddress=a@b.c', 'mysql').where).toBe(
      'c.id IN (SELECT a0.customer_id FROM customer_attr a0' +
        ' WHERE (a0.path_id = ? AND a0.v_type = ? AND a0.v = ?))',
    );
    expect(compile('statusReason=x', 'mysql').where).toBe(
      'EXISTS (SELECT 1 FROM customer_attr_plain a0 WHERE a0.customer_id = c.id' +
        ' AND (a0.path_id = ? AND a0.v_type = ? AND a0.v = ?))',
    );
    // The value-indexed clause anchors the element whatever the parameter order.
    const compiled = compile(
      'contactMedium.mediumType=email&contactMedium.characteristic.emailAddress=a@b.c',
      'mysql',
    );
    expect(compiled.where).toBe(
      'c.id IN (SELECT a0.customer_id FROM customer_attr a0' +
        ' JOIN customer_attr_plain a1 ON a1.customer_id = a0.customer_id AND a1.pos = a0.pos' +
        ' WHERE (a0.path_id = ? AND a0.v_type = ? AND a0.v = ?)' +
        ' AND (a1.path_id = ? AND a1.v_type = ? AND a1.v = ?))',
    );
    expect(compiled.whereParams).toEqual([
      indexPathId('contactMedium.characteristic.emailAddress'),
      's',
      'a@b.c',
      indexPathId('contactMedium.mediumType'),
      's',
      'email',
    ]);
    expect(
      compile('contactMedium.mediumType=email&contactMedium.preferred=true', 'mysql').where,
    ).toBe(
      'EXISTS (SELECT 1 FROM customer_attr_plain a0' +
        ' JOIN customer_attr_plain a1 ON a1.customer_id = a0.customer_id AND a1.pos = a0.pos' +
        ' WHERE a0.customer_id = c.id AND (a0.path_id = ? AND a0.v_type = ? AND a0.v = ?)' +
        ' AND (a1.path_id = ? AND a1.v_type = ? AND a1.v = ?))',
    );
  });

  it('on MySQL, anchors a group whose clauses all span both tables in each table in turn', () => {
    const compiled = compile(
      'contactMedium.mediumType=fax;contactMedium.characteristic.phoneNumber=1' +
        '&contactMedium.preferred=true;contactMedium.characteristic.emailAddress=e',
      'mysql',
    );
    const indexed = (a: string) => `(${a}.path_id = ? AND ${a}.v_type = ? AND ${a}.v = ?)`;
    const plain = (a: string) => indexed(a);
    const otherClause = (anchor: string, x: string, y: string) =>
      `(EXISTS (SELECT 1 FROM customer_attr ${x} WHERE ${x}.customer_id = ${anchor}.customer_id` +
      ` AND ${x}.pos = ${anchor}.pos AND ${indexed(x)})` +
      ` OR EXISTS (SELECT 1 FROM customer_attr_plain ${y} WHERE ${y}.customer_id = ${anchor}.customer_id` +
      ` AND ${y}.pos = ${anchor}.pos AND ${plain(y)}))`;
    expect(compiled.where).toBe(
      `(c.id IN (SELECT a0.customer_id FROM customer_attr a0 WHERE ${indexed('a0')}` +
        ` AND ${otherClause('a0', 'a1', 'a2')})` +
        ` OR EXISTS (SELECT 1 FROM customer_attr_plain a3 WHERE a3.customer_id = c.id AND ${plain('a3')}` +
        ` AND ${otherClause('a3', 'a4', 'a5')}))`,
    );
    const phone = [indexPathId('contactMedium.characteristic.phoneNumber'), 's', '1'];
    const fax = [indexPathId('contactMedium.mediumType'), 's', 'fax'];
    const email = [indexPathId('contactMedium.characteristic.emailAddress'), 's', 'e'];
    const preferred = [indexPathId('contactMedium.preferred'), 'b', encodeSortableNumber(1)];
    expect(compiled.whereParams).toEqual([
      ...phone,
      ...email,
      ...preferred,
      ...fax,
      ...email,
      ...preferred,
    ]);
  });

  it('on SQLite, finds every other path in the token index: an element by its marks, ranges by bucket', () => {
    const token = (path: string, kind: 's' | 'b', value: string | number) =>
      valueToken(indexPathId(path), kind, value);
    const lookup =
      'c.seq IN (SELECT rowid >> 20 FROM customer_search WHERE customer_search MATCH ?)';
    const sameElement = compile(
      'contactMedium.mediumType=email&contactMedium.characteristic.emailAddress=a@b.c',
    );
    expect(sameElement).toMatchObject({ where: lookup, residual: undefined });
    // One row per customer (ADR 0014): the group's tokens marked alike, for each marked element and
    // for the later elements' own rows.
    const email = token('contactMedium.mediumType', 's', 'email');
    const address = token('contactMedium.characteristic.emailAddress', 's', 'a@b.c');
    expect(sameElement.whereParams).toEqual([
      [
        ...[0, 1, 2, 3].map((k) => `(${email}y${k} AND ${address}y${k})`),
        `(${email}z AND ${address}z)`,
      ].join(' OR '),
    ]);
    // `any`: one token per reading; a boolean `ne` is the other value. Clauses on two arrays (no
    // shared element): one lookup of the slot-0 rows' copies.
    expect(compile('characteristic.value=true&contactMedium.preferred!=true')).toMatchObject({
      where: lookup,
      whereParams: [
        `(${copyToken(token('characteristic.value', 's', 'true'))} OR ` +
          `${copyToken(token('characteristic.value', 'b', 1))}) AND ` +
          copyToken(token('contactMedium.preferred', 'b', 0)),
      ],
    });
    // A range: rows in its buckets, those in its edge buckets checked on the document. On an array,
    // the one row's bucket tokens (some element in the range).
    const range = compile('status=a&creditProfile.creditProfileDate.gte=2024-01-15T10:11:12Z');
    expect(range.whereParams.slice(1, -1).join(' ')).not.toMatch(/y\d|z\b/);
    expect(range.where).toBe(
      `c.status = ? AND ${lookup} AND (CASE WHEN ${lookup} THEN 1 ELSE tmf_residual(c.document, c.id, ?) END)`,
    );
    expect(range.whereParams.at(-1)).toBe(range.residual?.key);
    range.residual?.release();
    // A regex outside the columns: no narrowing, every candidate checked (within the bound).
    const regex = compile('statusReason*=x');
    expect(regex.where).toBe(
      '1 = 1 AND (CASE WHEN 1 = 0 THEN 1 ELSE tmf_residual(c.document, c.id, ?) END)',
    );
    regex.residual?.release();
  });

  it('reads any values as every JSON type they parse as', () => {
    expect(compile('characteristic.value=true', 'mysql')).toMatchObject({
      where:
        'EXISTS (SELECT 1 FROM customer_attr_plain a0 WHERE a0.customer_id = c.id AND' +
        ' ((a0.path_id = ? AND a0.v_type = ? AND a0.v = ?)' +
        ' OR (a0.path_id = ? AND a0.v_type = ? AND a0.v = ?)))',
      whereParams: [
        indexPathId('characteristic.value'),
        's',
        'true',
        indexPathId('characteristic.value'),
        'b',
        encodeSortableNumber(1),
      ],
    });
  });

  it('compiles regex to REGEXP on both dialects, with a prefix range when anchored', () => {
    expect(compile('name*=^Moo')).toMatchObject({
      where: '(c.name >= ? AND c.name < ? AND c.name REGEXP ?)',
      whereParams: ['Moo', 'Mop', '^Moo'],
    });
    expect(compile('name*=oo', 'mysql').where).toBe(
      'CONVERT(c.name USING utf8mb4) COLLATE utf8mb4_bin REGEXP ?',
    );
    expect(compile('statusReason*=x', 'mysql').where).toContain(
      'a0.v_type = ? AND CONVERT(COALESCE(a0.v_full, a0.v) USING utf8mb4) COLLATE utf8mb4_bin REGEXP ?',
    );
  });

  it('rewrites href equality to the id and a foreign prefix to no match', () => {
    expect(compile(`href=${BASE}/tmf-api/customerManagement/v4/customer/c7`)).toMatchObject({
      where: 'c.id = ?',
      whereParams: ['c7'],
    });
    expect(compile('href=https://elsewhere/customer/c7').where).toBe('1 = 0');
    expect(compile('href!=https://elsewhere/customer/c7').where).toBe('1 = 1');
    expect(compile('href>x', 'mysql').where).toBe(
      'CAST(CONCAT(?, c.id) AS BINARY) > CAST(? AS BINARY)',
    );
  });

  it('requires the base URL only when href is filtered', () => {
    const query = parseQuery('href=x', customerQuerySchema);
    expect(() => compileSql(query, customerSqlStorage, { dialect: 'sqlite' })).toThrow(/baseUrl/);
    expect(
      compileSql(parseQuery('name=x', customerQuerySchema), customerSqlStorage, {
        dialect: 'sqlite',
      }).where,
    ).toBe('c.name = ?');
  });

  it('orders with missing values last per dialect and id as tie-breaker', () => {
    expect(compile('sort=name,-status').orderBy).toBe(
      'c.name ASC NULLS LAST, c.status DESC, c.id DESC',
    );
    expect(compile('sort=name', 'mysql').orderBy).toBe('c.name IS NULL, c.name ASC, c.id ASC');
    expect(compile('sort=-id').orderBy).toBe('c.id DESC');
    expect(compile('sort=href').orderBy).toBe('c.id ASC');
    const byIndex = compile('sort=statusReason', 'mysql');
    expect(byIndex.orderBy).toBe(
      '(SELECT COALESCE(a0.v_full, a0.v) FROM customer_attr_plain a0 WHERE a0.customer_id = c.id' +
        ' AND a0.path_id = ? LIMIT 1) IS NULL, (SELECT COALESCE(a0.v_full, a0.v) FROM' +
        ' customer_attr_plain a0 WHERE a0.customer_id = c.id AND a0.path_id = ? LIMIT 1) ASC, c.id ASC',
    );
    const id = indexPathId('statusReason');
    expect(byIndex.orderByParams).toEqual([id, id]);
  });

  it('builds the page and count statements with parameters in order', () => {
    const compiled = compile('status=a&sort=engagedParty.name&offset=10&limit=5', 'mysql');
    const { page, count } = buildListStatements(compiled, customerSqlStorage, 'c.id, c.document');
    expect(page.sql).toMatch(
      /^SELECT c\.id, c\.document FROM customer c WHERE c\.status = \? ORDER BY .* LIMIT \? OFFSET \?$/,
    );
    const pathId = indexPathId('engagedParty.name');
    // MySQL puts missing values last with `x IS NULL, x ASC`: the sort key twice.
    expect(page.params).toEqual(['a', pathId, pathId, 5, 10]);
    expect(count).toEqual({
      sql: 'SELECT COUNT(*) AS total FROM customer c WHERE c.status = ?',
      params: ['a'],
    });
  });

  it('tests a range by its edge tokens alone: no core lookup, no EXCEPT (SQLite)', () => {
    const compiled = compile(
      'creditProfile.validFor.startDateTime.gte=2020-03-01T00:00:00Z&creditProfile.validFor.startDateTime.lt=2020-03-02T00:00:00Z',
    );
    const [part] = compiled.tokenSearch!.parts;
    expect(part.core).toEqual(expect.any(String));
    const edges = part.edges!.replace(/[()]/g, '').split(' OR ');
    const sup = part.sup.replace(/[()]/g, '').split(' OR ');
    const core = (part.core as string).replace(/[()]/g, '').split(' OR ');
    // The edges are the tokens of sup outside core, and there are few of them.
    expect(edges.sort()).toEqual(sup.filter((t) => !core.includes(t)).sort());
    expect(edges.length).toBeLessThanOrEqual(4);
    const { count } = buildListStatements(compiled, customerSqlStorage, 'c.id');
    expect(count.sql).toContain('NOT IN (SELECT rowid >> 20 FROM customer_search');
    expect(count.sql).not.toContain('EXCEPT');
    expect(count.params).toEqual([part.sup, part.edges, expect.any(String)]);
  });

  it('uses 1 = 1 without a filter', () => {
    expect(compile('fields=name').where).toBe('1 = 1');
  });
});

describe('SQL injection', () => {
  const attacks = [
    "' OR 1=1 --",
    '"; DROP TABLE customer; --',
    "x'); DELETE FROM customer_attr; --",
    "\\'; SELECT 1; --",
  ];
  const store = new SqliteCustomerStore(customerSqlStorage);
  store.insertAll(generateCustomers(50));

  afterAll(() => store.db.close());

  it.each(attacks)('binds %s as a value and never splices it into the SQL', (attack) => {
    const encoded = encodeURIComponent(attack);
    for (const raw of [
      `name=${encoded}`,
      `statusReason=${encoded}`,
      `characteristic.value=${encoded}`,
      `contactMedium.mediumType=email&contactMedium.characteristic.city=${encoded}`,
      `href=${encodeURIComponent(`${BASE}/tmf-api/customerManagement/v4/customer/`)}${encoded}`,
    ]) {
      for (const dialect of ['sqlite', 'mysql', 'mysql-token'] as const) {
        const compiled = compile(raw, dialect);
        expect(compiled.where).not.toContain(attack);
        expect(compiled.where).not.toMatch(/DROP|DELETE|OR 1=1/);
        // With a token index a value outside the columns reaches the database only as its token (a hash).
        const tokenized = dialect !== 'mysql' && !/^(name|href)=/.test(raw);
        expect(compiled.whereParams.join('\n').includes(attack)).toBe(!tokenized);
      }
      const parsed = parseQuery(raw, customerQuerySchema, { paging });
      expect(store.list(parsed)).toEqual({ ids: [], total: 0 });
    }
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM customer').get()?.n).toBe(50);
    expect(
      Number(store.db.prepare('SELECT COUNT(*) AS n FROM customer_search').get()?.n),
    ).toBeGreaterThan(0);
  });

  it('binds regex patterns too', () => {
    const compiled = compile(`name*=${encodeURIComponent("'; DROP TABLE customer; --")}`);
    expect(compiled.where).toBe('c.name REGEXP ?');
  });

  it('cannot inject through attribute names or sort keys: they must be schema paths', () => {
    expect(() => compile(encodeURIComponent('name; DROP TABLE customer') + '=x')).toThrow(
      /Unknown attribute|no operator|Malformed/,
    );
    expect(() => compile(`sort=${encodeURIComponent('name; DROP TABLE customer')}`)).toThrow(
      /Cannot sort/,
    );
  });
});

describe('one-sided ranges on columns (SQLite)', () => {
  it('are compiled with each planner hint, the unhinted query keeping its text', () => {
    const compiled = compile('status=active&validFor.startDateTime.gt=2024-01-01&name.lte=M');
    expect(compiled.where).toBe('c.status = ? AND c.valid_for_start > ? AND c.name <= ?');
    expect(compiled.rangePlans?.seek.where).toBe(
      'c.status = ? AND likelihood(c.valid_for_start > ?, 0.0001) AND likelihood(c.name <= ?, 0.0001)',
    );
    expect(compiled.rangePlans?.walk.where).toBe(
      'c.status = ? AND likelihood(c.valid_for_start > ?, 0.9375) AND likelihood(c.name <= ?, 0.9375)',
    );
    expect(compiled.rangePlans?.seek.whereParams).toEqual(compiled.whereParams);
    expect(compiled.rangePlans?.seek.rangePlans).toBeUndefined();
  });

  it.each([
    ['no range', 'status=active&name=M', 'sqlite'],
    ['a prefix (both bounds)', 'name*=^Mo', 'sqlite'],
    [
      'MySQL (its optimizer estimates ranges itself)',
      'validFor.startDateTime.gt=2024-01-01',
      'mysql',
    ],
    ['a token-index path', 'creditProfile.creditScore.gte=600', 'sqlite'],
  ] as const)('are not: %s', (_what, raw, dialect) => {
    expect(compile(raw, dialect).rangePlans).toBeUndefined();
  });

  it('are searched while their matches are at most sqrt(rows x customers), else walked', () => {
    expect(seeksColumnRange(0, 20, 1_000_000)).toBe(true);
    expect(seeksColumnRange(4_472, 20, 1_000_000)).toBe(true);
    expect(seeksColumnRange(4_473, 20, 1_000_000)).toBe(false);
    expect(seeksColumnRange(500_000, 20, 1_000_000)).toBe(false);
    // Counts moved on since the total was read: the matches bound the customers from below.
    expect(seeksColumnRange(30, 20, 10)).toBe(false);
    expect(seeksColumnRange(10, 20, 0)).toBe(true);
  });
});
