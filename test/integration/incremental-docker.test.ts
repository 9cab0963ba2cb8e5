// PostgreSQL 17 incremental basebackups in Docker: one managed source takes a full backup and two incrementals (a
// workload between each); the chain restores through pg_combinebackup to a marker exactly, with the same content as
// the full backup replayed to the same point; each way of breaking the chain fails `backup:chain` by name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { dockerAvailable, requireDockerInCi, requireImage, containersUnder } from '../helpers/docker.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { runDrill } from '../../src/drill/drill.ts';
import { silentLogger } from '../../src/core/log.ts';
import { systemClock } from '../../src/core/clock.ts';
import { capture } from '../../src/backup/managed/basebackup.ts';
import { pinSession } from '../../src/expectations/session.ts';
import type { Expectations } from '../../src/expectations/capture.ts';
import { isPhysical, type BackupRecord, type PhysicalBackupRecord } from '../../src/repository/backup-record.ts';
import type { StoredBackup } from '../../src/repository/local-repository.ts';
import type { SourceHistory } from '../../src/repository/history.ts';
import type { CheckResult, RunResult } from '../../src/run/result.ts';
import { openEnvironment } from '../../src/env/environment.ts';
import { restorePhysical } from '../../src/restore/physical-restore.ts';
import { PHYSICAL_RESTORE_TOOLS } from '../../src/drill/plan.ts';

const unavailable = requireDockerInCi(await dockerAvailable());
const skip = unavailable || (await requireImage('postgres:17', { requiredInCi: true }));

let ws: Workspace;
let repository: string;
// Oldest first: the full backup, then the two incrementals.
let chain: BackupRecord[] = [];
let history: SourceHistory;

const CHECKS = '[rowcounts, fingerprints, schema, sequences, large-objects, amcheck]';

function scenarioText(name: string, repo: string, backup: string, targets: string): string {
  return `name: incremental
source: { managed: { version: 17, fixtures: [${ws.dir}/fixtures/shop.sql], workload: { seed: 17, transactions: 200 } } }
repository: ${repo}
backup: ${backup}
restore: { environment: docker, targets: ${targets} }
checks: ${CHECKS}
report: { dir: ${ws.dir}/reports-${name}, formats: [json] }
`;
}

const readRecord = async (repo: string, id: string): Promise<BackupRecord> =>
  JSON.parse(await readFile(join(repo, 'backups', id, 'backup.json'), 'utf8')) as BackupRecord;

before(async () => {
  if (skip) return;
  ws = await workspace();
  process.env.RECOVERABLE_WORK_DIR = ws.workDir;
  repository = join(ws.dir, 'repo');
  const file = await ws.scenario(
    'take.yaml',
    scenarioText('take', repository, '{ method: basebackup, incremental: true }', '[immediate]'),
  );
  const taken = await cli(['backup', file], { cwd: ws.dir, env: ws.env });
  assert.equal(taken.exitCode, 0, taken.stdout + taken.stderr.slice(-3000));
  assert.match(
    taken.stderr,
    /no earlier basebackup of this source .* taking a full backup to start the incremental chain/,
    'the first backup of the chain says it is a full one',
  );
  const last = await readRecord(repository, taken.stdout.trim());
  const ids = [...last.physical!.incremental!.chain, last.id];
  chain = await Promise.all(ids.map((id) => readRecord(repository, id)));
  history = JSON.parse(
    await readFile(join(repository, 'backups', last.id, last.historyFile!), 'utf8'),
  ) as SourceHistory;
});

after(async () => {
  if (skip) return;
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary directory left behind');
  assert.deepEqual(containersUnder(ws.workDir), [], 'no container left behind');
  await ws.dispose();
});

const allChecks = (result: RunResult): CheckResult[] => [...result.checks, ...result.restores.flatMap((r) => r.checks)];
const check = (result: RunResult, id: string): CheckResult | undefined => allChecks(result).find((c) => c.id === id);

