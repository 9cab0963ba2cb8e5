// `recoverable selftest --method basebackup` on this machine: every physical fault caught by its intended check.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { workspace } from '../helpers/workspace.ts';
import { assertEveryFaultCaught, assertReports, readSelftest, selftest } from './selftest-support.ts';

const ws = await workspace();
after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary directory left behind');
  assert.deepEqual(ws.leftoverProcesses(), [], 'no server left running');
  await ws.dispose();
});

test('selftest --method basebackup exits 0: every basebackup fault caught by the check meant for it, one backup reused', async () => {
  const started = performance.now();
  const run = await selftest(ws, ['--method', 'basebackup', '--version', '15']);
  const seconds = (performance.now() - started) / 1000;
  assert.equal(run.exitCode, 0, `${run.stdout}\n${run.stderr.slice(-3000)}`);
  const result = await readSelftest(run.reportDir!);
  assertEveryFaultCaught(result, 'basebackup', 'local');
  await assertReports(run.reportDir!, result);
  // One backup for the whole matrix: the clean drill took it, every other drill restored it (or a copy of it).
  const backupId = result.methods[0]!.clean.backupId;
  assert.ok(backupId);
  const { readdir, readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  for (const name of await readdir(join(run.reportDir!, 'drills'))) {
    const drill = JSON.parse(await readFile(join(run.reportDir!, 'drills', name), 'utf8')) as {
      backup: { id: string; taken: boolean } | null;
    };
    assert.equal(drill.backup?.id, backupId, name);
    assert.equal(
      drill.backup?.taken,
      name === 'selftest-basebackup.json',
      `${name}: only the clean drill takes the backup`,
    );
  }
  process.stdout.write(`# selftest --method basebackup took ${seconds.toFixed(1)} s\n`);
});
