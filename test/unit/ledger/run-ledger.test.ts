import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { execa } from 'execa';
import { EnvironmentError } from '../../../src/core/errors.ts';
import { ledgerRunOf } from '../../../src/ledger/ledger-run.ts';
import { exitCodeOf } from '../../../src/cli/exit-code.ts';
import { LEDGER_FILE, RunLedger } from '../../../src/ledger/run-ledger.ts';
import { MIGRATIONS } from '../../../src/ledger/migrations.ts';
import { NODE } from '../../helpers/cli.ts';
import { failingResult, passingResult } from '../report/sample-result.ts';
import { ledgerRun } from './sample-runs.ts';

async function withRepository(body: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'recoverable-ledger-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a run comes back as it was appended: objectives, phases and check counts', () =>
  withRepository((dir) => {
    const run = ledgerRunOf(failingResult(), 1);
    {
      using ledger = RunLedger.open(dir, { create: true })!;
      ledger.append(run);
    }
    using again = RunLedger.open(dir, { create: false })!;
    assert.deepEqual(again.recent(run.scenario, 10), [run]);
    assert.ok(run.phases.length > 0 && run.objectives.length > 0, 'the sample carries phases and objectives');
    assert.ok(run.checkCounts.failed > 0, 'the sample carries failed checks');
  }));

test('the ledger is in WAL mode, at the newest schema version, migrated once', () =>
  withRepository((dir) => {
    RunLedger.open(dir, { create: true })!.close();
    using ledger = RunLedger.open(dir, { create: true })!;
    assert.equal(ledger.schemaVersion(), 2);
    const db = new DatabaseSync(join(dir, LEDGER_FILE));
    try {
      assert.equal(db.prepare('pragma journal_mode').get()?.journal_mode, 'wal');
      assert.equal(db.prepare('select count(*) as n from schema_migrations').get()?.n, 2);
    } finally {
      db.close();
    }
  }));

test('opening without create finds no ledger and makes no file', () =>
  withRepository((dir) => {
    assert.equal(RunLedger.open(dir, { create: false }), null);
    assert.equal(existsSync(join(dir, LEDGER_FILE)), false);
  }));

test('a ledger written by a newer schema is refused, naming both versions', () =>
  withRepository((dir) => {
    RunLedger.open(dir, { create: true })!.close();
    const db = new DatabaseSync(join(dir, LEDGER_FILE));
    db.exec("insert into schema_migrations values (7, 'from the future', '2030-01-01T00:00:00Z')");
    db.close();
    assert.throws(
      () => RunLedger.open(dir, { create: false }),
      (e: unknown) =>
        e instanceof EnvironmentError &&
        e.code === 'ledger-too-new' &&
        /schema version 7, newer than this recoverable knows \(2\)/.test(e.message),
    );
  }));

test('a file that is not an SQLite database is an environment error naming it', () =>
  withRepository(async (dir) => {
    await writeFile(join(dir, LEDGER_FILE), 'these are not the runs you are looking for'.repeat(100));
    assert.throws(
      () => RunLedger.open(dir, { create: false }),
      (e: unknown) =>
        e instanceof EnvironmentError &&
        e.code === 'ledger-unavailable' &&
        exitCodeOf(e.category) === 3 &&
        e.message.includes(join(dir, LEDGER_FILE)) &&
        /not a database/.test(e.message),
    );
  }));

test("check counts cover run-level and every restore's checks", () => {
  const result = failingResult();
  const all = [...result.checks, ...result.restores.flatMap((r) => r.checks)];
  const counts = ledgerRunOf(result, 1).checkCounts;
  for (const status of ['passed', 'failed', 'skipped', 'errored'] as const)
    assert.equal(counts[status], all.filter((c) => c.status === status).length, status);
  assert.ok(
    result.checks.length > 0 && result.restores.length > 1,
    'the sample has run-level checks and more than one restore',
  );
});

