import fc from 'fast-check';

import { isDateTime, parseInstant } from './date-time';

describe(isDateTime.name, () => {
  it.each([
    '2024-01-01T00:00:00Z',
    '2024-01-01T00:00:00.123Z',
    '2024-02-29T23:59:59+01:00',
    '2024-01-01t10:00:00-05:30',
    '1999-12-31T23:59:60Z',
  ])('accepts %s', (value) => expect(isDateTime(value)).toBe(true));

  it.each([
    '2024-01-01',
    '2024-01-01T00:00:00',
    '2024-01-01T00:00Z',
    '2024-01-01T00:00:00+0100',
    '2023-02-29T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-01-01T00:00:00+25:00',
    'yesterday',
    20240101,
    null,
  ])('rejects %p', (value) => expect(isDateTime(value)).toBe(false));
});

describe(parseInstant.name, () => {
  it('reads every form the validator accepts, as the same instant Date.parse names', () => {
    for (const text of [
      '2024-01-01T00:00:00Z',
      '2024-02-29T23:59:59+01:00',
      '2024-01-01t10:00:00-05:30',
    ]) {
      expect(isDateTime(text)).toBe(true);
      expect(parseInstant(text)).toBe(Date.parse(text.toUpperCase()));
    }
  });

  it('reads the shorter query forms too: date only, no seconds, no offset, offset without colon', () => {
    const utc = Date.UTC(2024, 0, 1);
    expect(parseInstant('2024-01-01')).toBe(utc);
    expect(parseInstant('2024-01-01T00:00Z')).toBe(utc);
    expect(parseInstant('2024-01-01T00:00:00')).toBe(utc);
    expect(parseInstant('2024-01-01T01:00:00+0100')).toBe(utc);
  });

  it('reads a leap second, which validation accepts, as the next minute', () => {
    expect(parseInstant('1999-12-31T23:59:60Z')).toBe(Date.UTC(2000, 0, 1));
    expect(parseInstant('1999-12-31T23:59:60.5Z')).toBe(Date.UTC(2000, 0, 1) + 500);
  });

  it('truncates any number of fraction digits to milliseconds', () => {
    expect(parseInstant('2024-01-01T00:00:00.1234567891Z')).toBe(Date.UTC(2024, 0, 1) + 123);
    expect(isDateTime('2024-01-01T00:00:00.1234567891Z')).toBe(true);
  });

  it.each(['2024-01-01T00:00:61Z', '2024-02-30', '2024-01-01T10:00:00+24:00', '2024-1-1', ''])(
    'rejects %s',
    (text) => expect(parseInstant(text)).toBeUndefined(),
  );
});

describe(`${parseInstant.name} against the calendar of Date`, () => {
  // The instant as Date computes it (setUTCFullYear keeps years 0..99 as written).
  const byDate = (
    y: number,
    mo: number,
    d: number,
    h: number,
    mi: number,
    s: number,
    ms: number,
  ) => {
    const date = new Date(0);
    date.setUTCFullYear(y, mo - 1, d);
    date.setUTCHours(h, mi, s, ms);
    return date.getTime();
  };
  const pad = (n: number, width: number) => String(n).padStart(width, '0');

  it('names the same instant for any date of years 0..9999, leap days and offsets included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 999 }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (y, mo, d, h, mi, s, ms, offset) => {
          const sign = offset < 0 ? '-' : '+';
          const abs = Math.abs(offset);
          const text = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ms, 3)}${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
          const real = byDate(y, mo, d, 0, 0, 0, 0);
          // A day the month does not have is no instant (Date would roll it over).
          const exists = new Date(real).getUTCDate() === d;
          expect(parseInstant(text)).toBe(
            exists ? byDate(y, mo, d, h, mi, s, ms) - offset * 60_000 : undefined,
          );
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('knows the Gregorian leap years', () => {
    expect(parseInstant('2000-02-29T00:00:00Z')).toBe(Date.UTC(2000, 1, 29));
    expect(parseInstant('1900-02-29T00:00:00Z')).toBeUndefined();
    expect(parseInstant('2100-02-29T00:00:00Z')).toBeUndefined();
    expect(parseInstant('0000-02-29T00:00:00Z')).toBe(byDate(0, 2, 29, 0, 0, 0, 0));
    expect(parseInstant('1969-12-31T23:59:59.999Z')).toBe(-1);
  });
});
