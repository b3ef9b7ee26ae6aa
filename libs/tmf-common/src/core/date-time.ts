// The one date-time reader: request validation (`isDateTime`), the stored columns and search-index
// rows, query values and the hub's in-memory evaluator (`parseInstant`) all go through it, so a value
// the API accepts always names the instant that filters and sorts see.

// ISO 8601 / RFC 3339: a date, optionally a time (seconds, fraction and offset optional).
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;

// RFC 3339 `date-time` (the JSON Schema / OpenAPI format): time with seconds and an offset required.
const RFC3339_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Epoch milliseconds of an ISO 8601 / RFC 3339 date-time, or `undefined` when the text is not one or
 * names no real instant (31 February, hour 24, offset +25:00). Accepted: `2024-01-01` (midnight
 * UTC), `2024-01-01T10:00Z`, `2024-01-01T10:00:00.123456+02:00`, `...+0200`. Without an offset the
 * time is UTC. Fractions beyond milliseconds are truncated. A leap second (`23:59:60`, which RFC 3339
 * allows) is the instant one second after `:59`: epoch milliseconds have no leap seconds.
 */
export function parseInstant(text: string): number | undefined {
  const m = INSTANT.exec(text);
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
  if (hour > 23 || minute > 59 || second > 60) {
    return undefined;
  }
  const offsetMinutes = parseOffset(offset);
  if (offsetMinutes === undefined) {
    return undefined;
  }
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  const date = new Date(0);
  // setUTCFullYear keeps years 0..99 as written (Date.UTC would map them to 1900..1999).
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return date.getTime() - offsetMinutes * 60_000;
}

/** True for an RFC 3339 `date-time` (seconds and offset included) naming a real instant. */
export function isDateTime(value: unknown): value is string {
  return (
    typeof value === 'string' && RFC3339_DATE_TIME.test(value) && parseInstant(value) !== undefined
  );
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
