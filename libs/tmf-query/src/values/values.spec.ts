import { compareCodePoints } from './compare';
import { parseInstant } from './instant';
import { storedValues } from './stored-value';

describe(parseInstant.name, () => {
  it('reads offsets as instants', () => {
    const utc = Date.UTC(2024, 0, 1);
    expect(parseInstant('2024-01-01T00:00:00Z')).toBe(utc);
    expect(parseInstant('2024-01-01T01:00:00+01:00')).toBe(utc);
    expect(parseInstant('2024-01-01T01:00:00+0100')).toBe(utc);
    expect(parseInstant('2024-01-01T14:00:00+14:00')).toBe(utc);
    expect(parseInstant('2023-12-31T18:30:00-05:30')).toBe(utc);
    expect(parseInstant('2024-01-01T00:00Z')).toBe(utc);
    expect(parseInstant('2024-01-01T00:00:00')).toBe(utc);
    expect(parseInstant('2024-01-01')).toBe(utc);
  });

  it('truncates fractions to milliseconds', () => {
    expect(parseInstant('2024-01-01T00:00:00.1Z')).toBe(Date.UTC(2024, 0, 1) + 100);
    expect(parseInstant('2024-01-01T00:00:00.123999Z')).toBe(Date.UTC(2024, 0, 1) + 123);
  });

  it('keeps early years as written', () => {
    expect(parseInstant('0099-01-01T00:00:00Z')).toBe(new Date('0099-01-01T00:00:00Z').getTime());
  });

  it.each([
    '2024-02-30',
    '2023-02-29',
    '2024-00-10',
    '2024-01-01T24:00:00Z',
    '2024-01-01T10:60:00Z',
    '2024-01-01T10:00:00+25:00',
    '2024-1-1',
    'yesterday',
    '',
  ])('rejects %s', (text) => {
    expect(parseInstant(text)).toBeUndefined();
  });

  it('accepts 29 February of a leap year', () => {
    expect(parseInstant('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
  });
});

describe(compareCodePoints.name, () => {
  it('orders by code point, as a binary UTF-8 collation does', () => {
    // U+1F600 (a surrogate pair in UTF-16) is above U+E000; UTF-16 code units say otherwise.
    expect('😀' < '\uE000').toBe(true);
    expect(compareCodePoints('😀', '\uE000')).toBeGreaterThan(0);
    expect(compareCodePoints('a', 'b')).toBeLessThan(0);
    expect(compareCodePoints('B', 'a')).toBeLessThan(0);
    expect(compareCodePoints('ab', 'a')).toBeGreaterThan(0);
    expect(compareCodePoints('same', 'same')).toBe(0);
    const sorted = ['é', 'z', '😀', '\uE000', 'A'].sort(compareCodePoints);
    expect(sorted).toEqual(['A', 'z', 'é', '\uE000', '😀']);
  });
});

describe(storedValues.name, () => {
  it('reduces typed values and skips the wrong JSON type', () => {
    expect(storedValues('string', 'x')).toEqual([{ kind: 's', text: 'x' }]);
    expect(storedValues('string', 5)).toEqual([]);
    expect(storedValues('integer', 5)).toEqual([{ kind: 'n', num: 5 }]);
    expect(storedValues('integer', '5')).toEqual([]);
    expect(storedValues('boolean', true)).toEqual([{ kind: 'b', num: 1 }]);
    expect(storedValues('date-time', '2024-01-01T01:00:00+01:00')).toEqual([
      { kind: 'd', num: Date.UTC(2024, 0, 1) },
    ]);
    expect(storedValues('date-time', 'not a date')).toEqual([]);
  });

  it('reduces any values by their JSON type, arrays element by element', () => {
    expect(storedValues('any', 'gold')).toEqual([{ kind: 's', text: 'gold' }]);
    expect(storedValues('any', 5)).toEqual([{ kind: 'n', num: 5 }]);
    expect(storedValues('any', false)).toEqual([{ kind: 'b', num: 0 }]);
    expect(storedValues('any', [1, 'a', null, { x: 1 }])).toEqual([
      { kind: 'n', num: 1 },
      { kind: 's', text: 'a' },
    ]);
    expect(storedValues('any', null)).toEqual([]);
    expect(storedValues('any', { x: 1 })).toEqual([]);
  });
});