test('an append is all or nothing: a bad objective leaves no run behind', () =>
  withRepository((dir) => {
    using ledger = RunLedger.open(dir, { create: true })!;
    const bad = ledgerRun({
      runId: 'r1',
      finishedAt: '2026-01-01T00:00:00.000Z',
      objectives: [{ kind: 'rto', objectiveMs: 1, measuredMs: 2, status: 'bogus' as 'failed', basis: 'x' }],
    });
    assert.throws(
      () => ledger.append(bad),
      (e: unknown) =>
        e instanceof EnvironmentError && e.code === 'ledger-unavailable' && /CHECK constraint failed/.test(e.message),
    );
    assert.deepEqual(ledger.recent(null, 10), []);
    // The same run id twice is refused too, and the first copy stays.
    const good = ledgerRun({ runId: 'r2', finishedAt: '2026-01-01T00:00:00.000Z' });
    ledger.append(good);
    assert.throws(() => ledger.append({ ...good, verdict: 'failed' }), /UNIQUE constraint failed/);
    assert.deepEqual(ledger.recent(null, 10), [good]);
  }));

test('the last pass survives later failures; scenarios stay apart', () =>
  withRepository((dir) => {
    using ledger = RunLedger.open(dir, { create: true })!;
    ledger.append(ledgerRun({ runId: 'a', finishedAt: '2026-01-01T00:00:00.000Z' }));
    ledger.append(ledgerRun({ runId: 'b', finishedAt: '2026-01-02T00:00:00.000Z' }));
    ledger.append(ledgerRun({ runId: 'c', finishedAt: '2026-01-03T00:00:00.000Z', verdict: 'failed', exitCode: 1 }));
    ledger.append(ledgerRun({ runId: 'x', finishedAt: '2026-01-04T00:00:00.000Z', scenario: 'other' }));
    assert.equal(ledger.lastPassed('nightly')?.runId, 'b');
    assert.deepEqual(
      ledger.recent('nightly', 10).map((r) => r.runId),
      ['c', 'b', 'a'],
    );
    assert.deepEqual(
      ledger.recent('nightly', 2).map((r) => r.runId),
      ['c', 'b'],
    );
    assert.deepEqual(
      ledger.recent(null, 10).map((r) => r.runId),
      ['x', 'c', 'b', 'a'],
    );
    assert.deepEqual(ledger.scenarios(), ['nightly', 'other']);
    assert.equal(ledger.lastPassed('never'), null);
  }));

test('the streak counts back from the newest run to the first other verdict, beyond any window', () =>
  withRepository((dir) => {
    using ledger = RunLedger.open(dir, { create: true })!;
    assert.equal(ledger.streak('nightly'), null);
    const at = (i: number): string => new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
    ledger.append(ledgerRun({ runId: 'old-pass', finishedAt: at(0) }));
    ledger.append(ledgerRun({ runId: 'fail', finishedAt: at(1), verdict: 'failed' }));
    for (let i = 2; i < 52; i++) ledger.append(ledgerRun({ runId: `pass-${i}`, finishedAt: at(i) }));
    ledger.append(ledgerRun({ runId: 'elsewhere', finishedAt: at(60), scenario: 'other', verdict: 'errored' }));
    assert.deepEqual(ledger.streak('nightly'), { verdict: 'passed', count: 50 });
    ledger.append(ledgerRun({ runId: 'err', finishedAt: at(70), verdict: 'errored' }));
    assert.deepEqual(ledger.streak('nightly'), { verdict: 'errored', count: 1 });
  }));

test('no password reaches the ledger file, in any form a message may quote it', () =>
  withRepository((dir) => {
    const secret = 'hunter2-S3cret';
    const result = passingResult({
      summary: `restored from postgresql://app:${secret}@db.example/app; conninfo password=${secret} sslmode=require`,
      error: { code: 'x', message: `PGPASSWORD=${secret} pg_dump failed`, hint: `"password": "${secret}"` },
      scenario: { name: 'nightly', path: `/srv/postgres://u:${secret}@h/s.yaml`, sha256: 'f'.repeat(64) },
    });
    {
      using ledger = RunLedger.open(dir, { create: true })!;
      ledger.append(ledgerRunOf(result, 0));
      const [stored] = ledger.recent('nightly', 1);
      assert.match(stored!.summary, /postgresql:\/\/app:\*\*\*@db\.example/);
    }
    for (const file of [LEDGER_FILE, `${LEDGER_FILE}-wal`]) {
      const path = join(dir, file);
      if (existsSync(path)) assert.equal(readFileSync(path).includes(secret), false, `${file} holds the password`);
    }
  }));

