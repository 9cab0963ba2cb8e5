// A url source drilled physically: given as a socket URL, its configuration carrying commands and a delay the restore
// must not inherit, and a time target between two commits less than a millisecond apart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, readFile, readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cli } from '../helpers/cli.ts';
import { latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { sourceCluster } from '../helpers/source-cluster.ts';
import type { Cluster } from '../../src/env/cluster.ts';
import type { BackupRecord } from '../../src/repository/backup-record.ts';
import type { RunResult } from '../../src/run/result.ts';

let ws: Workspace;
let source: Cluster;
let conninfo: string;
let socketUrl: string;
let repository: string;
let record: BackupRecord;
// Files the backup's configuration would create on the drill host if the restore ran its commands.
const unique = randomBytes(6).toString('hex');
const endCommandRan = join(tmpdir(), `recoverable-end-command-${unique}`);
const cleanupCommandRan = join(tmpdir(), `recoverable-cleanup-command-${unique}`);
const tamperedCommandRan = join(tmpdir(), `recoverable-tampered-${unique}`);

before(async () => {
  ws = await workspace();
  repository = join(ws.dir, 'repo');
  source = (await sourceCluster(repository)).cluster;
  // What a primary may carry harmlessly, and a restore must never act on: set through ALTER SYSTEM (postgresql.auto.conf)
  // and in a file postgresql.conf includes.
  const client = await source.connect('postgres');
  try {
    await client.query(`alter system set recovery_end_command = 'touch ${endCommandRan}'`);
    await client.query("alter system set recovery_min_apply_delay = '1h'");
    await client.query('alter system set track_commit_timestamp = on');
    await client.query('create table t (id int primary key)');
  } finally {
    await client.end();
  }
  await writeFile(
    join(source.dataDir, 'hostile.conf'),
    `archive_cleanup_command = 'touch ${cleanupCommandRan}'\nrecovery_target_name = 'nowhere'\n`,
  );
  await appendFile(join(source.dataDir, 'postgresql.conf'), "\ninclude 'hostile.conf'\n");
  await source.stop();
  await source.start();
  // The same server two ways (a restart picks a new port): a socket URL and a conninfo.
  socketUrl = `postgresql://postgres@/postgres?host=${source.socketDir}&port=${source.connection.port}`;
  conninfo = `host=${source.socketDir} port=${source.connection.port} user=postgres dbname=postgres`;
});

after(async () => {
  await source?.dispose();
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary cluster left behind');
  assert.deepEqual(ws.leftoverProcesses(), [], 'no server left running');
  await ws.dispose();
});

async function drill(
  name: string,
  url: string,
  backup: string,
  targets: string,
  repo = repository,
): Promise<{ exitCode: number; output: string; result: RunResult | null }> {
  const file = await ws.scenario(
    `${name}.yaml`,
    `name: url-source
source: { url: "${url}" }
repository: ${repo}
backup: ${backup}
restore:
  targets: ${targets}
checks: [amcheck]
report: { dir: ${ws.dir}/reports-${name}, formats: [json] }
`,
  );
  const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
  const result = existsSync(join(ws.dir, `reports-${name}`))
    ? await latestResult(join(ws.dir, `reports-${name}`), 'url-source')
    : null;
  return { exitCode: run.exitCode, output: run.stdout + run.stderr, result };
}

test("a socket URL source is backed up and drilled; the backup's recovery commands and delay never reach the restore, and each is named", async () => {
  const { exitCode, output, result } = await drill(
    'socket',
    socketUrl,
    '{ method: basebackup }',
    '[{ immediate: true, checks: [{ sql: { query: "select count(*) from t", expect: 0 } }] }]',
  );
  assert.equal(exitCode, 0, output.slice(-3000));
  assert.equal(result?.verdict, 'passed');
  const id = (await readdir(join(repository, 'backups')))[0]!;
  record = JSON.parse(await readFile(join(repository, 'backups', id, 'backup.json'), 'utf8')) as BackupRecord;
  assert.deepEqual(
    record.source.server,
    `${source.socketDir}:${source.connection.port}`,
    'the server as the URL gave it',
  );
  assert.equal(record.source.kind, 'url');
  assert.equal(record.historyFile, null, 'a url source keeps no history, and its record says so');
  assert.match(record.source.systemIdentifier ?? '', /^\d+$/);
  // Asked beside the copy, the tool's version line still reaches the record whole.
  assert.match(record.physical?.toolVersion ?? '', /^pg_basebackup \(PostgreSQL\) \d+\.\d+/);
  const warnings = result!.restores[0]!.warnings ?? [];
  assert.ok(
    warnings.includes(
      `removed from the restore: postgresql.auto.conf: recovery_end_command = 'touch ${endCommandRan}'`,
    ),
    warnings.join('\n'),
  );
  assert.ok(
    warnings.includes("removed from the restore: postgresql.auto.conf: recovery_min_apply_delay = '1h'"),
    warnings.join('\n'),
  );
  assert.ok(
    warnings.includes(
      `removed from the restore: hostile.conf: archive_cleanup_command = 'touch ${cleanupCommandRan}' (overridden in postgresql.auto.conf)`,
    ),
    warnings.join('\n'),
  );
  assert.ok(
    warnings.includes(
      "removed from the restore: hostile.conf: recovery_target_name = 'nowhere' (overridden in postgresql.auto.conf)",
    ),
    warnings.join('\n'),
  );
  assert.equal(existsSync(endCommandRan), false, 'recovery_end_command never ran on the drill host');
  assert.equal(existsSync(cleanupCommandRan), false);
});

// Two transactions in quick succession, retried until their commits fall in one millisecond and at least 2 µs apart.
async function commitsInOneMillisecond(): Promise<{
  secondXid: string;
  between: string;
  recoveredAtTarget: number;
  total: number;
}> {
  const client = await source.connect('postgres');
  try {
    await client.query('set synchronous_commit = off');
    for (let attempt = 0; attempt < 100; attempt++) {
      const [first, second] = [100 + 2 * attempt, 101 + 2 * attempt];
      await client.query(
        `begin; insert into t values (${first}); commit; begin; insert into t values (${second}); commit;`,
      );
      const { rows } = await client.query<{ xid: string; gap: string; same_ms: boolean; between: string }>(
        `with c as (select pg_xact_commit_timestamp(a.xmin) as ta, pg_xact_commit_timestamp(b.xmin) as tb, b.xmin::text as xid from t a, t b where a.id = $1 and b.id = $2)
         select xid, (extract(epoch from tb - ta) * 1000000)::bigint::text as gap, date_trunc('milliseconds', ta) = date_trunc('milliseconds', tb) as same_ms,
                to_char((ta + ((extract(epoch from tb - ta) * 1000000)::bigint / 2 || ' microseconds')::interval) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as between
           from c`,
        [first, second],
      );
      const r = rows[0]!;
      if (!r.same_ms || Number(r.gap) < 2) continue;
      assert.ok(Number(r.gap) < 1000, `the commits are ${r.gap} µs apart`);
      const counts = await client.query<{ recovered: string; total: string }>(
        `select count(*) filter (where pg_xact_commit_timestamp(xmin) <= $1::timestamptz)::text as recovered, count(*)::text as total from t`,
        [r.between],
      );
      const segment = await client.query<{ name: string }>('select pg_walfile_name(pg_switch_wal()) as name');
      await waitForArchived(segment.rows[0]!.name);
      return {
        secondXid: r.xid,
        between: r.between,
        recoveredAtTarget: Number(counts.rows[0]!.recovered),
        total: Number(counts.rows[0]!.total),
      };
    }
    throw new Error('no two commits fell within one millisecond in 100 attempts');
  } finally {
    await client.end();
  }
}

async function waitForArchived(segment: string): Promise<void> {
  const file = join(repository, 'wal', record.physical!.systemIdentifier, segment);
  for (let i = 0; i < 300 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(existsSync(file), `${segment} archived`);
}

test("a time target between two commits less than 1 ms apart recovers exactly the first; latest replays without the backup's 1h delay", async () => {
  const commits = await commitsInOneMillisecond();
  // The same server written as a conninfo is the same source: backup.use picks the backup the socket URL took.
  const { exitCode, output, result } = await drill(
    'between',
    conninfo,
    '{ method: basebackup, use: latest }',
    `
    - { latest: true, checks: [{ sql: { query: "select count(*) from t", expect: ${commits.total} } }] }
    - { time: "${commits.between}", checks: [{ sql: { query: "select count(*) from t", expect: ${commits.recoveredAtTarget} } }] }`,
  );
  assert.equal(exitCode, 0, output.slice(-3000));
  assert.equal(result?.backup?.id, record.id);
  const [latest, between] = result!.restores;
  assert.ok(
    latest!.phases.find((p) => p.name === 'WAL replay')!.durationMs < 120_000,
    'replay was not held back by recovery_min_apply_delay',
  );
  assert.match(
    between!.reached.proof,
    new RegExp(`recovery stopping before commit of transaction ${commits.secondXid},`),
  );
  assert.equal(between!.checks.find((c) => c.kind === 'sql')?.status, 'passed');
  assert.equal(existsSync(endCommandRan), false, 'recovery_end_command never ran, though both restores ended recovery');
});

test('a postgresql.auto.conf edited after the backup fails the manifest naming it, and its command still never runs', async () => {
  const clone = join(ws.dir, 'repo-tampered');
  execFileSync('cp', ['-a', repository, clone]);
  await appendFile(
    join(clone, 'backups', record.id, 'data', 'postgresql.auto.conf'),
    `recovery_end_command = 'touch ${tamperedCommandRan}'\n`,
  );
  const { exitCode, result } = await drill(
    'tampered',
    conninfo,
    '{ method: basebackup, use: latest }',
    '[latest]',
    clone,
  );
  assert.equal(exitCode, 1);
  const manifest = result!.checks.find((c) => c.id === 'manifest')!;
  assert.equal(manifest.status, 'failed');
  assert.match(manifest.message, /data\/postgresql\.auto\.conf (has SHA-256|is \d+ bytes)/);
  assert.ok(result!.restores[0]!.warnings?.some((w) => w.includes(`touch ${tamperedCommandRan}`)));
  assert.equal(existsSync(tamperedCommandRan), false);
});

test('a malformed URL exits 2 naming source.url and the problem', async () => {
  const { exitCode, output } = await drill(
    'malformed',
    `postgresql://postgres@/postgres?host=${source.socketDir}&port=54x2`,
    '{ method: basebackup }',
    '[immediate]',
  );
  assert.equal(exitCode, 2);
  assert.match(output, /source\.url: the port "54x2" is not a number from 1 to 65535/);
});