// A drill in this process, so the restored cluster's content can be captured before it is disposed.
async function drillCapturing(
  name: string,
  use: string,
  target: string,
): Promise<{ result: RunResult; restored: Expectations }> {
  const file = await ws.scenario(
    `${name}.yaml`,
    scenarioText(name, repository, `{ method: basebackup, incremental: true, use: "${use}" }`, `[${target}]`),
  );
  let restored: Expectations | null = null;
  const { result } = await runDrill(await loadScenario(file, { cwd: ws.dir }), {
    log: silentLogger(),
    clock: systemClock,
    afterRestore: async (cluster, database) => {
      const client = await cluster.connect(database);
      try {
        await pinSession(client);
        restored = await capture(client);
      } finally {
        await client.end();
      }
    },
  });
  assert.ok(
    restored,
    `${name}: the restore reached its checks\n${JSON.stringify(
      allChecks(result).filter((c) => c.status !== 'passed'),
      null,
      2,
    )}`,
  );
  return { result, restored };
}

test(
  'the backup command takes a full backup and two incrementals of one source, each recording its parent and chain',
  { skip },
  async () => {
    const [full, first, second] = chain;
    assert.equal(chain.length, 3);
    assert.equal(full!.physical!.incremental, undefined, 'the first is a full backup');
    assert.deepEqual(
      first!.physical!.incremental && [first!.physical!.incremental.parent, first!.physical!.incremental.chain],
      [full!.id, [full!.id]],
    );
    assert.deepEqual(
      second!.physical!.incremental && [second!.physical!.incremental.parent, second!.physical!.incremental.chain],
      [first!.id, [full!.id, first!.id]],
    );
    assert.equal(
      second!.physical!.incremental!.fromLsn,
      first!.physical!.startLsn,
      'taken from where its parent started',
    );
    assert.ok(new Set(chain.map((r) => r.physical!.systemIdentifier)).size === 1, 'one cluster');
    const listed = await cli(['list', join(ws.dir, 'take.yaml')], { cwd: ws.dir, env: ws.env });
    assert.equal(listed.exitCode, 0, listed.stderr);
    assert.match(
      listed.stdout,
      new RegExp(
        `incremental on ${first!.id} \\(restores as ${full!.id} ← ${first!.id} ← ${second!.id} through pg_combinebackup\\)`,
      ),
    );
    assert.match(listed.stdout, new RegExp(`incremental on ${full!.id} `));
  },
);

test(
  'the chain restores to a marker through pg_combinebackup exactly, with the fingerprints of the full backup replayed to the same point',
  { skip },
  async () => {
    const [full, , newest] = chain;
    const marker = history.markers.find((m) => m.label === 'batch-2')!;
    const combined = await drillCapturing('combined', newest!.id, '{ marker: batch-2 }');
    const failing = allChecks(combined.result).filter((c) => c.status !== 'passed' && c.status !== 'skipped');
    assert.deepEqual(failing, [], 'every check passes');
    assert.equal(combined.result.verdict, 'passed');
    assert.equal(check(combined.result, 'backup:chain')?.status, 'passed');
    assert.equal(check(combined.result, 'backup:combine')?.status, 'passed');
    for (const parent of chain.slice(0, 2))
      assert.equal(check(combined.result, `pg_verifybackup:${parent.id}`)?.status, 'passed', `${parent.id} verified`);
    assert.ok(
      combined.result.restores[0]!.phases.some((p) => p.name === 'pg_combinebackup'),
      'the data directory was combined',
    );
    for (const id of ['fingerprint:shop.order_lines', 'schema:definitions', 'amcheck', 'markers']) {
      assert.equal(check(combined.result, id)?.status, 'passed', `${id}: ${check(combined.result, id)?.message}`);
    }
    // The same point from the full backup alone and WAL: its restore point, the same recovery target.
    const replayed = await drillCapturing('replayed', full!.id, `{ name: "${marker.restorePoint}" }`);
    assert.equal(check(replayed.result, 'backup:chain'), undefined, 'a full backup has no chain to check');
    assert.ok(!replayed.result.restores[0]!.phases.some((p) => p.name === 'pg_combinebackup'));
    assert.ok(
      replayed.result.restores[0]!.checks.every((c) => c.status !== 'failed' && c.status !== 'errored'),
      JSON.stringify(replayed.result.restores[0]!.checks.filter((c) => c.status !== 'passed')),
    );
    assert.deepEqual(
      combined.restored.tables,
      replayed.restored.tables,
      'identical row counts and fingerprints, table by table',
    );
    // Sequences are not content: WAL logs a sequence up to 32 values ahead while a backup copies its page as it is, so
    // two sound restores may differ; each must be at least where the source was at the marker.
    for (const expected of marker.expectations!.sequences) {
      for (const [how, restored] of [
        ['combined', combined.restored],
        ['replayed', replayed.restored],
      ] as const) {
        const got = restored.sequences.find((s) => s.schema === expected.schema && s.name === expected.name);
        assert.ok(
          got && BigInt(got.lastValue) >= BigInt(expected.lastValue),
          `${how}: ${expected.schema}.${expected.name} at ${got?.lastValue ?? 'missing'}, the source was at ${expected.lastValue}`,
        );
      }
    }
    assert.deepEqual(combined.restored.largeObjects, replayed.restored.largeObjects);
    assert.deepEqual(
      combined.restored.schemaObjects,
      replayed.restored.schemaObjects,
      'identical schema, object by object',
    );
    assert.ok(
      combined.restored.tables.length > 0 && combined.restored.tables.every((t) => t.fingerprint !== null),
      'fingerprints were computed',
    );
  },
);

