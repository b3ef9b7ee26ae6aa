// RFC 3339 date-time (seconds and offset optional) or a plain date. Fractions beyond milliseconds are
// truncated, so every consumer (SQL columns, index rows, the evaluator) sees the same instant.
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses an ISO 8601 / RFC 3339 date-time into epoch milliseconds, or returns undefined.
 * Accepted: `2024-01-01` (midnight UTC), `2024-01-01T10:00Z`, `2024-01-01T10:00:00.123456+02:00`.
 * A date-time without an offset is read as UTC.
 */
export function parseInstant(text: string): number | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) {
    return undefined;
  }
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', offset = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return undefined;
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  const date = new Date(0);
  // setUTCFullYear keeps years 0..99 as written (Date.UTC would map them to 1900..1999).
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  const offsetMinutes = parseOffset(offset);
  if (offsetMinutes === undefined) {
    return undefined;
  }
  return date.getTime() - offsetMinutes * 60_000;
}

function parseOffset(offset: string): number | undefined {
  if (offset === 'Z' || offset === 'z') {
    return 0;
  }
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4));
  if (hours > 23 || minutes > 59) {
    return undefined;
  }
  return sign * (hours * 60 + minutes);
}

function daysInMonth(year: number, month: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}
