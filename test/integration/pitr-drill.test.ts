// Physical drills: scenarios/pitr.yaml end to end, then the faults a WAL-based restore must catch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, readdir, rm, cp, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cli, ROOT } from '../helpers/cli.ts';
import { latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { buildManifest, MANIFEST_FILE } from '../../src/repository/manifest.ts';
import type { RunResult, RestoreResult, CheckResult } from '../../src/run/result.ts';
import type { SourceHistory } from '../../src/repository/history.ts';
import type { BackupRecord } from '../../src/repository/backup-record.ts';
import { lsnToBigInt, nextSegment } from '../../src/repository/wal-names.ts';
import { LocalRepository, isPhysicalBackup } from '../../src/repository/local-repository.ts';
import { WalArchive } from '../../src/repository/wal-archive.ts';
import { readHistory } from '../../src/repository/history.ts';
import { copyRestoreCommand } from '../../src/source/archive-command.ts';
import { restorePhysicalCopy } from '../../src/drill/restore-physical-target.ts';
import { silentLogger } from '../../src/core/log.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { Target } from '../../src/scenario/types.ts';

let ws: Workspace;
let pitr: RunResult;
let record: BackupRecord;
let history: SourceHistory;

const results = (name: string): Promise<RunResult> => latestResult(join(ws.dir, 'reports'), name);

const restoreOf = (result: RunResult, label: string): RestoreResult => {
  const found = result.restores.find((r) => r.target === label);
  assert.ok(found, `a restore to ${label} in ${result.restores.map((r) => r.target).join(', ')}`);
  return found;
};
const checkOf = (restore: RestoreResult, id: string): CheckResult | undefined =>
  restore.checks.find((c) => c.id === id);

before(async () => {
  ws = await workspace();
  await cp(join(ROOT, 'scenarios'), join(ws.dir, 'scenarios'), { recursive: true });
  const run = await cli(['drill', 'scenarios/pitr.yaml'], { cwd: ws.dir, env: ws.env });
  assert.equal(run.exitCode, 0, `${run.stdout}\n${run.stderr.slice(-3000)}`);
  pitr = await results('pitr');
  const backups = join(ws.dir, '.recoverable/pitr/backups');
  const id = (await readdir(backups))[0]!;
  record = JSON.parse(await readFile(join(backups, id, 'backup.json'), 'utf8')) as BackupRecord;
  // The history lives inside the backup, named by its record and covered by its manifest.
  assert.equal(record.historyFile, 'history.json');
  history = JSON.parse(await readFile(join(backups, id, record.historyFile), 'utf8')) as SourceHistory;
});

after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary cluster left behind');
  assert.deepEqual(ws.leftoverProcesses(), [], 'no server left running');
  await ws.dispose();
});

test('scenarios/pitr.yaml passes: every target reached where asked, proved by the log, markers and exact data', () => {
  assert.equal(pitr.verdict, 'passed');
  assert.equal(pitr.backup?.method, 'basebackup');
  assert.equal(pitr.checks.find((c) => c.id === 'pg_verifybackup')?.status, 'passed');
  const expectStop = expectedStops();
  for (const [label, stop] of Object.entries(expectStop)) {
    const restore = restoreOf(pitr, label);
    assert.match(restore.reached.proof, /starting backup recovery with redo LSN/, `${label}: backup_label used`);
    assert.match(restore.reached.proof, stop, `${label}: ${restore.reached.proof}`);
    assert.ok(restore.reached.lsn, `${label}: replay LSN recorded`);
    for (const id of [
      'recovery:target',
      'recovery:backup-label',
      'markers',
      'checksums',
      'wal:continuity',
      'amcheck',
      'rowcount:shop.order_lines',
      'fingerprint:shop.order_lines',
    ]) {
      assert.equal(checkOf(restore, id)?.status, 'passed', `${label}: ${id}: ${checkOf(restore, id)?.message}`);
    }
    // Unlogged tables come back empty after a physical restore: expected, not a failure.
    assert.equal(checkOf(restore, 'rowcount:audit.scratch')?.actual, 0);
  }
  // The targets are different points in time: the data grows batch by batch.
  const rows = (label: string): number =>
    checkOf(restoreOf(pitr, label), 'rowcount:shop.order_lines')!.actual as number;
  assert.ok(
    rows('immediate') < rows('marker:batch-1') &&
      rows('marker:batch-1') < rows('marker:batch-2 via lsn') &&
      rows('marker:batch-2 via lsn') < rows('latest'),
  );
  assert.equal(
    rows('marker:batch-1'),
    rows('marker:batch-1 (exclusive)'),
    'the exclusive marker target stops one transaction earlier: only the marker differs',
  );
  assert.match(
    checkOf(restoreOf(pitr, 'marker:batch-1 (exclusive)'), 'markers')!.message,
    /first after it \(batch-1\) absent/,
  );
  assert.match(
    checkOf(restoreOf(pitr, 'marker:batch-2 via time'), 'markers')!.message,
    /\(batch-2\) present, first after it \(batch-3\) absent/,
  );
  const rpo = pitr.objectives.find((o) => o.name === 'rpo');
  assert.equal(rpo?.status, 'passed');
  assert.equal(rpo?.measuredMs, 0);
  assert.match(rpo!.basis, /^measured/);
});

