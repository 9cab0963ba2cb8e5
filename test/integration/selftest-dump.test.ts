// `recoverable selftest --method dump` on this machine: the clean drill passes, every dump fault is caught by its intended check.
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

test('selftest --method dump exits 0: every dump fault caught by the check meant for it, reports written', async () => {
  const started = performance.now();
  const run = await selftest(ws, ['--method', 'dump', '--version', '15']);
  const seconds = (performance.now() - started) / 1000;
  assert.equal(run.exitCode, 0, `${run.stdout}\n${run.stderr.slice(-3000)}`);
  assert.ok(run.reportDir);
  const result = await readSelftest(run.reportDir);
  assert.equal(result.verdict, 'passed', result.summary);
  assertEveryFaultCaught(result, 'dump', 'local');
  await assertReports(run.reportDir, result);
  for (const fault of result.methods[0]!.faults)
    assert.match(run.stdout, new RegExp(`^dump +${fault.id} +caught by ${fault.expectedCheck}$`, 'm'));
  assert.match(
    run.stdout,
    /^PASSED selftest: \d+ of \d+ faults caught by their intended check \(dump\); every clean drill passed$/m,
  );
  // Progress goes to the log when not on a terminal: one record as each step starts and ends.
  const progress = run.stderr
    .split('\n')
    .filter((l) => l.includes('"step"'))
    .map((l) => JSON.parse(l) as { step: number; total: number; outcome?: string });
  assert.equal(progress.filter((p) => p.outcome).length, progress[0]!.total);
  process.stdout.write(`# selftest --method dump took ${seconds.toFixed(1)} s\n`);
});
