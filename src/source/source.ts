// The database that is backed up, as the backup steps see it.
import type pg from 'pg';

export interface Source {
  kind: 'managed' | 'url';
  /** The database pg_dump covers. */
  database: string;
  major: number;
  serverVersion: string;
  /** node-postgres settings (may hold a password: never log this object). */
  clientConfig(database?: string): pg.ClientConfig;
  /** libpq conninfo or URL for tools' `-d`, without the password. */
  conninfo(database?: string): string;
  /** Environment for tools (PGPASSWORD when the source has one). */
  toolEnv(): Record<string, string>;
  /** What to show in logs and reports. */
  describe(): string;
  dispose(): Promise<void>;
}

/** Read the server's version: "15.18" and major 15. */
export async function serverVersion(client: pg.Client): Promise<{ version: string; major: number }> {
  const { rows } = await client.query<{ v: string; n: string }>(
    "select current_setting('server_version') as v, current_setting('server_version_num') as n",
  );
  return { version: rows[0]!.v, major: Math.floor(Number(rows[0]!.n) / 10000) };
}