test('pg_verifybackup runs beside the first copy: every restore counts the wait after its copy once, the check keeps its place', () => {
  const verify = pitr.checks.find((c) => c.id === 'pg_verifybackup')!;
  const ids = pitr.checks.map((c) => c.id);
  assert.equal(ids.indexOf('pg_verifybackup'), ids.indexOf('manifest') + 1, ids.join(', '));
  for (const restore of pitr.restores) {
    const names = restore.phases.map((p) => p.name);
    const at = names.indexOf('pg_verifybackup');
    assert.equal(names.lastIndexOf('pg_verifybackup'), at, `${restore.target}: counted once (${names.join(', ')})`);
    assert.equal(names[at - 1], 'copy', `${restore.target}: right after its copy (${names.join(', ')})`);
    assert.ok(names.indexOf('WAL replay') > at, `${restore.target}: before its replay (${names.join(', ')})`);
    const phase = restore.phases[at]!;
    assert.equal(phase.alongside?.phase, 'copy');
    const ran = phase.alongside.ranMs!;
    assert.ok(ran >= verify.durationMs, `${restore.target}: ran ${ran} ms, its environment and pg_verifybackup`);
    assert.ok(
      phase.durationMs <= ran,
      `${restore.target}: waited ${phase.durationMs} ms, at most the ${ran} ms it ran`,
    );
  }
});

// The stop line each target of scenarios/pitr.yaml must log, in the server's words.
function expectedStops(): Record<string, RegExp> {
  const [b1, b2] = history.markers;
  return {
    immediate: /recovery stopping after reaching consistency/,
    'marker:batch-1': new RegExp(`recovery stopping after commit of transaction ${b1!.xid},`),
    'marker:batch-1 (exclusive)': new RegExp(`recovery stopping before commit of transaction ${b1!.xid},`),
    'marker:batch-2 via time': /recovery stopping before commit of transaction \d+,/,
    'marker:batch-2 via time (exclusive)': new RegExp(`recovery stopping before commit of transaction ${b2!.xid},`),
    'marker:batch-2 via lsn': /recovery stopping (after|before) WAL location \(LSN\)/,
    'name:recoverable-batch-3': /recovery stopping at restore point "recoverable-batch-3"/,
    latest: /redo done at/,
  };
}

// A copy of the pitr repository for one fault (cp -a keeps the archive's owner).
async function cloneRepository(name: string): Promise<{ repository: string; backup: string; wal: string }> {
  const repository = join(ws.dir, `repo-${name}`);
  execFileSync('cp', ['-a', join(ws.dir, '.recoverable/pitr'), repository]);
  return {
    repository,
    backup: join(repository, 'backups', record.id),
    wal: join(repository, 'wal', record.physical!.systemIdentifier),
  };
}

