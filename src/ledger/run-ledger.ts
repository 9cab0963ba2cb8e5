// The run ledger: an SQLite database in the repository that every drill appends to (node:sqlite, WAL journal).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseSync as Database, SQLOutputValue } from 'node:sqlite';
import { EnvironmentError } from '../core/errors.ts';
import { MIGRATIONS } from './migrations.ts';
import type { CheckCounts, LedgerObjective, LedgerPhase, LedgerRun } from './ledger-run.ts';
import type { Streak } from './trends.ts';

/** The ledger's file name inside a repository. */
export const LEDGER_FILE = 'ledger.sqlite';
// Two drills on one repository wait for each other's append rather than fail.
const BUSY_TIMEOUT_MS = 15_000;

type Row = Record<string, SQLOutputValue>;
const { DatabaseSync } = loadSqlite();

/** The ledger of one repository; close it when done (or use {@link RunLedger.with}). */
export class RunLedger implements Disposable {
  readonly path: string;
  readonly #db: Database;

  private constructor(path: string, db: Database) {
    this.path = path;
    this.#db = db;
  }

  /** Open the ledger, run `body` on it (null when there is none and `create` is false), and close it whatever happens. */
  static with<T>(repositoryRoot: string, options: { create: boolean }, body: (ledger: RunLedger | null) => T): T {
    const ledger = RunLedger.open(repositoryRoot, options);
    try {
      return body(ledger);
    } finally {
      ledger?.close();
    }
  }

  /** Open (creating the file and schema when `create`) the ledger of `repositoryRoot`; null when it has none and `create` is false. */
  static open(repositoryRoot: string, options: { create: boolean }): RunLedger | null {
    const path = join(repositoryRoot, LEDGER_FILE);
    if (!options.create && !existsSync(path)) return null;
    return guarded(path, 'open', () => {
      if (options.create) mkdirSync(repositoryRoot, { recursive: true, mode: 0o755 });
      const db = new DatabaseSync(path, { enableForeignKeyConstraints: true, timeout: BUSY_TIMEOUT_MS });
      try {
        db.exec(`pragma busy_timeout = ${BUSY_TIMEOUT_MS}`);
        db.exec('pragma journal_mode = wal');
        migrate(db, path);
      } catch (error) {
        db.close();
        throw error;
      }
      return new RunLedger(path, db);
    });
  }

