import {
  addCountDeltas,
  CountDeltas,
  extractMysqlTokenRows,
  mysqlTokenCountStatement,
  mysqlTokenDeleteDeltas,
  mysqlTokenInsertStatementsFor,
  mysqlCountGenLockStatement,
  mysqlTokenKeyPaths,
  mysqlTokenPromotion,
  mysqlTokenUpdateStatements,
} from '@app/tmf-query';
import { customerSqlStorage } from '@server/customer/customer.storage';

const doc = (contactTypes: string[]) => ({
  name: 'x',
  contactMedium: contactTypes.map((contactType, i) => ({
    mediumType: 'email',
    characteristic: { emailAddress: `m${i}@counts.example`, contactType },
  })),
});

describe('kept token counts (MySQL/MariaDB)', () => {
  it('counts a resource once per key, whatever its repeats', () => {
    const deltas: CountDeltas = new Map();
    addCountDeltas(deltas, extractMysqlTokenRows(doc(['work', 'work']), customerSqlStorage), 1);
    expect([...deltas.values()].every((d) => d === 1)).toBe(true);
    // mediumType and contactType once each, two addresses.
    expect(deltas.size).toBe(4);
  });

  it('adds one delta to every key on one shard, or a CASE per delta', () => {
    const one = mysqlTokenCountStatement(
      customerSqlStorage,
      new Map([
        ['12:0', 1],
        ['-5:18446744073709551615', 1],
        ['7:0', 0],
      ]),
      3,
    );
    expect(one).toEqual({
      sql: 'UPDATE customer_token_count SET n = n + ? WHERE shard = ? AND ((token = ? AND v = ?) OR (token = ? AND v = ?))',
      params: [1, 3, 12, '0', -5, '18446744073709551615'],
    });
    const mixed = mysqlTokenCountStatement(
      customerSqlStorage,
      new Map([
        ['12:0', 2],
        ['13:0', -1],
      ]),
      0,
    );
    expect(mixed?.sql).toBe(
      'UPDATE customer_token_count SET n = n + CASE WHEN (token = ? AND v = ?) THEN ? WHEN (token = ? AND v = ?) THEN ? ELSE 0 END ' +
        'WHERE shard = ? AND ((token = ? AND v = ?) OR (token = ? AND v = ?))',
    );
    expect(mixed?.params).toEqual([12, '0', 2, 13, '0', -1, 0, 12, '0', 13, '0']);
    expect(mysqlTokenCountStatement(customerSqlStorage, new Map([['1:0', 0]]), 0)).toBeUndefined();
    // Only the keys known to have rows, when the caller knows them.
    const kept = new Set(['13:0']);
    expect(
      mysqlTokenCountStatement(
        customerSqlStorage,
        new Map([
          ['12:0', 2],
          ['13:0', -1],
        ]),
        1,
        kept,
      ),
    ).toEqual({
      sql: 'UPDATE customer_token_count SET n = n + ? WHERE shard = ? AND ((token = ? AND v = ?))',
      params: [-1, 1, 13, '0'],
    });
    expect(
      mysqlTokenCountStatement(customerSqlStorage, new Map([['12:0', 2]]), 1, kept),
    ).toBeUndefined();
  });

  it("writes a group's new rows as integer literals, and counts only the kept keys when given", () => {
    const resources = [
      { seq: 5, document: doc(['work', 'work']) },
      { seq: 16390, document: { ...doc(['home']), creditProfile: [{ creditScore: 712 }] } },
    ];
    const all: CountDeltas = new Map();
    const [insert] = mysqlTokenInsertStatementsFor(customerSqlStorage, resources, all);
    expect(insert.params).toEqual([]);
    const rows = resources.flatMap(({ seq, document }) =>
      extractMysqlTokenRows(document, customerSqlStorage).map(
        (r) => `(${Math.floor(seq / 2 ** 14)}, ${r.token}, ${r.v}, ${seq}, ${r.slot}, ${r.rep})`,
      ),
    );
    expect(insert.sql).toBe(
      `INSERT INTO customer_token (epoch, token, v, seq, slot, rep) VALUES ${rows.join(', ')}`,
    );
    // An ordered row's v is a 64-bit key beyond a double's precision: written digit for digit.
    expect(insert.sql).toMatch(/, \d{17,20}, 16390, /);
    const [key] = all.keys();
    const kept: CountDeltas = new Map();
    mysqlTokenInsertStatementsFor(customerSqlStorage, resources, kept, new Set([key]));
    expect(kept).toEqual(new Map([[key, all.get(key)]]));
  });

  it("nets a PATCH's keys: only those gained or lost", () => {
    const deltas: CountDeltas = new Map();
    mysqlTokenUpdateStatements(
      customerSqlStorage,
      1,
      doc(['work', 'home']),
      doc(['home', 'home']),
      undefined,
      deltas,
    );
    // work lost (the second element's address and mediumType stay; home stays).
    expect([...deltas.values()]).toEqual([-1]);
  });

  it("takes a delete's keys of the kept keys' leaves only, as the full extraction has them", () => {
    const full = doc(['work', 'home', 'work']);
    const paths = mysqlTokenKeyPaths(full, customerSqlStorage);
    const everything: CountDeltas = new Map();
    mysqlTokenDeleteDeltas(customerSqlStorage, full, everything);
    expect([...paths.keys()].sort()).toEqual([...everything.keys()].sort());
    // The leaves of two of its keys: the same deltas for the keys of those leaves, no other.
    const [a, b] = [...everything.keys()];
    const leaves = new Set([paths.get(a)!, paths.get(b)!]);
    const some: CountDeltas = new Map();
    mysqlTokenDeleteDeltas(customerSqlStorage, full, some, leaves);
    expect(some).toEqual(new Map([...everything].filter(([key]) => leaves.has(paths.get(key)!))));
    // And of the kept keys only, when known.
    const one: CountDeltas = new Map();
    mysqlTokenDeleteDeltas(customerSqlStorage, full, one, leaves, new Set([a]));
    expect(one).toEqual(new Map([[a, -1]]));
  });

  it('promotes a key under the generation: raise, count its live rows, 16 rows', () => {
    expect(mysqlCountGenLockStatement(customerSqlStorage)).toEqual({
      sql: 'SELECT gen AS kept_gen FROM customer_token_count_gen WHERE id = 0 LOCK IN SHARE MODE',
      params: [],
    });
    const promotion = mysqlTokenPromotion(customerSqlStorage, 12, '0', 3);
    expect(promotion.raise.sql).toBe(
      'UPDATE customer_token_count_gen SET gen = gen + 1 WHERE id = 0',
    );
    expect(promotion.count.sql).toBe(
      'SELECT COUNT(*) AS n FROM customer_token t WHERE t.epoch IN (0, 1, 2) AND t.token = ? ' +
        'AND t.v = ? AND t.rep = 0 AND NOT EXISTS (SELECT 1 FROM customer_token_dead d WHERE d.seq = t.seq)',
    );
    expect(promotion.count.params).toEqual([12, '0']);
    const insert = promotion.insert(7);
    expect(insert.params).toHaveLength(16 * 4);
    expect(insert.params.slice(0, 8)).toEqual([12, '0', 0, 7, 12, '0', 1, 0]);
    // Never a lock on the token rows: plain consistent reads.
    expect(promotion.count.sql).not.toMatch(/FOR UPDATE|SHARE/);
  });
});