// The pitr scenario again (backup.use picks only its own backups), against a copy of its repository, reporting apart.
async function drill(
  name: string,
  repository: string,
  targets: string,
  checks = 'rowcounts, fingerprints, schema',
): Promise<{ exitCode: number; result: RunResult; output: string }> {
  const file = await ws.scenario(
    `${name}.yaml`,
    `name: pitr
source:
  managed: { version: 15, fixtures: [${ws.dir}/fixtures/shop.sql] }
repository: ${repository}
backup: { method: basebackup, use: latest }
restore:
  targets: ${targets}
checks: [${checks}]
report: { dir: ${ws.dir}/reports-${name}, formats: [json, junit] }
`,
  );
  const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
  return {
    exitCode: run.exitCode,
    result: await latestResult(join(ws.dir, `reports-${name}`), 'pitr'),
    output: run.stdout + run.stderr,
  };
}

// Four bytes inside the second page of the backup's largest relation file: its checksum no longer matches.
async function damageLargestDataFile(backup: string): Promise<{ file: string }> {
  const base = join(backup, 'data', 'base');
  const candidates: Array<{ file: string; size: number }> = [];
  for (const db of await readdir(base)) {
    for (const f of await readdir(join(base, db)))
      if (/^\d+$/.test(f)) candidates.push({ file: join(base, db, f), size: (await stat(join(base, db, f))).size });
  }
  const victim = candidates.sort((a, b) => b.size - a.size)[0]!;
  const handle = await open(victim.file, 'r+');
  try {
    await handle.write(Buffer.from([0xde, 0xad, 0xbe, 0xef]), 0, 4, 8192 + 4000);
  } finally {
    await handle.close();
  }
  return victim;
}

async function rewriteOurManifest(backup: string): Promise<void> {
  await writeFile(join(backup, MANIFEST_FILE), JSON.stringify(await buildManifest(backup)));
}

test("a WAL segment removed before the target: target not reached, in the server's words, and the gap named", async () => {
  const { repository, wal } = await cloneRepository('gap');
  const segment = record.physical!.stopSegment.replace(/[0-9A-F]{8}$/, (n) =>
    (parseInt(n, 16) + 1).toString(16).toUpperCase().padStart(8, '0'),
  );
  await rm(join(wal, segment));
  const { exitCode, result } = await drill('gap', repository, '[{ marker: batch-2 }]');
  assert.equal(exitCode, 1);
  const restore = result.restores[0]!;
  assert.match(
    checkOf(restore, 'recovery:target')!.message,
    /recovery ended before configured recovery target was reached/,
  );
  assert.equal(checkOf(restore, 'recovery:target')!.status, 'failed');
  assert.match(checkOf(restore, 'wal:continuity')!.message, new RegExp(`WAL gap: ${segment} missing`));
});

test('a WAL segment of the backup window removed from the archive: the backup is unusable from the archive', async () => {
  const { repository, wal } = await cloneRepository('window');
  await rm(join(wal, record.physical!.startSegment));
  const { exitCode, result } = await drill('window', repository, '[immediate]');
  assert.equal(exitCode, 1);
  const continuity = checkOf(result.restores[0]!, 'wal:continuity')!;
  assert.equal(continuity.status, 'failed');
  assert.match(
    continuity.message,
    new RegExp(`backup itself is unusable from the archive alone.*${record.physical!.startSegment}`),
  );
});

test("a WAL segment overwritten with garbage: not this cluster's WAL, and replay cannot reach the target", async () => {
  const { repository, wal } = await cloneRepository('garbage');
  const victim = history.end.lastSegment;
  await writeFile(join(wal, victim), randomBytes((await stat(join(wal, victim))).size));
  const { exitCode, result } = await drill('garbage', repository, '[{ marker: batch-3 }]');
  assert.equal(exitCode, 1);
  const restore = result.restores[0]!;
  assert.match(checkOf(restore, 'wal:continuity')!.message, new RegExp(`not this cluster's: ${victim}`));
  assert.equal(checkOf(restore, 'recovery:target')!.status, 'failed');
});

