import { isDateTime } from './decorators';

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
    '2023-02-29T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-01-01T00:00:00+25:00',
    'yesterday',
    20240101,
    null,
  ])('rejects %p', (value) => expect(isDateTime(value)).toBe(false));
});