// A copy of the repository in hard links (each change below removes or replaces a file, never writes into one).
function linkedCopy(name: string): string {
  const repo = join(ws.dir, `repo-${name}`);
  execFileSync('cp', ['-al', repository, repo]);
  return repo;
}

// The copy with one change, drilled from the newest incremental: `backup:chain` fails naming the cause.
async function brokenDrill(
  name: string,
  change: (repo: string) => Promise<void>,
): Promise<{ exitCode: number; result: RunResult; chainCheck: CheckResult }> {
  const repo = linkedCopy(name);
  await change(repo);
  const file = await ws.scenario(
    `${name}.yaml`,
    scenarioText(
      name,
      repo,
      `{ method: basebackup, incremental: true, use: "${chain[2]!.id}" }`,
      '[{ marker: batch-2 }]',
    ),
  );
  const { result, exitCode } = await runDrill(await loadScenario(file, { cwd: ws.dir }), {
    log: silentLogger(),
    clock: systemClock,
  });
  const chainCheck = check(result, 'backup:chain');
  assert.ok(chainCheck, `${name}: a backup:chain check\n${JSON.stringify(result.checks, null, 2)}`);
  assert.equal(result.restores.length, 0, 'nothing is restored from a broken chain');
  return { exitCode, result, chainCheck };
}

// Rewrite a backup's record as a new file (the copy's hard link to the original is replaced, not written through).
async function editRecord(repo: string, id: string, edit: (record: BackupRecord) => void): Promise<void> {
  const record = await readRecord(repo, id);
  edit(record);
  const file = join(repo, 'backups', id, 'backup.json');
  await writeFile(`${file}.new`, `${JSON.stringify(record, null, 2)}\n`);
  await rename(`${file}.new`, file);
}

test('a chain whose middle backup was deleted fails backup:chain naming the missing backup', { skip }, async () => {
  const middle = chain[1]!.id;
  const { exitCode, result, chainCheck } = await brokenDrill('missing', (repo) =>
    rm(join(repo, 'backups', middle), { recursive: true }),
  );
  assert.equal(exitCode, 1);
  assert.equal(result.verdict, 'failed');
  assert.equal(chainCheck.status, 'failed');
  assert.match(
    chainCheck.message,
    new RegExp(
      `backup ${middle} \\(the parent, backup 2 of the chain of ${chain[2]!.id}\\) is missing from the repository`,
    ),
  );
});