test('a WAL segment whose tail is zeroed (its header intact): latest stops quietly at the damage, and the drill says so', async () => {
  const { repository, wal } = await cloneRepository('zeroed');
  // The backup's last segment, zeroed from where the backup ends: consistency is still reached, and the server reads
  // the zeros as the end of WAL, so the marked batches in the segments after it are never replayed.
  const victim = record.physical!.stopSegment;
  assert.ok(victim < history.end.lastSegment, `${victim} lies before the archive's end ${history.end.lastSegment}`);
  const size = (await stat(join(wal, victim))).size;
  const from = Number(lsnToBigInt(record.physical!.stopLsn) % BigInt(size));
  const handle = await open(join(wal, victim), 'r+');
  try {
    await handle.write(Buffer.alloc(size - from), 0, size - from, from);
  } finally {
    await handle.close();
  }
  const { exitCode, result } = await drill('zeroed', repository, '[latest]', 'rowcounts');
  assert.equal(exitCode, 1);
  const restore = result.restores[0]!;
  // Every segment is there and this cluster's, and the server calls what it replayed complete: only the end tells.
  assert.equal(checkOf(restore, 'wal:continuity')!.status, 'passed');
  assert.equal(checkOf(restore, 'recovery:target')!.status, 'passed');
  const end = checkOf(restore, 'wal:replayed-to-end')!;
  assert.equal(end.status, 'failed');
  assert.match(end.message, new RegExp(`although the archive holds WAL up to ${history.end.lastSegment}`));
});

test('the archive holds a branch: timeline 1 goes on past the point timeline 2 forked from it, and latest fails naming the fork', async () => {
  const { repository, wal } = await cloneRepository('fork');
  // Timeline 2 forks where the backup ends (as a clone promoted there and archiving here would), while timeline 1
  // goes on past that segment.
  const forkSegment = record.physical!.stopSegment;
  assert.ok(forkSegment < history.end.lastSegment, `timeline 1 goes on past ${forkSegment}`);
  await writeFile(join(wal, '00000002.history'), `1\t${record.physical!.stopLsn}\tno recovery target specified\n`);
  for (const name of await readdir(wal))
    if (/^00000001[0-9A-F]{16}$/.test(name) && name.slice(8) >= forkSegment.slice(8))
      execFileSync('cp', ['-a', join(wal, name), join(wal, `00000002${name.slice(8)}`)]);
  const { exitCode, result } = await drill('fork', repository, '[latest]', 'rowcounts');
  assert.equal(exitCode, 1);
  const continuity = checkOf(result.restores[0]!, 'wal:continuity')!;
  assert.equal(continuity.status, 'failed');
  assert.match(
    continuity.message,
    /^WAL forks: the archive holds two histories and recovery follows timeline 1 → 2: timeline 1 goes on past /,
  );
  assert.equal(result.verdict, 'failed');
});

test("a target later than the end of the archive fails with the server's own message", async () => {
  const { repository } = await cloneRepository('beyond');
  const { exitCode, result } = await drill('beyond', repository, '[{ time: "2099-01-01T00:00:00Z" }]');
  assert.equal(exitCode, 1);
  const target = checkOf(result.restores[0]!, 'recovery:target')!;
  assert.equal(target.status, 'failed');
  assert.match(
    target.message,
    /target not reached: the server said "FATAL: recovery ended before configured recovery target was reached"/,
  );
});

test('a changed data file of the backup: the manifests and pg_verifybackup name it, pg_checksums finds the bad block', async () => {
  const { repository, backup } = await cloneRepository('datafile');
  const victim = await damageLargestDataFile(backup);
  const { exitCode, result } = await drill('datafile', repository, '[immediate]');
  assert.equal(exitCode, 1);
  const relative = victim.file.slice(join(backup, 'data').length + 1);
  // The repository's manifest leaves data/ to PostgreSQL's backup_manifest, which pg_verifybackup checks.
  assert.match(
    result.checks.find((c) => c.id === 'manifest')!.message,
    /data\/ is covered by data\/backup_manifest \(pg_verifybackup\)/,
  );
  const verify = result.checks.find((c) => c.id === 'pg_verifybackup')!;
  assert.equal(verify.status, 'failed');
  assert.match(
    verify.message,
    new RegExp(`${relative.replace(/\//g, '\\/')}.*checksum mismatch|checksum mismatch.*${relative}`),
  );
  const checksums = checkOf(result.restores[0]!, 'checksums')!;
  assert.equal(checksums.status, 'failed', checksums.message);
  assert.match(checksums.message, /checksum verification failed/);
});

