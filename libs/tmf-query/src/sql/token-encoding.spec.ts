import fc from 'fast-check';

import { encodeSortableNumber } from './index-encoding';
import {
  bucketTokens,
  DATE_RANGE_LEVELS,
  intervalCover,
  RANGE_LEVELS,
  rangeLevels,
  rangeCover,
  sortableKey,
  stringBucketTokens,
  stringRangeCover,
  valueToken,
} from './token-encoding';

const OPS = ['gt', 'gte', 'lt', 'lte'] as const;
const holds = (v: number, op: (typeof OPS)[number], q: number) =>
  op === 'gt' ? v > q : op === 'gte' ? v >= q : op === 'lt' ? v < q : v <= q;

// Numbers that land on bucket edges as well as anywhere: small integers, dates, extremes, fractions.
const numbers = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.integer({ min: 0, max: 4102444800000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1, -1, 0.5, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE),
);

describe('token encoding', () => {
  it('value tokens are 13 base-32 characters and differ by path, kind and value', () => {
    const tokens = [
      valueToken(1, 's', 'Lyon'),
      valueToken(2, 's', 'Lyon'),
      valueToken(1, 's', 'Lyon '),
      valueToken(1, 'n', 5),
      valueToken(1, 'd', 5),
      valueToken(1, 'b', 1),
      valueToken(1, 'n', 1),
      valueToken(1, 's', ''),
    ];
    expect(new Set(tokens).size).toBe(tokens.length);
    for (const token of tokens) {
      expect(token).toMatch(/^[0-9a-v]{13}$/);
    }
    expect(valueToken(1, 'n', 0)).toBe(valueToken(1, 'n', -0));
    expect(valueToken(7, 's', 'é')).toBe(valueToken(7, 's', 'é'));
  });

  it('the sortable key orders numbers as encodeSortableNumber does', () => {
    fc.assert(
      fc.property(numbers, numbers, (a, b) => {
        const [ah, al] = sortableKey(a);
        const [bh, bl] = sortableKey(b);
        const byKey = Math.sign(ah - bh || al - bl);
        const byBytes = Math.sign(Buffer.compare(encodeSortableNumber(a), encodeSortableNumber(b)));
        expect(byKey).toBe(byBytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('a range cover holds every matching value and, in its core, only matching values', () => {
    fc.assert(
      fc.property(numbers, numbers, fc.constantFrom(...OPS), (v, q, op) => {
        const cover = rangeCover(9, 'n', op, q);
        const core = new Set(cover.core);
        const edge = new Set(cover.edge);
        const mine = bucketTokens(9, 'n', v);
        const inCore = mine.some((t) => core.has(t));
        const inEdge = edge.has(mine[mine.length - 1]);
        if (holds(v, op, q)) {
          expect(inCore || inEdge).toBe(true);
        } else {
          expect(inCore).toBe(false);
        }
        // A value is found through one bucket at most: the cover's buckets do not overlap.
        expect(mine.filter((t) => core.has(t) || edge.has(t)).length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 1000 },
    );
  });

  it('an interval cover holds every value meeting all bounds and, in its core, only those', () => {
    const bound = fc.record({ op: fc.constantFrom(...OPS), num: numbers });
    fc.assert(
      fc.property(numbers, fc.array(bound, { minLength: 1, maxLength: 3 }), (v, bounds) => {
        const cover = intervalCover(9, 'd', bounds);
        const core = new Set(cover.core);
        const edge = new Set(cover.edge);
        const mine = bucketTokens(9, 'd', v);
        const inCore = mine.some((t) => core.has(t));
        const inEdge = edge.has(mine[mine.length - 1]);
        if (bounds.every(({ op, num }) => holds(v, op, num))) {
          expect(inCore || inEdge).toBe(true);
        } else {
          expect(inCore).toBe(false);
        }
        expect(mine.filter((t) => core.has(t) || edge.has(t)).length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 1000 },
    );
    // One day is a few dozen buckets; its lower end alone is most of the key space.
    const from = Date.UTC(2024, 2, 4);
    const day = intervalCover(9, 'd', [
      { op: 'gte', num: from },
      { op: 'lt', num: from + 86400000 },
    ]);
    expect(day.core.length + day.edge.length).toBeLessThanOrEqual(2 + 2 * 15 + 6);
  });

  it("a date-time's edge buckets are its 32-bit level's: 2^20 ms wide", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2005, 0, 1), max: Date.UTC(2038, 0, 1) }), (t) => {
        const cover = intervalCover(9, 'd', [
          { op: 'gte', num: t },
          { op: 'lt', num: t + 86400000 },
        ]);
        const finest = (v: number) => bucketTokens(9, 'd', v).at(-1);
        // The first and the last instant of the day fall in its edges; 2^20 ms beyond them does not.
        expect(cover.edge).toContain(finest(t));
        expect(cover.edge).not.toContain(finest(t - 2 ** 20));
        expect(cover.edge).not.toContain(finest(t + 86400000 + 2 ** 20));
      }),
      { numRuns: 200 },
    );
  });

  it('the 32-bit date-time level adds a token and leaves the others as they were', () => {
    expect(rangeLevels('d')).toBe(DATE_RANGE_LEVELS);
    expect(rangeLevels('d', false)).toBe(RANGE_LEVELS);
    expect(rangeLevels('n')).toBe(RANGE_LEVELS);
    const t = Date.UTC(2024, 2, 4, 13, 7);
    const before = bucketTokens(9, 'd', t, RANGE_LEVELS);
    expect(bucketTokens(9, 'd', t)).toEqual([...before, expect.stringMatching(/^[0-9a-v]{13}$/)]);
    expect(before).not.toContain(bucketTokens(9, 'd', t).at(-1));
  });

  it('a string range cover holds every matching string and, in its core, only matching ones', () => {
    const strings = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom(
        '',
        'a',
        'ab',
        'abcdefgh',
        'abcdefghA',
        'abcdefghZ',
        '100',
        '1000',
        'é',
        '\u{1F600}',
      ),
    );
    fc.assert(
      fc.property(strings, strings, fc.constantFrom(...OPS), (v, q, op) => {
        const order = Buffer.compare(Buffer.from(v, 'utf8'), Buffer.from(q, 'utf8'));
        const match =
          op === 'gt'
            ? order > 0
            : op === 'gte'
              ? order >= 0
              : op === 'lt'
                ? order < 0
                : order <= 0;
        const cover = stringRangeCover(9, op, q);
        const mine = stringBucketTokens(9, v);
        const inCore = mine.some((t) => cover.core.includes(t));
        const inEdge = cover.edge.includes(mine[mine.length - 1]);
        if (match) {
          expect(inCore || inEdge).toBe(true);
        } else {
          expect(inCore).toBe(false);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('a cover stays small: at most 63 buckets per level at each end', () => {
    fc.assert(
      fc.property(numbers, fc.constantFrom(...OPS), (q, op) => {
        const cover = rangeCover(9, 'd', op, q);
        expect(cover.edge.length).toBeLessThanOrEqual(2);
        // The date-time levels: 63 per end at each of the 6-bit steps, 15 at the last (4 bits).
        expect(cover.core.length).toBeLessThanOrEqual(
          2 * 63 * (DATE_RANGE_LEVELS.length - 2) + 2 * 15 + 16,
        );
      }),
    );
    // A date-time range of one day is a handful of buckets.
    const day = rangeCover(9, 'd', 'gte', Date.UTC(2024, 0, 1));
    expect(day.edge.length + day.core.length).toBeLessThan(200);
  });
});
