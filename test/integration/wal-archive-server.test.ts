// A real PostgreSQL 15 archives into the repository through `recoverable archive-wal`; the archive is then checked,
// broken, and repaired, and the CLI's exit codes are the ones archive_command and restore_command need.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chown, copyFile, mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalRuntime } from '../../src/env/local-runtime.ts';
import { requireBinaries, type PgBin } from '../../src/env/binaries.ts';
import { Cluster } from '../../src/env/cluster.ts';
import { silentLogger } from '../../src/core/log.ts';
import { WalArchive } from '../../src/repository/wal-archive.ts';
import { verifyWalContinuity } from '../../src/repository/wal-continuity.ts';

const NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const SWITCHES = 4;

let bin: PgBin | undefined;
let missingBinaries: string | false = false;
try {
  bin = requireBinaries(15, ['initdb', 'pg_ctl', 'postgres']);
} catch (error) {
  missingBinaries = (error as Error).message;
}

let cluster: Cluster | undefined;
let repo: string;
let scratch: string;
let archive: WalArchive;
/** Segments the server completed with pg_switch_wal(), oldest first. */
const switched: string[] = [];

// postgresql.conf string: single-quoted, quotes doubled; the shell sees each argument single-quoted too.
const confString = (value: string): string => `'${value.replace(/'/g, "''")}'`;
const shellWord = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

before(async () => {
  if (!bin) return;
  scratch = await mkdtemp(join(tmpdir(), 'recoverable-wal-scratch-'));
  repo = await mkdtemp(join(tmpdir(), 'recoverable-wal-repo-'));
  archive = new WalArchive(repo);
  const command = `${shellWord(NODE)} ${shellWord(MAIN)} archive-wal %p %f --repository ${shellWord(repo)}`;
  cluster = await Cluster.init(
    new LocalRuntime(bin),
    {
      dataChecksums: true,
      settings: { wal_level: 'replica', archive_mode: 'on', archive_command: confString(command) },
    },
    silentLogger(),
  );
  // The archive command runs as the server's OS user: the repository must be its own.
  if (cluster.osUser) await chown(repo, cluster.osUser.uid, cluster.osUser.gid);
  await cluster.start();
});