test('standby.signal and primary_conninfo in the backup: removed for the restore, and the backup fails naming them', async () => {
  const { repository, backup } = await cloneRepository('standby');
  await writeFile(join(backup, 'data', 'standby.signal'), '');
  await writeFile(
    join(backup, 'data', 'postgresql.auto.conf'),
    "primary_conninfo = 'host=192.0.2.1 user=replicator password=secret'\n",
    { flag: 'a' },
  );
  await rewriteOurManifest(backup);
  const { exitCode, result, output } = await drill('standby', repository, '[immediate]');
  assert.equal(exitCode, 1);
  const restore = result.restores[0]!;
  assert.equal(checkOf(restore, 'backup:standby-signal')!.status, 'failed');
  assert.match(checkOf(restore, 'backup:standby-signal')!.message, /standby\.signal.*removed/);
  assert.equal(
    checkOf(restore, 'recovery:target')!.status,
    'passed',
    'recovered as archive recovery, not as a standby',
  );
  assert.ok(restore.warnings?.some((w) => /standby\.signal/.test(w)));
  assert.ok(restore.warnings?.some((w) => /primary_conninfo/.test(w)));
  assert.doesNotMatch(JSON.stringify(result) + output, /secret/, 'the password never reaches reports or logs');
});

test('backup_label removed: the server runs crash recovery instead of backup recovery, and that is caught', async () => {
  const { repository, backup } = await cloneRepository('label');
  await rm(join(backup, 'data', 'backup_label'));
  await rewriteOurManifest(backup);
  const { exitCode, result } = await drill('label', repository, '[immediate]');
  assert.equal(exitCode, 1);
  assert.equal(result.checks.find((c) => c.id === 'pg_verifybackup')!.status, 'failed');
  const label = checkOf(result.restores[0]!, 'recovery:backup-label')!;
  assert.equal(label.status, 'failed');
  assert.equal(label.actual, 'crash recovery');
  assert.match(
    label.message,
    /backup_label is missing from the backup: the server ran crash recovery instead of backup recovery/,
  );
  assert.doesNotMatch(result.restores[0]!.reached.proof, /starting backup recovery/);
});

// A backup's history is evidence: without it `latest` and every marker target would lose their expectations.
test('the history file deleted: the drill fails at latest and at a marker target, naming the file, before any restore', async () => {
  const { repository, backup } = await cloneRepository('nohistory');
  await rm(join(backup, 'history.json'));
  const { exitCode, result } = await drill('nohistory', repository, '[latest, { marker: batch-2 }]');
  assert.equal(exitCode, 1);
  assert.equal(result.verdict, 'failed');
  assert.equal(result.checks.find((c) => c.id === 'manifest')?.status, 'failed');
  assert.match(result.checks.find((c) => c.id === 'manifest')!.message, /history\.json is missing/);
  const lost = result.checks.find((c) => c.id === 'backup');
  assert.equal(lost?.status, 'failed');
  assert.match(lost!.message, new RegExp(`backup ${record.id} lost its history file history\\.json`));
  assert.deepEqual(
    result.restores,
    [],
    'nothing restored without the history: no target can pass with its expectations gone',
  );
});

