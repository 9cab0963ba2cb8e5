// Ask the source, before a physical backup starts, whether its role holds what the backup needs; exit 3 naming each grant.
import type pg from 'pg';
import { pgClient } from '../core/pg-client.ts';
import { MissingGrantError } from '../core/errors.ts';
import type { Source } from './source.ts';
import { backupFunctions, replicationGrantFor, snapshotGrantsMissing } from './missing-grant.ts';

/**
 * A basebackup streams through a WAL sender: the role needs REPLICATION (pg_hba.conf must allow it too: see the tool's
 * refusal). Returns the role. Asks over `client` when given (a connection the caller goes on using), else its own.
 */
export async function requireReplication(source: Source, client?: pg.Client): Promise<string> {
  const ask = async (c: pg.Client) => {
    const { rows } = await c.query<{ role: string; replication: boolean }>(
      'select current_user as role, rolsuper or rolreplication as replication from pg_roles where rolname = current_user',
    );
    return rows[0]!;
  };
  const { role, replication } = client ? await ask(client) : await asSource(source, ask);
  if (replication) return role;
  const needed = replicationGrantFor('must be superuser or replication role', role)!;
  throw new MissingGrantError(
    `the backup role ${role} cannot take a basebackup: ${needed.refused}; grant it`,
    needed.grants,
    { hint: `run on the source, as a superuser: ${needed.grants.join('; ')}` },
  );
}

/** A snapshot runs pg_backup_start/pg_backup_stop and reads data_directory: every grant missing, named at once. */
export async function requireSnapshotGrants(source: Source): Promise<void> {
  const fn = backupFunctions(source.major);
  const held = await asSource(source, async (client) => {
    const { rows } = await client.query<{
      role: string;
      superuser: boolean;
      start: boolean;
      stop: boolean;
      settings: boolean;
    }>(
      `select current_user as role, r.rolsuper as superuser, has_function_privilege($1, 'execute') as start, has_function_privilege($2, 'execute') as stop,
              pg_has_role('pg_read_all_settings', 'usage') as settings
         from pg_roles r where r.rolname = current_user`,
      [fn.start, fn.stop],
    );
    return rows[0]!;
  });
  const grants = snapshotGrantsMissing(
    { superuser: held.superuser, start: held.start, stop: held.stop, readAllSettings: held.settings },
    held.role,
    source.major,
  );
  if (grants.length === 0) return;
  throw new MissingGrantError(
    `the backup role ${held.role} cannot take a snapshot backup (it starts and stops the backup and reads data_directory); grant it`,
    grants,
    {
      hint: `run on the source, as a superuser: ${grants.join('; ')}`,
    },
  );
}

// One short connection to the source.
async function asSource<T>(source: Source, body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = pgClient(source.clientConfig());
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}
