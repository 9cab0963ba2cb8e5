// A backup role's missing privilege, from what the server refused or reported: the grant that fixes it, as SQL.
import { quoteIdent } from '../expectations/names.ts';

/** A refusal read as a missing privilege: what was refused, and the statements that grant it. */
export interface GrantNeeded {
  refused: string;
  grants: string[];
}

/** The functions a non-exclusive low-level backup calls, by major (renamed in 15). */
export function backupFunctions(major: number): { start: string; stop: string } {
  return major >= 15
    ? { start: 'pg_backup_start(text, boolean)', stop: 'pg_backup_stop(boolean)' }
    : { start: 'pg_start_backup(text, boolean, boolean)', stop: 'pg_stop_backup(boolean, boolean)' };
}

/**
 * The grant that would let `role` read what a dump was refused (`message`: pg_dump's stderr or a server error), or null
 * when the message is not a privilege refusal. pg_read_all_data reads tables, views, sequences and schemas, but neither
 * large objects nor rows hidden by row-level security.
 */
export function dumpGrantFor(message: string, role: string, major: number): GrantNeeded | null {
  const who = quoteIdent(role);
  const rls = /row-level security policy for table "([^"]+)"/.exec(message);
  if (rls)
    return {
      refused: `table ${rls[1]} has row-level security, which pg_dump will not dump partially`,
      grants: [`ALTER ROLE ${who} BYPASSRLS`],
    };
  const largeObject = /permission denied for large object (\d+)/.exec(message);
  if (largeObject) {
    return {
      refused: `large object ${largeObject[1]} is not readable (pg_read_all_data does not cover large objects)`,
      grants: [
        `GRANT SELECT ON LARGE OBJECT ${largeObject[1]} TO ${who} (each large object: SELECT 'GRANT SELECT ON LARGE OBJECT ' || oid || ' TO ${who};' FROM pg_largeobject_metadata)`,
      ],
    };
  }
  const object =
    /permission denied for (table|sequence|schema|view|materialized view|relation|foreign table) ([^\s:]+)/.exec(
      message,
    );
  if (object) {
    const grant =
      major >= 14
        ? `GRANT pg_read_all_data TO ${who}`
        : `GRANT USAGE ON SCHEMA ... and GRANT SELECT ON ALL TABLES/SEQUENCES IN SCHEMA ... TO ${who} (PostgreSQL ${major} has no pg_read_all_data)`;
    return { refused: `${object[1]} ${object[2]} is not readable`, grants: [grant] };
  }
  return null;
}

/** The grant a basebackup role lacks, read from pg_basebackup's refusal, or null. */
export function replicationGrantFor(message: string, role: string): GrantNeeded | null {
  const who = quoteIdent(role);
  if (
    /must be superuser or replication role|permission denied to start WAL sender|REPLICATION attribute/i.test(message)
  ) {
    return { refused: `role ${role} may not start a WAL sender`, grants: [`ALTER ROLE ${who} REPLICATION`] };
  }
  if (/no pg_hba\.conf entry for replication connection/i.test(message)) {
    return {
      refused: `pg_hba.conf has no replication line for ${role}`,
      grants: [`add a pg_hba.conf line such as "host replication ${role} 127.0.0.1/32 scram-sha-256" and reload`],
    };
  }
  return null;
}

/** What a snapshot role holds, as the server says (`has_function_privilege`, `pg_has_role`). */
export interface SnapshotPrivileges {
  superuser: boolean;
  start: boolean;
  stop: boolean;
  /** Member of pg_read_all_settings: data_directory is readable. */
  readAllSettings: boolean;
}

/** Every grant a snapshot role lacks (empty when it may take one): start and stop the backup, and read data_directory. */
export function snapshotGrantsMissing(held: SnapshotPrivileges, role: string, major: number): string[] {
  if (held.superuser) return [];
  const who = quoteIdent(role);
  const fn = backupFunctions(major);
  return [
    ...(held.start ? [] : [`GRANT EXECUTE ON FUNCTION ${fn.start} TO ${who}`]),
    ...(held.stop ? [] : [`GRANT EXECUTE ON FUNCTION ${fn.stop} TO ${who}`]),
    ...(held.readAllSettings ? [] : [`GRANT pg_read_all_settings TO ${who}`]),
  ];
}