test('the history file deleted and the manifest rewritten without it: the record still expects it, so the drill fails naming it', async () => {
  const { repository, backup } = await cloneRepository('nohistory-manifest');
  await rm(join(backup, 'history.json'));
  await rewriteOurManifest(backup);
  const { exitCode, result } = await drill('nohistory-manifest', repository, '[latest]');
  assert.equal(exitCode, 1);
  assert.equal(
    result.checks.find((c) => c.id === 'manifest')?.status,
    'passed',
    'the manifest itself matches the altered backup',
  );
  assert.match(
    result.checks.find((c) => c.id === 'backup')!.message,
    /its history file history\.json is not covered by its manifest/,
  );
  assert.deepEqual(result.restores, []);
});

test('the history file edited (a marker moved): the manifest and the history read both fail naming it', async () => {
  const { repository, backup } = await cloneRepository('edited-history');
  const file = join(backup, 'history.json');
  const edited = JSON.parse(await readFile(file, 'utf8')) as SourceHistory;
  edited.markers[1]!.xid = String(Number(edited.markers[1]!.xid) + 1);
  await writeFile(file, `${JSON.stringify(edited)}\n`);
  const { exitCode, result } = await drill('edited-history', repository, '[{ marker: batch-2 }]');
  assert.equal(exitCode, 1);
  assert.match(
    result.checks.find((c) => c.id === 'manifest')!.message,
    /history\.json (has SHA-256|is \d+ bytes).* the manifest says/,
  );
  assert.match(
    result.checks.find((c) => c.id === 'backup')!.message,
    /its history file history\.json was altered after the backup completed/,
  );
  assert.deepEqual(result.restores, []);
});

// Targets on one timeline replay in turn on one copy: the same proofs and the same data as a copy each.
const ONE_COPY_TARGETS = `
    - latest
    - { marker: batch-2, via: time }
    - { name: recoverable-batch-3 }
    - { marker: batch-1 }
    - immediate
    - { marker: batch-2, via: lsn }
    - { marker: batch-1, inclusive: false }
    - { marker: batch-2, via: time, inclusive: false }`;

test('eight targets replay in turn on one copy: each proved by its own log lines, with exact data equal to a copy each', async () => {
  const { repository } = await cloneRepository('one-copy');
  const { exitCode, result, output } = await drill(
    'one-copy',
    repository,
    ONE_COPY_TARGETS,
    'rowcounts, fingerprints, schema, sequences, large-objects, roles',
  );
  assert.equal(exitCode, 0, output.slice(-3000));
  // Reported in the scenario's order, replayed in the order of the WAL.
  const order = [
    'immediate',
    'marker:batch-1 (exclusive)',
    'marker:batch-1',
    'marker:batch-2 via time (exclusive)',
    'marker:batch-2 via lsn',
    'marker:batch-2 via time',
    'name:recoverable-batch-3',
    'latest',
  ];
  assert.deepEqual(
    result.restores.map((r) => r.target),
    [
      'latest',
      'marker:batch-2 via time',
      'name:recoverable-batch-3',
      'marker:batch-1',
      'immediate',
      'marker:batch-2 via lsn',
      'marker:batch-1 (exclusive)',
      'marker:batch-2 via time (exclusive)',
    ],
  );
  for (const [i, label] of order.entries())
    assert.deepEqual(
      restoreOf(result, label).sharedCopy,
      { first: 'immediate', position: i + 1, targets: 8, checkedInRecovery: label !== 'latest' },
      label,
    );
  // One copy spent: the others count it in their recovery time, marked as reused.
  const copies = result.restores.flatMap((r) => r.phases.filter((p) => p.name === 'copy'));
  assert.equal(copies.filter((p) => !p.reused).length, 1, JSON.stringify(copies));
  assert.equal(copies.filter((p) => p.reused).length, 7);
  assert.ok(restoreOf(result, 'latest').phases.some((p) => p.name === 'WAL replay to earlier targets' && p.reused));
  const expectStop = expectedStops();
  for (const [label, stop] of Object.entries(expectStop)) {
    const restore = restoreOf(result, label);
    assert.match(restore.reached.proof, /starting backup recovery with redo LSN/, `${label}: backup_label used`);
    assert.match(restore.reached.proof, stop, `${label}: ${restore.reached.proof}`);
    for (const id of ['recovery:target', 'recovery:backup-label', 'markers', 'checksums', 'wal:continuity']) {
      assert.equal(checkOf(restore, id)?.status, 'passed', `${label}: ${id}: ${checkOf(restore, id)?.message}`);
    }
    // Every other check passed too, read-only in recovery as after promotion: sequences, large objects, roles, schema.
    assert.deepEqual(
      restore.checks.filter((c) => c.status !== 'passed').map((c) => `${c.id}: ${c.message}`),
      [],
      label,
    );
    for (const kind of ['sequences', 'large-objects', 'roles', 'schema'])
      assert.ok(
        restore.checks.some((c) => c.kind === kind),
        `${label}: ${kind} checked`,
      );
    // Read in recovery, an unlogged table is judged by its init fork; after promotion, by its rows.
    const scratch = checkOf(restore, 'rowcount:audit.scratch')!;
    assert.equal(scratch.status, 'passed');
    assert.match(
      scratch.message,
      label === 'latest' ? /unlogged: empty after a physical restore/ : /init fork is on disk/,
    );
    // Exactly the data of the scenario's run, where every target had a copy of its own.
    for (const id of ['rowcount:shop.order_lines', 'fingerprint:shop.order_lines', 'fingerprint:audit.events']) {
      assert.equal(checkOf(restore, id)?.status, 'passed', `${label}: ${id}`);
      assert.deepEqual(checkOf(restore, id)!.actual, checkOf(restoreOf(pitr, label), id)!.actual, `${label}: ${id}`);
    }
  }
});