test('two processes appending to one ledger at once both land every run', () =>
  withRepository(async (dir) => {
    const script = join(dir, 'append.ts');
    const ledgerModule = new URL('../../../src/ledger/run-ledger.ts', import.meta.url).pathname;
    const sample = new URL('./sample-runs.ts', import.meta.url).pathname;
    await writeFile(
      script,
      `import { RunLedger } from ${JSON.stringify(ledgerModule)};
import { ledgerRun } from ${JSON.stringify(sample)};
const [repo, who] = process.argv.slice(2);
for (let i = 0; i < 40; i++) {
  using ledger = RunLedger.open(repo, { create: true });
  ledger.append(ledgerRun({ runId: who + '-' + i, finishedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() }));
}
`,
    );
    const children = ['p', 'q'].map((who) => execa(NODE, [script, dir, who], { reject: false }));
    for (const child of await Promise.all(children)) assert.equal(child.exitCode, 0, child.stderr);
    using ledger = RunLedger.open(dir, { create: false })!;
    const runs = ledger.recent('nightly', 1000);
    assert.equal(runs.length, 80);
    assert.equal(new Set(runs.map((r) => r.runId)).size, 80);
  }));

test('a ledger at schema 1 migrates to 2 keeping its runs, and then records runs of external backups', () =>
  withRepository((dir) => {
    const old = ledgerRunOf(failingResult(), 1);
    // A schema-1 ledger as an older recoverable left it.
    const db = new DatabaseSync(join(dir, LEDGER_FILE));
    db.exec(
      'create table schema_migrations (version integer primary key, description text not null, applied_at text not null) strict',
    );
    db.exec(MIGRATIONS[0]!.sql);
    db.prepare('insert into schema_migrations values (1, ?, ?)').run(
      MIGRATIONS[0]!.description,
      '2026-01-01T00:00:00Z',
    );
    db.close();
    {
      using ledger = RunLedger.open(dir, { create: false })!;
      assert.throws(
        () => {
          const raw = new DatabaseSync(join(dir, LEDGER_FILE));
          try {
            raw
              .prepare(
                "insert into runs (run_id, scenario, scenario_sha256, scenario_path, started_at, finished_at, verdict, exit_code, summary, method, tool_version, recorded_at) values ('x', 's', 'h', 'p', 't', 't', 'passed', 0, '', 'tape', 'v', 't')",
              )
              .run();
          } finally {
            raw.close();
          }
        },
        /CHECK constraint failed/,
        'the method is still checked',
      );
      ledger.append(old);
      const external = { ...ledgerRunOf(passingResult(), 0), runId: 'external-run' };
      external.backup = { ...external.backup!, method: 'external' };
      ledger.append(external);
      assert.equal(ledger.schemaVersion(), 2);
      assert.deepEqual(
        ledger.recent(old.scenario, 10).find((r) => r.runId === old.runId),
        old,
        'the schema-1 run reads back whole',
      );
      assert.deepEqual(
        ledger.recent(external.scenario, 10).find((r) => r.runId === 'external-run')?.backup?.method,
        'external',
      );
    }
    // Child rows still belong to their run: deleting a run removes its phases (the references followed the rebuild).
    const after = new DatabaseSync(join(dir, LEDGER_FILE));
    try {
      assert.ok(Number(after.prepare('select count(*) as n from phases where run_id = ?').get(old.runId)?.n) > 0);
      after.prepare('delete from runs where run_id = ?').run(old.runId);
      assert.equal(Number(after.prepare('select count(*) as n from phases where run_id = ?').get(old.runId)?.n), 0);
    } finally {
      after.close();
    }
  }));
