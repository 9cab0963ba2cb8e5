// What a url source is and lets its role do, asked of the server once: what `doctor` shows before a drill needs it.
import type pg from 'pg';
import { pgClient } from '../core/pg-client.ts';
import { redactSecrets } from '../core/redact.ts';
import { quoteIdent } from '../expectations/names.ts';
import type { Source } from './source.ts';
import { backupFunctions, snapshotGrantsMissing } from './missing-grant.ts';

/** A backup method and whether the source's role may take it: the grants it lacks, as SQL to run. */
export interface MethodReadiness {
  method: 'dump' | 'basebackup' | 'snapshot' | 'external';
  ready: boolean;
  /** Statements (or configuration changes) that would make it ready. */
  missing: string[];
  /** What the server says that bears on it (tables not readable, archiving off, ...). */
  notes: string[];
}

/** The server's facts and each method's readiness. */
export interface SourcePreflight {
  serverVersion: string;
  major: number;
  database: string;
  role: string;
  superuser: boolean;
  walLevel: string;
  archiveMode: string;
  /** archive_command as set (credentials masked); '' when none. */
  archiveCommand: string;
  databaseBytes: number;
  /** summarize_wal (PostgreSQL 17+, what incremental backups need); absent on older servers. */
  summarizeWal?: string;
  methods: MethodReadiness[];
}

interface RoleFacts {
  role: string;
  superuser: boolean;
  replication: boolean;
  bypassRls: boolean;
  readAllData: boolean;
  readAllSettings: boolean;
  start: boolean;
  stop: boolean;
}

interface ServerFacts {
  walLevel: string;
  /** pg_is_in_recovery(): a standby, whose WAL its primary archives (or itself, with archive_mode = always). */
  inRecovery?: boolean;
  archiveMode: string;
  archiveCommand: string;
  databaseBytes: number;
  /** summarize_wal; '' or absent before PostgreSQL 17. */
  summarizeWal?: string;
  /** Tables, views and sequences the role cannot SELECT (schema-qualified), first ones only. */
  unreadable: string[];
  unreadableCount: number;
  /** Tables with row-level security the role would not see in full. */
  rlsTables: string[];
  /** Large objects the role cannot read. */
  unreadableLargeObjects: number;
}

const SHOWN = 5;

/** Connect as the scenario would and read what each backup method needs (one short session, read-only queries). */
export async function preflightSource(source: Source): Promise<SourcePreflight> {
  const client = pgClient(source.clientConfig());
  await client.connect();
  try {
    const role = await roleFacts(client, source.major);
    const server = await serverFacts(client, role);
    return {
      serverVersion: source.serverVersion,
      major: source.major,
      database: source.database,
      role: role.role,
      superuser: role.superuser,
      walLevel: server.walLevel,
      archiveMode: server.archiveMode,
      archiveCommand: redactSecrets(server.archiveCommand),
      databaseBytes: server.databaseBytes,
      ...(server.summarizeWal ? { summarizeWal: server.summarizeWal } : {}),
      methods: methodReadiness(role, server, source.major),
    };
  } finally {
    await client.end();
  }
}

async function roleFacts(client: pg.Client, major: number): Promise<RoleFacts> {
  const fn = backupFunctions(major);
  // pg_read_all_data exists from 14; before, only a superuser reads everything without per-object grants.
  const readAll = major >= 14 ? "pg_has_role('pg_read_all_data', 'usage')" : 'false';
  const { rows } = await client.query<RoleFacts>(
    `select current_user as role, r.rolsuper as superuser, r.rolreplication as replication, r.rolbypassrls as "bypassRls",
            ${readAll} as "readAllData", pg_has_role('pg_read_all_settings', 'usage') as "readAllSettings",
            has_function_privilege($1, 'execute') as start, has_function_privilege($2, 'execute') as stop
       from pg_roles r where r.rolname = current_user`,
    [fn.start, fn.stop],
  );
  return rows[0]!;
}

async function serverFacts(client: pg.Client, role: RoleFacts): Promise<ServerFacts> {
  const settings = await client.query<{
    wal_level: string;
    archive_mode: string;
    archive_command: string;
    summarize_wal: string;
    bytes: string;
    in_recovery: boolean;
  }>(
    `select current_setting('wal_level') as wal_level, current_setting('archive_mode') as archive_mode, pg_is_in_recovery() as in_recovery,
            coalesce(current_setting('summarize_wal', true), '') as summarize_wal,
            coalesce(current_setting('archive_command', true), '') as archive_command, pg_database_size(current_database()) as bytes`,
  );
  // What pg_dump reads: every table, view, matview and sequence outside the system schemas.
  const unreadable = await client.query<{ name: string; total: string }>(
    `select format('%I.%I', n.nspname, c.relname) as name, count(*) over () as total
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p', 'v', 'm', 'S', 'f') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'
        and not (has_table_privilege(c.oid, 'SELECT') and has_schema_privilege(n.oid, 'USAGE'))
      order by 1 limit ${SHOWN}`,
  );
  const rls =
    role.superuser || role.bypassRls
      ? { rows: [] }
      : await client.query<{ name: string }>(
          `select format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relrowsecurity and c.relkind in ('r', 'p') order by 1 limit ${SHOWN}`,
        );
  // A large object is readable by its owner's members, a grantee of SELECT, or anyone when lo_compat_privileges is on.
  const largeObjects = role.superuser
    ? { rows: [{ n: '0' }] }
    : await client.query<{ n: string }>(
        `select count(*) as n from pg_largeobject_metadata m
      where current_setting('lo_compat_privileges') = 'off' and not pg_has_role(m.lomowner, 'usage')
        and not exists (select 1 from aclexplode(coalesce(m.lomacl, acldefault('L', m.lomowner))) a
                         where a.privilege_type = 'SELECT' and (a.grantee = 0 or pg_has_role(a.grantee, 'usage')))`,
      );
  const s = settings.rows[0]!;
  return {
    walLevel: s.wal_level,
    inRecovery: s.in_recovery,
    archiveMode: s.archive_mode,
    archiveCommand: s.archive_command,
    databaseBytes: Number(s.bytes),
    summarizeWal: s.summarize_wal,
    unreadable: unreadable.rows.map((r) => r.name),
    unreadableCount: Number(unreadable.rows[0]?.total ?? 0),
    rlsTables: rls.rows.map((r) => r.name),
    unreadableLargeObjects: Number(largeObjects.rows[0]!.n),
  };
}