test('a WAL segment missing between two targets of one copy: the earlier passes, the later fails in the server words', async () => {
  const { repository, wal } = await cloneRepository('one-copy-gap');
  // The segment after the backup's last: immediate needs none of it, every marker does.
  const segment = nextSegment(record.physical!.stopSegment, record.physical!.walSegmentSize);
  await rm(join(wal, segment));
  const { exitCode, result } = await drill('one-copy-gap', repository, '[latest, { marker: batch-2 }, immediate]');
  assert.equal(exitCode, 1);
  for (const id of ['recovery:target', 'markers', 'rowcount:shop.order_lines', 'checksums'])
    assert.equal(checkOf(restoreOf(result, 'immediate'), id)?.status, 'passed', id);
  for (const label of ['marker:batch-2', 'latest']) {
    const restore = restoreOf(result, label);
    assert.equal(checkOf(restore, 'wal:continuity')!.status, 'failed', label);
    assert.match(checkOf(restore, 'wal:continuity')!.message, new RegExp(`WAL gap: ${segment} missing`));
    // batch-2 is never reached; latest is the end of what the archive holds, where the markers are missing.
    assert.equal(checkOf(restore, label === 'latest' ? 'markers' : 'recovery:target')!.status, 'failed', label);
  }
  // The server would not go on from immediate, so batch-2 was restored on a fresh copy, where it failed in its own right.
  assert.deepEqual(restoreOf(result, 'immediate').sharedCopy, {
    first: 'immediate',
    position: 1,
    targets: 1,
    checkedInRecovery: true,
  });
  assert.equal(restoreOf(result, 'marker:batch-2').sharedCopy, undefined);
  assert.match(
    checkOf(restoreOf(result, 'marker:batch-2'), 'recovery:target')!.message,
    /recovery ended before configured recovery target was reached/,
  );
});

test('a bad block in the backup: pg_checksums fails it on a target held in recovery too', async () => {
  const { repository, backup } = await cloneRepository('one-copy-datafile');
  await damageLargestDataFile(backup);
  const { exitCode, result } = await drill('one-copy-datafile', repository, '[immediate, { marker: batch-1 }]');
  assert.equal(exitCode, 1);
  const immediate = restoreOf(result, 'immediate');
  // Held in recovery for the next target: checked first, then stopped and pg_checksums run.
  const phases = immediate.phases.map((p) => p.name);
  assert.ok(phases.indexOf('checksums') > phases.indexOf('WAL replay'), phases.join(', '));
  assert.ok(!phases.includes('start'), `no second start: ${phases.join(', ')}`);
  const checksums = checkOf(immediate, 'checksums')!;
  assert.equal(checksums.status, 'failed', checksums.message);
  assert.match(checksums.message, /checksum verification failed/);
});

