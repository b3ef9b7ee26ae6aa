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
  // Arithmetic rather than a Date per value (every date-time of every write comes here): the days
  // since 1970-01-01 of the proleptic Gregorian date, years 0..99 as written.
  const days = daysFromCivil(year, month, day);
  return (
    days * 86_400_000 +
    ((hour * 60 + minute) * 60 + second) * 1000 +
    millis -
    offsetMinutes * 60_000
  );
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

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : MONTH_DAYS[month - 1];
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
