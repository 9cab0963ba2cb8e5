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

/**
 * The pinned settings for a tool's sessions (pg_restore's REFRESH MATERIALIZED VIEW must compute what the capture did):
 * PGOPTIONS wins over database and role settings, and PGTZ/PGDATESTYLE from this process's environment are switched off.
 */
export function pinnedToolEnv(): Record<string, string> {
  const options = Object.entries(PINNED_SETTINGS).map(
    ([name, value]) => `-c ${name}=${value.replace(/\\/g, '\\\\').replace(/ /g, '\\ ')}`,
  );
  return { PGOPTIONS: options.join(' '), PGTZ: 'default', PGDATESTYLE: 'default' };
}
