// Pin the session settings that change how values print, on both sides of a comparison.
import type pg from 'pg';

/** Settings that change text output of rows (and so fingerprints). */
export const PINNED_SETTINGS: Readonly<Record<string, string>> = {
  TimeZone: 'UTC',
  DateStyle: 'ISO, YMD',
  IntervalStyle: 'postgres',
  extra_float_digits: '1',
  bytea_output: 'hex',
  lc_monetary: 'C',
  standard_conforming_strings: 'on',
};

/** Apply the pinned settings to this session (inside the current transaction if one is open). */
export async function pinSession(client: pg.Client): Promise<void> {
  for (const [name, value] of Object.entries(PINNED_SETTINGS)) {
    await client.query('select set_config($1, $2, false)', [name, value]);
  }
}

/** Quote an identifier for SQL. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
