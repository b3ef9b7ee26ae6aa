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
