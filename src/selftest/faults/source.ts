// Faults in the source itself, before any backup: a table the backup role cannot read in full.
import { join } from 'node:path';
import type { Fault } from '../fault.ts';
import { LocalRepository } from '../../repository/local-repository.ts';
import { startManagedSource } from '../../source/managed.ts';
import { managedRuntime } from '../../backup/managed/runtime.ts';
import type { Scenario } from '../../scenario/types.ts';
import { RecoverableError } from '../../core/errors.ts';

/** The login role the dump runs as: it reads every table (pg_read_all_data) but is subject to row-level security. */
export const BACKUP_ROLE = 'recoverable_selftest_backup';
const TABLE = 'vault.card_tokens';

// Rows only their owner sees: the backup role may read the table, yet not all of it. It reads everything else,
// large objects included (pg_read_all_data does not cover them).
const HIDE_ROWS = `
create role ${BACKUP_ROLE} login in role pg_read_all_data;
do $$
declare lo oid;
begin
  for lo in select oid from pg_largeobject_metadata loop
    execute format('grant select on large object %s to ${BACKUP_ROLE}', lo);
  end loop;
end $$;
create schema vault;
create table ${TABLE} (id integer primary key, token text not null, owner_name name not null);
insert into ${TABLE} select g, md5(g::text), 'postgres' from generate_series(1, 50) g;
alter table ${TABLE} enable row level security;
create policy owner_only on ${TABLE} using (owner_name = current_user);
`;

// Start the managed source, change it with `sql` as its superuser, then drill a dump of it taken as `role`.
function dumpAs(
  role: string,
  sql: string,
  injected: string,
  label: string,
): Extract<Fault['injection'], { stage: 'source' }> {
  return {
    stage: 'source',
    async drill(base, ctx, run) {
      if (base.source.kind !== 'managed')
        throw new RecoverableError('fault-not-injectable', `${label} needs the managed source to start from`);
      if (ctx.version < 14)
        throw new RecoverableError(
          'fault-not-injectable',
          `${label} needs PostgreSQL 14 or later (the pg_read_all_data role), not ${ctx.version}`,
        );
      const spec = base.source;
      const repository = join(ctx.dir, 'repository');
      const { runtime, dispose } = await managedRuntime(
        base,
        new LocalRepository(repository),
        ['pg_dump', 'pg_dumpall'],
        ctx.log,
      );
      const source = await startManagedSource(spec, runtime, ctx.log, { disposeRuntime: dispose });
      try {
        const client = await source.cluster.connect(spec.database);
        try {
          await client.query(sql);
        } finally {
          await client.end();
        }
        const url = `host=${source.cluster.socketDir} port=${source.cluster.connection.port} user=${role} dbname=${spec.database}`;
        const scenario: Scenario = {
          ...base,
          name: `${base.name}-${label}`,
          source: { kind: 'url', url, markers: false },
          repository,
        };
        return { injected, outcome: await run(scenario) };
      } finally {
        await source.dispose();
      }
    },
  };
}

export const tableUnreadable: Fault = {
  id: 'table-unreadable',
  family: 'source',
  injects: `a table the backup role cannot read in full: ${TABLE} hides its rows from ${BACKUP_ROLE} by row-level security; the dump runs as that role`,
  reason: /row-level security policy for table "card_tokens"/,
  caughtBy: { dump: 'backup' },
  // The dump of a url source runs with this machine's pg_dump.
  environments: ['local'],
  injection: dumpAs(
    BACKUP_ROLE,
    HIDE_ROWS,
    `${TABLE}: 50 rows owned by postgres, row-level security on, dumped as ${BACKUP_ROLE}`,
    'table-unreadable',
  ),
};

/** A backup role granted SELECT schema by schema, with one table left out. */
export const GRANTED_ROLE = 'recoverable_selftest_granted';
const SECRET = 'vault.secret_keys';
const GRANT_ALL_BUT_ONE = `
create role ${GRANTED_ROLE} login;
do $$
declare s name; lo oid;
begin
  for s in select nspname from pg_namespace where nspname !~ '^pg_' and nspname <> 'information_schema' loop
    execute format('grant usage on schema %I to ${GRANTED_ROLE}', s);
    execute format('grant select on all tables in schema %I to ${GRANTED_ROLE}', s);
    execute format('grant select on all sequences in schema %I to ${GRANTED_ROLE}', s);
  end loop;
  for lo in select oid from pg_largeobject_metadata loop
    execute format('grant select on large object %s to ${GRANTED_ROLE}', lo);
  end loop;
end $$;
create schema vault;
grant usage on schema vault to ${GRANTED_ROLE};
create table ${SECRET} (id integer primary key, secret text not null);
insert into ${SECRET} select g, md5(g::text) from generate_series(1, 20) g;
`;

export const tablePermissionDenied: Fault = {
  id: 'table-permission-denied',
  family: 'source',
  injects: `a table the backup role may not read at all: SELECT on ${SECRET} was never granted to ${GRANTED_ROLE}, which reads every other table; the dump runs as that role`,
  reason: /permission denied for table secret_keys/,
  caughtBy: { dump: 'backup' },
  environments: ['local'],
  injection: dumpAs(
    GRANTED_ROLE,
    GRANT_ALL_BUT_ONE,
    `${SECRET}: 20 rows, no SELECT for ${GRANTED_ROLE}, dumped as ${GRANTED_ROLE}`,
    'table-permission-denied',
  ),
};
