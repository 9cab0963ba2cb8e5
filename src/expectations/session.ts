// Recoverable's own sessions: pin the settings that change how values print (on both sides of a comparison), and
// neutralise the ones a database or role may carry that would cancel, end or refuse those sessions.
import type pg from 'pg';
import { SUPPORTED_MAJORS } from '../scenario/managed-major.ts';

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

/** A setting that would break Recoverable's own sessions, the value that makes it harmless, and its first major. */
export interface SessionGuard {
  name: string;
  value: string;
  since: number;
}

/**
 * What ALTER DATABASE/ROLE ... SET may put on every session of a source or of a restored cluster, overridden in
 * Recoverable's own sessions only (the settings themselves are still restored and compared). Each is settable by any
 * role, so a least-privilege source role may send them too.
 */
export const SESSION_GUARDS: readonly SessionGuard[] = [
  // A count, hash or pg_backup_start's checkpoint may take longer than the timeout allows.
  { name: 'statement_timeout', value: '0', since: 9 },
  { name: 'lock_timeout', value: '0', since: 9 },
  // The snapshot's sessions wait in their transaction while pg_dump reads; a snapshot backup's session waits outside one.
  { name: 'idle_in_transaction_session_timeout', value: '0', since: 10 },
  { name: 'idle_session_timeout', value: '0', since: 14 },
  { name: 'transaction_timeout', value: '0', since: 17 },
  // A restore writes, and so do markers on a source and amcheck's extension on a restored database.
  { name: 'default_transaction_read_only', value: 'off', since: 9 },
  // A server in recovery refuses serializable transactions (checks of a recovery target run there).
  { name: 'default_transaction_isolation', value: 'read committed', since: 9 },
  // A role under a row-level security policy would count and hash only the rows it may see: refused, as pg_dump is.
  { name: 'row_security', value: 'off', since: 9 },
];

/** The guards a server of `major` knows (an unknown name in startup options would refuse the connection). */
export function guardsFor(major: number): SessionGuard[] {
  return SESSION_GUARDS.filter((guard) => guard.since <= major);
}

/** A libpq `options` value (`-c name=value ...`), backslash-escaping what libpq would split on. */
export function startupOptions(settings: Readonly<Record<string, string>>): string {
  return Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value.replace(/\\/g, '\\\\').replace(/ /g, '\\ ')}`)
    .join(' ');
}

/** The guards of a server of `major` as startup options: they win over database and role settings from the start. */
export function guardOptions(major: number): string {
  return startupOptions(Object.fromEntries(guardsFor(major).map((guard) => [guard.name, guard.value])));
}

/**
 * Apply the guards this server knows and the pinned settings to this session (inside the current transaction if one
 * is open: a transaction_timeout already running is disarmed too).
 */
export async function pinSession(client: pg.Client): Promise<void> {
  const settings = [
    ...SESSION_GUARDS,
    ...Object.entries(PINNED_SETTINGS).map(([name, value]) => ({ name, value, since: 0 })),
  ];
  await client.query(
    `select pg_catalog.set_config(name, value, false)
       from rows from (pg_catalog.unnest($1::text[]), pg_catalog.unnest($2::text[]), pg_catalog.unnest($3::int[]))
            as setting(name, value, since)
      where since <= pg_catalog.current_setting('server_version_num')::int / 10000`,
    [settings.map((s) => s.name), settings.map((s) => s.value), settings.map((s) => s.since)],
  );
}

/** Quote an identifier for SQL. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The pinned settings and guards for a tool's sessions (pg_restore's REFRESH MATERIALIZED VIEW must compute what the
 * capture did): PGOPTIONS wins over database and role settings, and PGTZ/PGDATESTYLE from this process's environment
 * are switched off. Without `major`, only the guards every supported server knows.
 */
export function pinnedToolEnv(major: number = SUPPORTED_MAJORS.min): Record<string, string> {
  return {
    PGOPTIONS: `${startupOptions(PINNED_SETTINGS)} ${guardOptions(major)}`,
    PGTZ: 'default',
    PGDATESTYLE: 'default',
  };
}
