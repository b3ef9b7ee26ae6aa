import {
  compileMysqlSql,
  epochOf,
  EPOCH_BITS,
  extractMysqlTokenRows,
  indexPathId,
  orderedTokenNumber,
  parseQuery,
  planMysqlTokens,
  valueTokenNumber,
} from '@app/tmf-query';
import { customerQuerySchema } from '@server/customer/customer.schema';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { generateCustomers } from '@test/fixtures/generated-customers';

const paging = { defaultLimit: 20, maxLimit: 1000 };
const plan = (raw: string) => {
  const query = parseQuery(raw, customerQuerySchema, { paging });
  return planMysqlTokens(query.clauses);
};

describe('the MySQL token table: rows and lookups', () => {
  it('decides equality, OR lists and ranges on numbers and date-times exactly', () => {
    for (const raw of [
      'contactMedium.characteristic.city=Lyon',
      'contactMedium.characteristic.city=Lyon,Paris',
      'creditProfile.creditScore.gte=600',
      'creditProfile.creditScore=600',
      'creditProfile.validFor.startDateTime.lt=2024-01-01T00:00:00Z',
      'characteristic.value=5',
      'contactMedium.preferred!=true',
    ]) {
      expect(plan(raw).exact).toBe(true);
    }
  });

  it('leaves a regex, ne and string ranges to the documents, and a range on an any string its edge', () => {
    expect(plan('contactMedium.characteristic.city*=^Ly')).toMatchObject({
      sup: true,
      exact: false,
    });
    expect(plan('contactMedium.characteristic.city!=Lyon')).toMatchObject({
      sup: true,
      exact: false,
    });
    expect(plan('contactMedium.characteristic.city>Lyon')).toMatchObject({
      sup: true,
      exact: false,
    });
    const any = plan('characteristic.value>abc');
    expect(any.exact).toBe(false);
    expect(Array.isArray(any.sup) && Array.isArray(any.core)).toBe(true);
  });

  it('makes the two ends of a window on one element one range', () => {
    const window = plan('creditProfile.creditScore.gte=600&creditProfile.creditScore.lt=700');
    expect(window.exact).toBe(true);
    expect(Array.isArray(window.sup) && window.sup.length === 1 && window.sup[0].length).toBe(1);
    expect(plan('creditProfile.creditScore.gt=700&creditProfile.creditScore.lt=600').sup).toBe(
      false,
    );
  });

  it('gives a number one ordered row (its key in v) and a string one value row', () => {
    const doc = {
      creditProfile: [{ creditScore: 640 }],
      contactMedium: [{ characteristic: { city: 'Lyon' } }, { characteristic: { city: 'Lyon' } }],
    };
    const rows = extractMysqlTokenRows(doc, customerSqlStorage);
    const city = valueTokenNumber(indexPathId('contactMedium.characteristic.city'), 's', 'Lyon');
    const score = orderedTokenNumber(indexPathId('creditProfile.creditScore'), 'n');
    expect(rows.filter((r) => r.token === city).map((r) => [r.slot, r.v])).toEqual([
      [1, '0'],
      [2, '0'],
    ]);
    expect(rows.filter((r) => r.token === score)).toHaveLength(1);
    expect(rows.find((r) => r.token === score)!.v).not.toBe('0');
  });

  it('writes no row twice in one slot, whatever the document', () => {
    for (const doc of generateCustomers(200)) {
      const keys = extractMysqlTokenRows(doc, customerSqlStorage).map(
        (r) => `${r.slot}:${r.token}:${r.v}`,
      );
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('tokens are safe integers; epochs group 2^EPOCH_BITS seqs', () => {
    const token = valueTokenNumber(1, 's', 'x');
    expect(Number.isSafeInteger(token)).toBe(true);
    expect(epochOf(2 ** EPOCH_BITS - 1)).toBe(0);
    expect(epochOf(2 ** EPOCH_BITS)).toBe(1);
  });
});

describe('the page plan of a MySQL token lookup (compileMysqlSql)', () => {
  const MAX_SEQ = 1_000_000;
  /** Compiles against a database that answers the state and the count with these figures. */
  const compile = async (raw: string, total: number, lo?: number, hi?: number) => {
    const query = parseQuery(raw, customerQuerySchema, { paging });
    return compileMysqlSql(query, customerSqlStorage, {}, <R>(statement: { sql: string }) =>
      Promise.resolve(
        (statement.sql.includes('MAX(seq)')
          ? [{ seq: MAX_SEQ, dead: null }]
          : [{ total, lo: lo ?? null, hi: hi ?? null }]) as R[],
      ),
    );
  };
  const RANGE = 'creditProfile.creditScore.gte=600&creditProfile.creditScore.lt=605&limit=20';

  it('walks the (id, seq) index when the page is expected after a few entries per match', async () => {
    const compiled = await compile(RANGE, 6000, 20, 999_900);
    expect(compiled.tableHint).toBe(' FORCE INDEX (idx_customer_id_seq)');
    expect(compiled.where).toMatch(/^c\.seq IN \(SELECT /);
    expect(compiled.total).toBe(6000);
  });

  it('sorts few matches, matches bunched at the far end of the ids, and a descending walk’s near end', async () => {
    expect((await compile(RANGE, 500, 20, 999_900)).tableHint).toBe(
      ' IGNORE INDEX FOR ORDER BY (PRIMARY)',
    );
    expect((await compile(RANGE, 6000, 900_000, 999_900)).tableHint).toBe(
      ' IGNORE INDEX FOR ORDER BY (PRIMARY)',
    );
    expect((await compile(`${RANGE}&sort=-id`, 6000, 900_000, 999_900)).tableHint).toBe(
      ' FORCE INDEX (idx_customer_id_seq)',
    );
  });

  it('never tests a range per candidate; single keys from 1 % on', async () => {
    const range = await compile(RANGE, 50_000, 1, MAX_SEQ);
    expect(range.where).not.toMatch(/LIMIT 1\) IS NOT NULL/);
    expect(range.tableHint).toBe(' FORCE INDEX (idx_customer_id_seq)');
    const point = await compile(
      'contactMedium.characteristic.city=Lyon&limit=20',
      30_000,
      1,
      MAX_SEQ,
    );
    // One key: joined to each candidate; keys on one element: a subquery per candidate.
    expect(point.tableJoin).toMatch(/^ STRAIGHT_JOIN customer_token a\d+$/);
    expect(point.where).toMatch(/^a\d+\.epoch = c\.seq >> 14 AND .* AND a\d+\.rep = 0$/);
    const group = await compile(
      'contactMedium.mediumType=postal;contactMedium.characteristic.city=Lyon&limit=20',
      30_000,
      1,
      MAX_SEQ,
    );
    expect(group.tableJoin).toBeUndefined();
    expect(group.where).toMatch(/LIMIT 1\) IS NOT NULL/);
  });
});
