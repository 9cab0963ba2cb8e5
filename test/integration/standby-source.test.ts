// A streaming standby as the url source of a basebackup: WAL cannot be switched there, so the backup waits for the
// primary to finish and archive its stop segment, and fails by name (exit 3) when the primary never does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli } from '../helpers/cli.ts';
import { checkIn, latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { sourceCluster } from '../helpers/source-cluster.ts';
import { caughtUp, standbyCluster } from '../helpers/standby-cluster.ts';
import { EnvironmentError, errorCodes } from '../../src/core/errors.ts';
import { openUrlSource } from '../../src/source/url.ts';
import { switchWal } from '../../src/source/wal-switch.ts';
import { preflightSource } from '../../src/source/preflight.ts';
import type { Source } from '../../src/source/source.ts';
import { systemIdentifier } from '../../src/source/managed.ts';
import { archiveCommand } from '../../src/source/archive-command.ts';
import { confValue } from '../../src/restore/recovery-config.ts';
import type { Cluster } from '../../src/env/cluster.ts';
import type { BackupRecord } from '../../src/repository/backup-record.ts';
import type { RunResult } from '../../src/run/result.ts';

let ws: Workspace;
let repository: string;
let primary: Cluster;
let standby: Cluster;
let standbyUrl: string;
let rows = 0;
let committedBefore = 0;

before(async () => {
  ws = await workspace();
  repository = join(ws.dir, 'repo');
  // The primary archives into the repository through Recoverable's own archive command; the standby archives nothing.
  primary = (await sourceCluster(repository)).cluster;
  const client = await primary.connect();
  try {
    await client.query('create table t (id int primary key, v text)');
    // Written to (outside the checked table) when a test makes the primary finish a segment.
    await client.query('create table beat (at timestamptz default now())');
  } finally {
    await client.end();
  }
  ({ cluster: standby, url: standbyUrl } = await standbyCluster(primary, { hot_standby: 'on' }));
});

after(async () => {
  await standby?.dispose();
  await primary?.dispose();
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary cluster left behind');
  assert.deepEqual(ws.leftoverProcesses(), [], 'no server left running');
  await ws.dispose();
});

// Rows and a checkpoint on the primary, replayed by the standby: its next backup stops inside the primary's current
// segment, which reaches the archive only once the primary switches away from it.
async function writeOnPrimary(count: number): Promise<void> {
  const client = await primary.connect();
  try {
    await client.query('insert into t select g, md5(g::text) from generate_series($1::int + 1, $1::int + $2::int) g', [
      rows,
      count,
    ]);
    await client.query('checkpoint');
    const { rows: at } = await client.query<{ offset: string }>(
      "select (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint % 16777216 as offset",
    );
    assert.notEqual(Number(at[0]!.offset), 0, 'the primary stands inside a segment');
  } finally {
    await client.end();
  }
  rows += count;
  await caughtUp(primary, standby);
}

async function drill(
  name: string,
  backup: string,
  whileRunning?: (running: Promise<unknown>) => Promise<void>,
): Promise<{ exitCode: number; output: string; result: RunResult | null; ms: number }> {
  const file = await ws.scenario(
    `${name}.yaml`,
    `name: ${name}
source: { url: "${standbyUrl}" }
repository: ${repository}
backup: ${backup}
restore:
  targets:
    - { immediate: true, checks: [{ sql: { query: "select count(*) from t", expect: ${rows} } }] }
    - { latest: true, checks: [{ sql: { query: "select count(*) from t", expect: ${rows} } }] }
checks: [amcheck]
report: { dir: ${ws.dir}/reports-${name}, formats: [json] }
`,
  );
  const started = performance.now();
  const running = cli(['drill', file], { cwd: ws.dir, env: ws.env });
  const helper = whileRunning?.(running);
  const run = await running;
  await helper;
  const ms = performance.now() - started;
  const result = existsSync(join(ws.dir, `reports-${name}`))
    ? await latestResult(join(ws.dir, `reports-${name}`), name)
    : null;
  return { exitCode: run.exitCode, output: run.stdout + run.stderr, result, ms };
}

// Committed backups of the repository (staging directories start with a dot).
async function committed(): Promise<string[]> {
  const dir = join(repository, 'backups');
  return existsSync(dir) ? (await readdir(dir)).filter((n) => !n.startsWith('.')) : [];
}

// Whether a staged backup holds `file` yet: data/backup_manifest once pg_basebackup is done, label/backup_label once a
// snapshot's stop returned; from then on the backup waits for the archive.
async function staged(file: string): Promise<boolean> {
  const dir = join(repository, 'backups');
  if (!existsSync(dir)) return false;
  for (const n of await readdir(dir)) if (n.startsWith('.') && existsSync(join(dir, n, file))) return true;
  return false;
}

// While a drill runs: once the backup waits for the archive (`file` staged) and has waited 4 s, the primary writes and
// switches WAL each second until the backup is committed, so the standby's stop segment (the one after a boundary stop
// too) is finished and archived only then.
function primaryFinishesLater(file: string): (running: Promise<unknown>) => Promise<void> {
  return async (running) => {
    let settled = false;
    void running.finally(() => (settled = true));
    while (!settled && !(await staged(file))) await sleep(100);
    if (settled) return;
    await sleep(4_000);
    const client = await primary.connect();
    try {
      while (!settled && (await committed()).length === committedBefore) {
        await client.query('insert into beat default values');
        await client.query('select pg_switch_wal()');
        await sleep(1_000);
      }
    } finally {
      await client.end();
    }
  };
}

test('a standby whose primary never finishes the stop segment fails within backup.archiveTimeout by name (exit 3), never asked to switch WAL', async () => {
  await writeOnPrimary(500);
  const { exitCode, output, result, ms } = await drill('standby-stalled', '{ method: basebackup, archiveTimeout: 6s }');
  assert.equal(exitCode, 3, output.slice(-3000));
  assert.equal(result?.verdict, 'errored', output.slice(-3000));
  assert.equal(result.error?.code, 'standby-wal-unarchived', JSON.stringify(result.error));
  assert.match(
    result.error.message,
    /stop segment [0-9A-F]{24} never reached the archive in 6 s: the source is a standby/,
  );
  const hint = result.error.hint ?? errorCodes['standby-wal-unarchived'].hint;
  assert.match(hint, /`SELECT pg_switch_wal\(\)` there/);
  assert.match(hint, /archive_timeout on the primary/);
  assert.match(hint, /archive_mode = always on the standby/);
  assert.doesNotMatch(output, /internal/);
  assert.match(output, /a standby/);
  assert.match(output, /where WAL cannot be switched: waiting up to 6 s/);
  // The wait, not pg_basebackup or a hang, decided the time: 6 s of it within a drill that starts and copies a cluster.
  assert.ok(ms < 60_000, `the drill took ${Math.round(ms)} ms`);
  assert.deepEqual(await committed(), [], 'no backup recorded');
  // Asked on a standby, pg_switch_wal() would have left its error in the standby's log.
  assert.doesNotMatch(await standby.readLog(), /recovery is in progress/);
});

test('a standby is backed up and drilled to immediate and latest once its primary switches WAL; the record says it came from a standby', async () => {
  await writeOnPrimary(700);
  committedBefore = (await committed()).length;
  const { exitCode, output, result } = await drill(
    'standby-drill',
    '{ method: basebackup }',
    primaryFinishesLater('data/backup_manifest'),
  );
  assert.equal(exitCode, 0, output.slice(-3000));
  assert.equal(result?.verdict, 'passed');
  assert.match(output, /where WAL cannot be switched: waiting up to 300 s/);
  const [id] = await committed();
  const record = JSON.parse(await readFile(join(repository, 'backups', id!, 'backup.json'), 'utf8')) as BackupRecord;
  assert.equal(record.physical?.fromStandby, true);
  assert.ok(record.physical?.hazards.includes('standby.signal'), String(record.physical?.hazards));
  assert.ok(existsSync(join(repository, 'wal', record.physical.systemIdentifier, record.physical.stopSegment)));
  // A standby's backup carries its standby.signal by nature: removed for the restore, not held against the backup.
  const signal = checkIn(result, 'backup:standby-signal');
  assert.equal(signal.status, 'passed', signal.message);
  assert.equal(signal.expected, 'present (standby source)');
  assert.equal(result.restores.length, 2);
  for (const restore of result.restores)
    for (const check of restore.checks) assert.notEqual(check.status, 'failed', `${check.id}: ${check.message}`);
  assert.doesNotMatch(await standby.readLog(), /recovery is in progress/);
});

test('a WAL switch is asked of a primary only: a standby is recognised and spared the call, a refused privilege waits, anything else is named', async () => {
  const onPrimary = await openUrlSource(primary.conninfo());
  const onStandby = await openUrlSource(standbyUrl);
  const admin = await primary.connect();
  try {
    const before = (await admin.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn')).rows[0]!.lsn;
    await admin.query('insert into t values (-1, $1)', ['written so a switch has something to end']);
    assert.equal(await switchWal(onPrimary), 'switched');
    const after = (
      await admin.query<{ crossed: boolean }>(
        "select pg_current_wal_lsn() - $1::pg_lsn >= 0 and (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint % 16777216 = 0 as crossed",
        [before],
      )
    ).rows[0]!;
    assert.equal(after.crossed, true, 'the primary ended its segment');
    assert.equal(await switchWal(onStandby), 'in-recovery');
    assert.doesNotMatch(await standby.readLog(), /recovery is in progress/);
    // A role without EXECUTE on pg_switch_wal() (the default for non-superusers) is refused, and the wait goes on.
    await admin.query('create role plain login');
    const asPlain = await openUrlSource(
      `host='${primary.socketDir}' port=${primary.connection.port} user=plain dbname=postgres`,
    );
    await caughtUp(primary, standby);
    const plainOnStandby = await openUrlSource(
      `host='${standby.socketDir}' port=${standby.connection.port} user=plain dbname=postgres`,
    );
    try {
      assert.equal(await switchWal(asPlain), 'not-permitted');
      // On a standby the same role is known for what the server is, not for the privilege it lacks.
      assert.equal(await switchWal(plainOnStandby), 'in-recovery');
    } finally {
      await asPlain.dispose();
      await plainOnStandby.dispose();
    }
    await admin.query('delete from t where id = -1');
  } finally {
    await admin.end();
    await onPrimary.dispose();
    await onStandby.dispose();
  }
  // Any other failure is a named error with the server's words and a hint, never an internal one.
  const gone = await openUrlSource(primary.conninfo());
  const missingDb = {
    describe: () => 'the primary',
    clientConfig: () => ({ ...gone.clientConfig(), database: 'no_such_database' }),
  } as unknown as Source;
  try {
    await assert.rejects(switchWal(missingDb), (error: unknown) => {
      assert.ok(error instanceof EnvironmentError, String(error));
      assert.equal(error.code, 'wal-switch-failed');
      assert.match(error.message, /could not switch WAL .*no_such_database.*\(SQLSTATE 3D000\)/);
      assert.match(error.hint ?? '', /pg_switch_wal\(\) failed/);
      return true;
    });
  } finally {
    await gone.dispose();
  }
});

test('a snapshot of a standby that archives its own WAL (archive_mode = always) waits for the archive without switching WAL there, and drills', async () => {
  const system = await systemIdentifier(primary);
  const { cluster: archiving, url } = await standbyCluster(primary, {
    hot_standby: 'on',
    archive_mode: 'always',
    archive_command: confValue(archiveCommand(repository, system)),
  });
  try {
    await writeOnPrimary(300);
    // Ended by a switch, the standby's replay (and so its backup's stop point) sits on a segment boundary: the stop
    // segment is the next one, which the primary finishes only later.
    const client = await primary.connect();
    try {
      await client.query('select pg_switch_wal()');
    } finally {
      await client.end();
    }
    await caughtUp(primary, archiving);
    const before = await committed();
    committedBefore = before.length;
    const file = await ws.scenario(
      'standby-snapshot.yaml',
      `name: standby-snapshot
source: { url: "${url}" }
repository: ${repository}
backup: { method: snapshot, snapshot: { driver: copy, allowStandby: true }, archiveTimeout: 60s }
restore:
  targets:
    - { immediate: true, checks: [{ sql: { query: "select count(*) from t", expect: ${rows} } }] }
checks: [amcheck]
report: { dir: ${ws.dir}/reports-standby-snapshot, formats: [json] }
`,
    );
    const running = cli(['drill', file], { cwd: ws.dir, env: ws.env });
    const helper = primaryFinishesLater('label/backup_label')(running);
    const run = await running;
    await helper;
    const result = await latestResult(join(ws.dir, 'reports-standby-snapshot'), 'standby-snapshot');
    const failed = [...result.checks, ...result.restores.flatMap((r) => r.checks)].filter(
      (c) => c.status !== 'passed' && c.status !== 'skipped',
    );
    assert.equal(
      run.exitCode,
      0,
      `${failed.map((c) => `${c.id}: ${c.message}`).join('\n')}\n${(run.stdout + run.stderr).slice(-2000)}`,
    );
    assert.equal(result.verdict, 'passed');
    const id = (await committed()).find((n) => !before.includes(n))!;
    const record = JSON.parse(await readFile(join(repository, 'backups', id, 'backup.json'), 'utf8')) as BackupRecord;
    assert.equal(record.snapshot?.fromStandby, true);
    assert.ok(existsSync(join(repository, 'wal', system, record.physical!.stopSegment)));
    assert.equal(
      BigInt(`0x${record.physical!.stopLsn.split('/')[1]}`) % 16777216n,
      0n,
      `the stop point ${record.physical!.stopLsn} is on a boundary`,
    );
    assert.match(run.stdout + run.stderr, /where WAL cannot be switched: waiting up to 60 s/);
    assert.doesNotMatch(await archiving.readLog(), /recovery is in progress/);
  } finally {
    await archiving.dispose();
  }
});

test('doctor reads a standby as a standby: a basebackup is ready without archiving there, with what the primary must do', async () => {
  const source = await openUrlSource(standbyUrl);
  try {
    const preflight = await preflightSource(source);
    const basebackup = preflight.methods.find((m) => m.method === 'basebackup')!;
    assert.equal(basebackup.ready, true, basebackup.missing.join('; '));
    assert.match(basebackup.notes.join('\n'), /the source is a standby: its primary must archive into the repository/);
    const snapshot = preflight.methods.find((m) => m.method === 'snapshot')!;
    assert.deepEqual(snapshot.missing, [
      "ALTER SYSTEM SET archive_mode = 'always' (restart) on the standby, and backup.snapshot.allowStandby: true",
    ]);
  } finally {
    await source.dispose();
  }
});
