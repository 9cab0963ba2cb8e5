// The self-test's command line: bad flags and unknown faults exit 2 before anything starts; a missing major exits 3.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { workspace } from '../helpers/workspace.ts';
import { discoverBinaries } from '../../src/env/binaries.ts';
import { FAULTS } from '../../src/selftest/registry.ts';
import { selftest } from './selftest-support.ts';

const ws = await workspace();

// The self-test runs with --log-format json, so a fatal error is the last stderr line, as JSON.
function fatal(stderr: string): { msg: string; hint?: string } {
  const line = JSON.parse(stderr.trim().split('\n').at(-1)!) as { level: number; msg: string; hint?: string };
  assert.equal(line.level, 60, stderr);
  return line;
}
after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary directory left behind');
  await ws.dispose();
});

test('--only with an unknown fault exits 2 and lists every known fault', async () => {
  const run = await selftest(ws, ['--method', 'dump', '--only', 'heap-page-corrupt,no-such-fault']);
  assert.equal(run.exitCode, 2, run.stderr);
  assert.equal(fatal(run.stderr).msg, 'unknown fault: no-such-fault');
  const known = /^known faults: (.+)$/.exec(fatal(run.stderr).hint ?? '')?.[1]?.split(', ');
  assert.deepEqual(
    known,
    FAULTS.map((f) => f.id),
  );
  assert.equal(run.stdout, '');
  assert.ok(!existsSync(join(ws.dir, 'reports')), 'nothing ran, nothing written');
});

test('a fault the chosen method does not have, a bad method and a bad major exit 2', async () => {
  const wrongMethod = await selftest(ws, ['--method', 'dump', '--only', 'wal-segment-missing']);
  assert.equal(wrongMethod.exitCode, 2, wrongMethod.stderr);
  assert.match(fatal(wrongMethod.stderr).msg, /no chosen method \(dump, local\) has fault wal-segment-missing/);
  assert.equal(
    fatal(wrongMethod.stderr).hint,
    'wal-segment-missing applies to basebackup, snapshot: pick a --method it applies to',
  );
  const badMethod = await selftest(ws, ['--method', 'tape']);
  assert.equal(badMethod.exitCode, 2);
  assert.match(fatal(badMethod.stderr).msg, /Invalid values:[\s\S]*method/);
  const badVersion = await selftest(ws, ['--version', '12']);
  assert.equal(badVersion.exitCode, 2);
  assert.match(fatal(badVersion.stderr).msg, /--version 12 is not a PostgreSQL major Recoverable supports/);
});

const installed = new Set(discoverBinaries().map((b) => b.major));
const missing = [14, 13, 16].find((m) => !installed.has(m));

test(
  'a major not installed here exits 3 naming what to install, and leaves nothing behind',
  { skip: missing === undefined ? 'PostgreSQL 13, 14 and 16 are all installed here' : false },
  async () => {
    const run = await selftest(ws, ['--method', 'dump', '--version', String(missing)]);
    assert.equal(run.exitCode, 3, run.stderr);
    assert.match(fatal(run.stderr).msg, new RegExp(`PostgreSQL ${missing} binaries are not installed`));
    assert.match(fatal(run.stderr).hint ?? '', new RegExp(`^install PostgreSQL ${missing}`));
    assert.deepEqual(
      (await readdir(ws.workDir)).filter((n) => n.startsWith('recoverable-')),
      [],
    );
  },
);