after(async () => {
  await cluster?.dispose();
  if (repo) await rm(repo, { recursive: true, force: true });
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

// Run the CLI as a child process, as the server would, without the test runner's environment leaking in.
function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base = { ...process.env };
  delete base.NODE_TEST_CONTEXT;
  delete base.RECOVERABLE_REPOSITORY;
  return new Promise((resolve) => {
    execFile(NODE, [MAIN, ...args], { env: { ...base, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

// Poll pg_stat_archiver (bounded) until the server has archived `count` segments ending with `last`.
async function waitForArchiver(count: number, last: string): Promise<void> {
  const client = await cluster!.connect();
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { rows } = await client.query<{
        archived_count: string;
        last_archived_wal: string | null;
        failed_count: string;
      }>('select archived_count, last_archived_wal, failed_count from pg_stat_archiver');
      const row = rows[0]!;
      if (Number(row.archived_count) >= count && row.last_archived_wal === last) return;
      if (Date.now() > deadline) {
        assert.fail(
          `archiver did not reach ${count} segments ending at ${last} in 30 s: ${JSON.stringify(row)}\nserver log:\n${(await cluster!.readLog()).slice(-3000)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await client.end();
  }
}

test(
  'the server archives every completed segment through archive-wal, and the archive is continuous',
  { skip: process.env.CI ? false : missingBinaries },
  async () => {
    const client = await cluster!.connect();
    try {
      await client.query('create table filler (id int, pad text)');
      for (let i = 0; i < SWITCHES; i++) {
        await client.query("insert into filler select g, repeat('x', 200) from generate_series(1, 2000) g");
        const { rows } = await client.query<{ name: string }>('select pg_walfile_name(pg_switch_wal()) as name');
        switched.push(rows[0]!.name);
      }
    } finally {
      await client.end();
    }
    await waitForArchiver(SWITCHES, switched[SWITCHES - 1]!);

    const names = await archive.list();
    for (const name of switched) assert.ok(names.includes(name), `${name} archived (archive: ${names.join(', ')})`);
    assert.deepEqual(await readdir(archive.dir), names, 'no temp files left in wal/');
    for (const name of names)
      assert.equal(await archive.size(name), 16 * 1024 * 1024, `${name} stored as-is, uncompressed`);
    if (cluster!.osUser)
      assert.equal(
        (await stat(join(archive.dir, switched[0]!))).uid,
        cluster!.osUser.uid,
        'written by the server user',
      );

    const result = await verifyWalContinuity(archive, {
      startSegment: switched[0]!,
      endSegment: switched[SWITCHES - 1]!,
    });
    assert.equal(result.ok, true, result.message);
    assert.equal(result.present, SWITCHES);
    const open = await verifyWalContinuity(archive, { startSegment: names[0]!, timeline: 1 });
    assert.equal(open.ok, true, open.message);
    assert.equal(open.last, switched[SWITCHES - 1]);
  },
);

test(
  'a deleted middle segment is a gap named by verify-wal; re-archiving it from 5 processes at once repairs it',
  { skip: process.env.CI ? false : missingBinaries },
  async () => {
    const middle = switched[1]!;
    const saved = join(scratch, 'saved-segment');
    await copyFile(join(archive.dir, middle), saved);
    await unlink(join(archive.dir, middle));

    const result = await verifyWalContinuity(archive, {
      startSegment: switched[0]!,
      endSegment: switched[SWITCHES - 1]!,
    });
    assert.equal(result.ok, false);
    assert.deepEqual(result.missing, [middle]);
    assert.match(result.message, new RegExp(`^WAL gap: ${middle} missing \\(archive has `));

    const verify = await cli([
      'verify-wal',
      '--repository',
      repo,
      '--from',
      switched[0]!,
      '--to',
      switched[SWITCHES - 1]!,
    ]);
    assert.equal(verify.code, 1);
    assert.equal(verify.stdout, `${result.message}\n`);

    const runs = await Promise.all(
      Array.from({ length: 5 }, () => cli(['archive-wal', saved, middle, '--repository', repo])),
    );
    for (const run of runs) assert.deepEqual(run, { code: 0, stdout: '', stderr: '' });
    assert.deepEqual(
      (await readdir(archive.dir)).filter((n) => n.startsWith('.')),
      [],
      'no temp files left by the racing processes',
    );
    const repaired = await cli([
      'verify-wal',
      '--repository',
      repo,
      '--from',
      switched[0]!,
      '--to',
      switched[SWITCHES - 1]!,
    ]);
    assert.equal(repaired.code, 0, repaired.stdout + repaired.stderr);
    assert.match(repaired.stdout, /^WAL continuous: 4 segments from /);
  },
);

test(
  'archive-wal with different content under an archived name exits 1 and leaves the archive unchanged',
  { skip: process.env.CI ? false : missingBinaries },
  async () => {
    const name = switched[0]!;
    const before = await readFile(join(archive.dir, name));
    const impostor = join(scratch, 'impostor');
    await writeFile(impostor, Buffer.alloc(16 * 1024 * 1024, 1));

    const conflict = await cli(['archive-wal', impostor, name, '--repository', repo]);
    assert.equal(conflict.code, 1);
    assert.equal(conflict.stdout, '');
    assert.match(
      conflict.stderr,
      new RegExp(`^recoverable: wal file ${name} is already archived with different content`),
    );
    assert.match(conflict.stderr, /hint: two servers may be archiving into one repository/);
    assert.deepEqual(await readFile(join(archive.dir, name)), before);

    // The same bytes again (the server retrying after a crash) succeed silently; the repository may come from the environment.
    const retry = await cli(['archive-wal', join(archive.dir, name), name], { RECOVERABLE_REPOSITORY: repo });
    assert.deepEqual(retry, { code: 0, stdout: '', stderr: '' });
  },
);

test(
  'fetch-wal copies an archived segment and exits 1 silently for a missing segment or .history',
  { skip: process.env.CI ? false : missingBinaries },
  async () => {
    const dest = join(scratch, 'RECOVERYXLOG');
    const fetched = await cli(['fetch-wal', switched[2]!, dest, '--repository', repo]);
    assert.deepEqual(fetched, { code: 0, stdout: '', stderr: '' });
    assert.deepEqual(await readFile(dest), await readFile(join(archive.dir, switched[2]!)));

    for (const name of ['0000000100000000000000FF', '00000002.history']) {
      const missing = await cli(['fetch-wal', name, join(scratch, 'RECOVERYHISTORY')], {
        RECOVERABLE_REPOSITORY: repo,
      });
      assert.deepEqual(missing, { code: 1, stdout: '', stderr: '' }, name);
    }
    assert.deepEqual((await readdir(scratch)).sort(), ['RECOVERYXLOG', 'impostor', 'saved-segment']);
  },
);