test(
  "a chain with a backup recorded as another cluster's fails backup:chain naming both system identifiers",
  { skip },
  async () => {
    const full = chain[0]!.id;
    const { exitCode, chainCheck } = await brokenDrill('foreign', (repo) =>
      editRecord(repo, full, (r) => {
        r.physical!.systemIdentifier = '7000000000000000001';
      }),
    );
    assert.equal(exitCode, 1);
    assert.equal(chainCheck.status, 'failed');
    assert.match(
      chainCheck.message,
      new RegExp(
        `backup ${full} is of system identifier 7000000000000000001, but ${chain[2]!.id} is of ${chain[2]!.physical!.systemIdentifier}: a chain belongs to one cluster`,
      ),
    );
    assert.match(
      chainCheck.message,
      new RegExp(`backup ${full} of the chain: backup ${full} was altered after it completed`),
      'and its manifest no longer matches',
    );
  },
);

test(
  'a chain recorded in the wrong order fails backup:chain: the first is not full, and starts do not follow',
  { skip },
  async () => {
    const [full, middle, newest] = chain.map((r) => r.id);
    const { exitCode, chainCheck } = await brokenDrill('swapped', (repo) =>
      editRecord(repo, newest!, (r) => {
        r.physical!.incremental!.chain = [middle!, full!];
      }),
    );
    assert.equal(exitCode, 1);
    assert.equal(chainCheck.status, 'failed');
    assert.match(
      chainCheck.message,
      new RegExp(`backup ${middle} begins the chain of ${newest} but is itself incremental`),
    );
    assert.match(
      chainCheck.message,
      new RegExp(
        `backup ${full} starts at LSN \\S+, not after its parent ${middle}'s start \\S+: the chain is out of order`,
      ),
    );
  },
);

test('prune keeps every backup a kept incremental needs, and says why', { skip }, async () => {
  const repo = linkedCopy('prune');
  const file = await ws.scenario(
    'prune.yaml',
    scenarioText('prune', repo, '{ method: basebackup, incremental: true }', '[immediate]'),
  );
  const run = await cli(['prune', file, '--keep', '1'], { cwd: ws.dir, env: ws.env });
  assert.equal(run.exitCode, 0, run.stdout + run.stderr);
  for (const parent of chain.slice(0, 2)) {
    assert.match(
      run.stdout,
      new RegExp(
        `kept +${parent.id} .*kept backup ${chain[2]!.id} is incremental and restores only with it \\(a parent of a kept backup is never removed\\)`,
      ),
    );
  }
  for (const record of chain)
    assert.ok((await readRecord(repo, record.id)).id === record.id, `${record.id} is still there`);
});

test('a chain pg_combinebackup refuses is reported in its own words, and nothing is started', { skip }, async () => {
  // Past backup:chain (which would name the missing full backup first): what pg_combinebackup itself says.
  const stored = (id: string): StoredBackup<PhysicalBackupRecord> => {
    const record = chain.find((r) => r.id === id)!;
    assert.ok(isPhysical(record), `${id} is a basebackup`);
    return { record, dir: join(repository, 'backups', id) };
  };
  const environment = await openEnvironment(
    {
      kind: 'docker',
      version: 17,
      image: 'postgres:17',
      mounts: [{ path: repository, readOnly: true }],
      tools: [...PHYSICAL_RESTORE_TOOLS, 'pg_combinebackup'],
      runLabel: 'combine-refused',
    },
    silentLogger(),
  );
  try {
    const outcome = await restorePhysical(
      {
        backup: stored(chain[2]!.id),
        chain: [stored(chain[1]!.id)],
        runtime: environment.runtime,
        target: { kind: 'immediate' },
        restoreCommand: 'false',
        checksums: false,
        recoveryTimeoutMs: 60_000,
      },
      silentLogger(),
      systemClock,
    );
    try {
      const refused = outcome.snapshotFindings.find((f) => f.id === 'backup:combine')?.message ?? '';
      assert.match(
        refused,
        new RegExp(
          `^pg_combinebackup refused the chain ${chain[1]!.id} ← ${chain[2]!.id}: backup at ".*${chain[1]!.id}/data" is an incremental backup, but the first backup should be a full backup`,
        ),
      );
      assert.equal(outcome.failure, refused);
      assert.equal(await outcome.cluster.isRunning(), false);
    } finally {
      await outcome.cluster.dispose();
    }
  } finally {
    await environment.dispose();
  }
});
