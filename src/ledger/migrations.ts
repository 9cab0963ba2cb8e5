// The ledger's schema as data: each migration runs once, in order, inside the transaction that records it.

/** One step of the ledger's schema; `version` only ever grows and a released step is never edited. */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

/** Every schema step, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs with their objectives, phases and check counts',
    sql: `
      create table runs (
        run_id text primary key,
        scenario text not null,
        scenario_sha256 text not null,
        scenario_path text not null,
        started_at text not null,
        finished_at text not null,
        verdict text not null check (verdict in ('passed', 'failed', 'errored')),
        exit_code integer not null,
        summary text not null,
        error_code text,
        backup_id text,
        method text check (method in ('dump', 'basebackup', 'snapshot')),
        backup_taken_at text,
        backup_taken integer check (backup_taken in (0, 1)),
        tool_version text not null,
        recorded_at text not null
      ) strict;
      create index runs_by_scenario on runs (scenario, finished_at);
      create table objectives (
        run_id text not null references runs (run_id) on delete cascade,
        kind text not null check (kind in ('rto', 'rpo')),
        objective_ms integer not null,
        measured_ms integer,
        status text not null check (status in ('passed', 'failed', 'skipped', 'errored')),
        basis text not null,
        primary key (run_id, kind)
      ) strict;
      create table phases (
        run_id text not null references runs (run_id) on delete cascade,
        restore_index integer not null,
        target text not null,
        position integer not null,
        name text not null,
        duration_ms integer not null,
        primary key (run_id, restore_index, position)
      ) strict;
      create table check_counts (
        run_id text not null references runs (run_id) on delete cascade,
        status text not null check (status in ('passed', 'failed', 'skipped', 'errored')),
        count integer not null check (count >= 0),
        primary key (run_id, status)
      ) strict;
    `,
  },
  {
    version: 2,
    description: "runs of external backups (another tool's, drilled by Recoverable)",
    // SQLite cannot alter a CHECK: rebuild runs, children first pointed at the new table (renames follow references).
    sql: `
      create table runs_v2 (
        run_id text primary key,
        scenario text not null,
        scenario_sha256 text not null,
        scenario_path text not null,
        started_at text not null,
        finished_at text not null,
        verdict text not null check (verdict in ('passed', 'failed', 'errored')),
        exit_code integer not null,
        summary text not null,
        error_code text,
        backup_id text,
        method text check (method in ('dump', 'basebackup', 'snapshot', 'external')),
        backup_taken_at text,
        backup_taken integer check (backup_taken in (0, 1)),
        tool_version text not null,
        recorded_at text not null
      ) strict;
      insert into runs_v2 select * from runs;
      create table objectives_v2 (
        run_id text not null references runs_v2 (run_id) on delete cascade,
        kind text not null check (kind in ('rto', 'rpo')),
        objective_ms integer not null,
        measured_ms integer,
        status text not null check (status in ('passed', 'failed', 'skipped', 'errored')),
        basis text not null,
        primary key (run_id, kind)
      ) strict;
      insert into objectives_v2 select * from objectives;
      create table phases_v2 (
        run_id text not null references runs_v2 (run_id) on delete cascade,
        restore_index integer not null,
        target text not null,
        position integer not null,
        name text not null,
        duration_ms integer not null,
        primary key (run_id, restore_index, position)
      ) strict;
      insert into phases_v2 select * from phases;
      create table check_counts_v2 (
        run_id text not null references runs_v2 (run_id) on delete cascade,
        status text not null check (status in ('passed', 'failed', 'skipped', 'errored')),
        count integer not null check (count >= 0),
        primary key (run_id, status)
      ) strict;
      insert into check_counts_v2 select * from check_counts;
      drop table objectives;
      drop table phases;
      drop table check_counts;
      drop table runs;
      alter table runs_v2 rename to runs;
      alter table objectives_v2 rename to objectives;
      alter table phases_v2 rename to phases;
      alter table check_counts_v2 rename to check_counts;
      create index runs_by_scenario on runs (scenario, finished_at);
    `,
  },
];