/** Each method's readiness from the role's and the server's facts (pure). */
export function methodReadiness(role: RoleFacts, server: ServerFacts, major: number): MethodReadiness[] {
  const who = quoteIdent(role.role);
  // Dump: read every relation, every large object, every row.
  const dumpMissing: string[] = [];
  const dumpNotes: string[] = [];
  if (server.unreadableCount > 0) {
    dumpNotes.push(
      `${server.unreadableCount} relation(s) not readable: ${server.unreadable.join(', ')}${server.unreadableCount > server.unreadable.length ? ', ...' : ''}`,
    );
    dumpMissing.push(
      major >= 14
        ? `GRANT pg_read_all_data TO ${who}`
        : `GRANT SELECT ON ALL TABLES IN SCHEMA ... TO ${who} (and USAGE on each schema)`,
    );
  }
  if (server.rlsTables.length > 0 && !role.superuser && !role.bypassRls) {
    dumpNotes.push(`row-level security on ${server.rlsTables.join(', ')}: pg_dump will not dump them in part`);
    dumpMissing.push(`ALTER ROLE ${who} BYPASSRLS`);
  }
  if (server.unreadableLargeObjects > 0) {
    dumpNotes.push(
      `${server.unreadableLargeObjects} large object(s) not readable (pg_read_all_data does not cover them)`,
    );
    dumpMissing.push(
      `GRANT SELECT ON LARGE OBJECT <oid> TO ${who} for each (SELECT 'GRANT SELECT ON LARGE OBJECT ' || oid || ' TO ${who};' FROM pg_largeobject_metadata)`,
    );
  }
  // Physical methods: WAL must be archived (replica or higher, archiving on) for a restore to reach a consistent point.
  const walNotes: string[] = [];
  const walMissing: string[] = [];
  if (server.walLevel === 'minimal') walMissing.push("ALTER SYSTEM SET wal_level = 'replica' (restart)");
  // A standby archives nothing with archive_mode = on: its primary's archive_command feeds the repository.
  if (server.inRecovery && server.archiveMode !== 'always')
    walNotes.push(
      "the source is a standby: its primary must archive into the repository (or set archive_mode = 'always' here), and a backup completes only once the primary finishes the stop segment (archive_timeout there, or SELECT pg_switch_wal() there)",
    );
  else if (server.archiveMode === 'off')
    walMissing.push(
      "ALTER SYSTEM SET archive_mode = 'on' (restart) and an archive_command that feeds the repository (recoverable archive-wal %p %f --repository <dir>), or set source.restoreCommand for another tool's archive",
    );
  else if (server.archiveCommand === '')
    walNotes.push('archive_mode is on but archive_command is empty: WAL piles up and is never archived');
  const basebackupMissing = [
    ...(role.superuser || role.replication ? [] : [`ALTER ROLE ${who} REPLICATION`]),
    ...walMissing,
  ];
  const snapshotMissing = [
    ...snapshotGrantsMissing(
      { superuser: role.superuser, start: role.start, stop: role.stop, readAllSettings: role.readAllSettings },
      role.role,
      major,
    ),
    ...walMissing,
    // A snapshot of a standby needs the standby to archive what it replays: its stop does not wait otherwise.
    ...(server.inRecovery && server.archiveMode !== 'always'
      ? ["ALTER SYSTEM SET archive_mode = 'always' (restart) on the standby, and backup.snapshot.allowStandby: true"]
      : []),
  ];
  return [
    { method: 'dump', ready: dumpMissing.length === 0, missing: dumpMissing, notes: dumpNotes },
    {
      method: 'basebackup',
      ready: basebackupMissing.length === 0,
      missing: basebackupMissing,
      notes: [
        ...walNotes,
        ...(role.superuser || role.replication
          ? ['pg_hba.conf must also allow a replication connection for this role (checked when the backup starts)']
          : []),
      ],
    },
    {
      method: 'snapshot',
      ready: snapshotMissing.length === 0,
      missing: snapshotMissing,
      notes: [
        ...walNotes,
        ...(server.inRecovery && server.archiveMode === 'always'
          ? ['the source is a standby archiving its own WAL: set backup.snapshot.allowStandby: true']
          : []),
      ],
    },
  ];
}
