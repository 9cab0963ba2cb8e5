// What a backup records about its source: version, database, system identifier, and where a url source is.
import type pg from 'pg';
import type { SourceRecord } from '../repository/backup-record.ts';
import { keywordsOf, serverOf } from './connection-string.ts';
import type { Source } from './source.ts';

/** The record of `source`; a url source's server comes from its conninfo (which never holds the password). */
export function sourceRecord(source: Source, systemIdentifier: string | null): SourceRecord {
  return {
    kind: source.kind,
    major: source.major,
    serverVersion: source.serverVersion,
    database: source.database,
    ...(systemIdentifier === null ? {} : { systemIdentifier }),
    ...(source.kind === 'url' ? { server: serverOf(keywordsOf(source.conninfo())) } : {}),
  };
}

/** The cluster's system identifier, or null when this role may not read pg_control_system(). */
export async function readSystemIdentifier(client: pg.Client): Promise<string | null> {
  try {
    const { rows } = await client.query<{ sysid: string }>(
      'select system_identifier::text as sysid from pg_control_system()',
    );
    return rows[0]?.sysid ?? null;
  } catch {
    return null;
  }
}