test('init forks removed from the backup: a target checked in recovery fails the unlogged table by name', async () => {
  const { repository, backup } = await cloneRepository('one-copy-init-fork');
  const base = join(backup, 'data', 'base');
  let removed = 0;
  for (const db of await readdir(base))
    for (const f of await readdir(join(base, db)))
      if (f.endsWith('_init')) {
        await rm(join(base, db, f));
        removed++;
      }
  assert.ok(removed > 0, 'the backup has init forks (audit.scratch is unlogged)');
  await rewriteOurManifest(backup);
  const { exitCode, result } = await drill('one-copy-init-fork', repository, '[immediate, { marker: batch-1 }]');
  assert.equal(exitCode, 1);
  const immediate = restoreOf(result, 'immediate');
  assert.equal(immediate.sharedCopy?.position, 1, 'checked while held in recovery for the next target');
  const scratch = checkOf(immediate, 'rowcount:audit.scratch')!;
  assert.equal(scratch.status, 'failed');
  assert.match(scratch.message, /audit\.scratch is unlogged and its init fork is missing/);
});

test('targets given in an order the server refuses: the later one is restored on a fresh copy, with the same data', async () => {
  const { repository } = await cloneRepository('one-copy-refused');
  const repo = new LocalRepository(repository);
  const backup = (await repo.list())[0]!;
  assert.ok(isPhysicalBackup(backup), 'a basebackup');
  const target = (marker: string): Target => ({
    kind: 'marker',
    marker,
    via: 'xid',
    inclusive: true,
    checks: [],
    label: `marker:${marker}`,
  });
  const archive = WalArchive.forSystem(repository, backup.record.physical.systemIdentifier);
  const outcomes = await restorePhysicalCopy(
    {
      repo,
      environment: { kind: 'local', runLabel: 'one-copy-refused' },
      backup,
      files: backup,
      wal: archive,
      mounts: [],
      backupExpectations: (await repo.readExpectations(backup))?.expectations ?? null,
      history: await readHistory(repo, backup),
      // batch-2 before batch-1: replay cannot go back, so the copy paused at batch-2 cannot serve batch-1.
      targets: [target('batch-2'), target('batch-1')],
      checks: [{ kind: 'rowcounts' }, { kind: 'fingerprints' }],
      restoreCommand: copyRestoreCommand(archive.dir),
      ownArchive: true,
      containerWal: null,
      jobs: 2,
      sharedPhases: [],
      recoveryTimeoutMs: 120_000,
    },
    silentLogger(),
    systemClock,
  );
  assert.deepEqual(
    outcomes.map((o) => o.restore.target),
    ['marker:batch-2', 'marker:batch-1'],
  );
  // batch-2 was held in recovery for batch-1, which the copy could not go back to: batch-1 has a copy of its own.
  assert.deepEqual(outcomes[0]!.restore.sharedCopy, {
    first: 'marker:batch-2',
    position: 1,
    targets: 1,
    checkedInRecovery: true,
  });
  assert.equal(outcomes[1]!.restore.sharedCopy, undefined);
  for (const { restore } of outcomes) {
    for (const id of ['recovery:target', 'markers', 'rowcount:shop.order_lines', 'fingerprint:shop.order_lines'])
      assert.equal(
        checkOf(restore, id)?.status,
        'passed',
        `${restore.target}: ${id}: ${checkOf(restore, id)?.message}`,
      );
  }
  // batch-1 exactly as the scenario's run restored it on a copy of its own.
  assert.deepEqual(
    checkOf(outcomes[1]!.restore, 'fingerprint:shop.order_lines')!.actual,
    checkOf(restoreOf(pitr, 'marker:batch-1'), 'fingerprint:shop.order_lines')!.actual,
  );
  assert.equal(outcomes[1]!.restore.phases.filter((p) => p.name === 'copy' && !p.reused).length, 1, 'copied again');
});