  /** The schema version the file is at. */
  schemaVersion(): number {
    return Number(this.#db.prepare('select coalesce(max(version), 0) as v from schema_migrations').get()?.v ?? 0);
  }

  /** Append one run with its objectives, phases and check counts, all or nothing. */
  append(run: LedgerRun): void {
    guarded(this.path, 'append to', () => transaction(this.#db, () => insertRun(this.#db, run)));
  }

  /** The last `limit` runs, newest first; of one scenario, or of all. */
  recent(scenario: string | null, limit: number): LedgerRun[] {
    return guarded(this.path, 'read', () => {
      const rows =
        scenario === null
          ? this.#db.prepare('select * from runs order by finished_at desc, run_id desc limit ?').all(limit)
          : this.#db
              .prepare('select * from runs where scenario = ? order by finished_at desc, run_id desc limit ?')
              .all(scenario, limit);
      return rows.map((row) => this.#hydrate(row));
    });
  }

  /** The newest passing run of a scenario, or null when it never passed. */
  lastPassed(scenario: string): LedgerRun | null {
    return guarded(this.path, 'read', () => {
      const row = this.#db
        .prepare(
          "select * from runs where scenario = ? and verdict = 'passed' order by finished_at desc, run_id desc limit 1",
        )
        .get(scenario);
      return row ? this.#hydrate(row) : null;
    });
  }

  /** The newest run's verdict and how many runs in a row, back from it, ended with it (however many there are); null for none. */
  streak(scenario: string): Streak | null {
    return guarded(this.path, 'read', () => {
      let streak: Streak | null = null;
      for (const row of this.#db
        .prepare('select verdict from runs where scenario = ? order by finished_at desc, run_id desc')
        .iterate(scenario)) {
        const verdict = text(row.verdict) as Streak['verdict'];
        if (streak === null) streak = { verdict, count: 0 };
        else if (verdict !== streak.verdict) break;
        streak.count += 1;
      }
      return streak;
    });
  }

  /** Every scenario that has a run in the ledger, by name. */
  scenarios(): string[] {
    return guarded(this.path, 'read', () =>
      this.#db
        .prepare('select distinct scenario from runs order by scenario')
        .all()
        .map((r) => text(r.scenario)),
    );
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #hydrate(row: Row): LedgerRun {
    const runId = text(row.run_id);
    const objectives = this.#db
      .prepare('select * from objectives where run_id = ? order by kind desc')
      .all(runId)
      .map(objectiveOfRow);
    const phases = this.#db
      .prepare('select * from phases where run_id = ? order by restore_index, position')
      .all(runId)
      .map(phaseOfRow);
    const counts: CheckCounts = { passed: 0, failed: 0, skipped: 0, errored: 0 };
    for (const c of this.#db.prepare('select status, count from check_counts where run_id = ?').all(runId))
      counts[text(c.status) as keyof CheckCounts] = Number(c.count);
    const backupId = nullableText(row.backup_id);
    return {
      runId,
      scenario: text(row.scenario),
      scenarioSha256: text(row.scenario_sha256),
      scenarioPath: text(row.scenario_path),
      startedAt: text(row.started_at),
      finishedAt: text(row.finished_at),
      verdict: text(row.verdict) as LedgerRun['verdict'],
      exitCode: Number(row.exit_code),
      summary: text(row.summary),
      errorCode: nullableText(row.error_code),
      backup:
        backupId === null
          ? null
          : {
              id: backupId,
              method: text(row.method) as NonNullable<LedgerRun['backup']>['method'],
              takenAt: text(row.backup_taken_at),
              taken: Number(row.backup_taken) === 1,
            },
      toolVersion: text(row.tool_version),
      objectives,
      phases,
      checkCounts: counts,
    };
  }
}

// Apply every migration the file lacks, each in its own immediate transaction (a second process waits, then sees it done).
function migrate(db: Database, path: string): void {
  db.exec(
    'create table if not exists schema_migrations (version integer primary key, description text not null, applied_at text not null) strict',
  );
  const newest = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
  for (const migration of MIGRATIONS) {
    transaction(db, () => {
      if (db.prepare('select 1 from schema_migrations where version = ?').get(migration.version)) return;
      db.exec(migration.sql);
      db.prepare('insert into schema_migrations (version, description, applied_at) values (?, ?, ?)').run(
        migration.version,
        migration.description,
        new Date().toISOString(),
      );
    });
  }
  const at = Number(db.prepare('select coalesce(max(version), 0) as v from schema_migrations').get()?.v ?? 0);
  if (at > newest) {
    throw new EnvironmentError(
      'ledger-too-new',
      `the run ledger ${path} is at schema version ${at}, newer than this recoverable knows (${newest})`,
      { hint: 'upgrade recoverable to read this repository' },
    );
  }
}

function insertRun(db: Database, run: LedgerRun): void {
  db.prepare(
    `insert into runs (run_id, scenario, scenario_sha256, scenario_path, started_at, finished_at, verdict, exit_code, summary, error_code,
       backup_id, method, backup_taken_at, backup_taken, tool_version, recorded_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    run.runId,
    run.scenario,
    run.scenarioSha256,
    run.scenarioPath,
    run.startedAt,
    run.finishedAt,
    run.verdict,
    run.exitCode,
    run.summary,
    run.errorCode,
    run.backup?.id ?? null,
    run.backup?.method ?? null,
    run.backup?.takenAt ?? null,
    run.backup ? (run.backup.taken ? 1 : 0) : null,
    run.toolVersion,
    new Date().toISOString(),
  );
  const objective = db.prepare(
    'insert into objectives (run_id, kind, objective_ms, measured_ms, status, basis) values (?, ?, ?, ?, ?, ?)',
  );
  for (const o of run.objectives)
    objective.run(
      run.runId,
      o.kind,
      Math.round(o.objectiveMs),
      o.measuredMs === null ? null : Math.round(o.measuredMs),
      o.status,
      o.basis,
    );
  const phase = db.prepare(
    'insert into phases (run_id, restore_index, target, position, name, duration_ms) values (?, ?, ?, ?, ?, ?)',
  );
  run.phases.forEach((p, position) =>
    phase.run(run.runId, p.restoreIndex, p.target, position, p.name, Math.round(p.durationMs)),
  );
  const count = db.prepare('insert into check_counts (run_id, status, count) values (?, ?, ?)');
  for (const [status, n] of Object.entries(run.checkCounts)) count.run(run.runId, status, n);
}

// An immediate transaction takes the write lock up front, so concurrent appends queue on busy_timeout instead of deadlocking.
function transaction(db: Database, body: () => void): void {
  db.exec('begin immediate');
  try {
    body();
    db.exec('commit');
  } catch (error) {
    if (db.isTransaction) db.exec('rollback');
    throw error;
  }
}

// SQLite's own errors become environment errors naming the file; ours pass through.
function guarded<T>(path: string, verb: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof EnvironmentError) throw error;
    throw new EnvironmentError(
      'ledger-unavailable',
      `could not ${verb} the run ledger ${path}: ${(error as Error).message}`,
      {
        cause: error,
        hint: 'check that the repository directory is writable and on a local filesystem (SQLite needs working file locks)',
      },
    );
  }
}

function objectiveOfRow(row: Row): LedgerObjective {
  return {
    kind: text(row.kind) as LedgerObjective['kind'],
    objectiveMs: Number(row.objective_ms),
    measuredMs: row.measured_ms === null ? null : Number(row.measured_ms),
    status: text(row.status) as LedgerObjective['status'],
    basis: text(row.basis),
  };
}

function phaseOfRow(row: Row): LedgerPhase {
  return {
    restoreIndex: Number(row.restore_index),
    target: text(row.target),
    name: text(row.name),
    durationMs: Number(row.duration_ms),
  };
}

function text(value: SQLOutputValue | undefined): string {
  if (typeof value !== 'string')
    throw new EnvironmentError(
      'ledger-damaged',
      `the ledger holds ${value === null ? 'null' : typeof value} where text belongs`,
    );
  return value;
}

function nullableText(value: SQLOutputValue | undefined): string | null {
  return value === null || value === undefined ? null : text(value);
}

// Node 22 marks node:sqlite experimental and warns once on load; only that warning is dropped, every other one still shows.
function loadSqlite(): typeof import('node:sqlite') {
  const emit = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]): void {
    const text = typeof warning === 'string' ? warning : warning.message;
    const options = rest[0];
    const type = typeof options === 'string' ? options : (options as { type?: string } | undefined)?.type;
    if (type === 'ExperimentalWarning' && text.startsWith('SQLite is an experimental feature')) return;
    (emit as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return process.getBuiltinModule('node:sqlite');
  } finally {
    process.emitWarning = emit;
  }
}
