// Points in time to the microsecond, as PostgreSQL keeps them: parsed by hand, never through Date (milliseconds).

/** A parsed time: microseconds since 1970-01-01 00:00:00 UTC. */
export type InstantParse = { ok: true; micros: bigint } | { ok: false; problem: string; fix: string };

// ISO 8601 ("2024-05-01T12:00:00.123456Z", "+02:00") and PostgreSQL's own output ("2024-05-01 10:00:00.123456+00").
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)$/i;
const FIX = 'write e.g. 2024-05-01T12:00:00Z or 2024-05-01T14:00:00.123456+02:00';
const MICROS_PER_SECOND = 1_000_000n;

/** Parse a time with a UTC offset, keeping every microsecond; more than six fractional digits is an error, not a rounding. */
export function parseInstant(text: string): InstantParse {
  const m = INSTANT.exec(text.trim());
  if (!m) return { ok: false, problem: `"${text}" is not an ISO 8601 time with a UTC offset`, fix: FIX };
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const second = Number(m[6] ?? '0');
  const fraction = m[7] ?? '';
  if (fraction.length > 6)
    return {
      ok: false,
      problem: `"${text}" has ${fraction.length} fractional digits: PostgreSQL keeps microseconds`,
      fix: 'write at most 6 digits after the seconds',
    };
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month))
    return { ok: false, problem: `"${text}" is not a calendar date`, fix: FIX };
  if (hour > 23 || minute > 59 || second > 59)
    return { ok: false, problem: `"${text}" is not a time of day`, fix: FIX };
  const offset = offsetMinutes(m[8]!);
  if (offset === null)
    return {
      ok: false,
      problem: `"${text}" has an impossible UTC offset ${m[8]}`,
      fix: 'offsets run from -15:59 to +15:59',
    };
  const seconds =
    BigInt(daysFromCivil(year, month, day)) * 86_400n +
    BigInt(hour * 3600 + minute * 60 + second) -
    BigInt(offset * 60);
  return { ok: true, micros: seconds * MICROS_PER_SECOND + BigInt(fraction.padEnd(6, '0') || '0') };
}

// "Z", "+02", "+0200", "+02:00" as minutes east of UTC; null when out of range.
function offsetMinutes(zone: string): number | null {
  if (zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  if (hours > 15 || minutes > 59) return null;
  return (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil), in whole numbers.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
