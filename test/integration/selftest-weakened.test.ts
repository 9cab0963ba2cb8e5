// The self-test can fail: with comparisons left out of every drill (a test seam), the faults only they catch slip
// through, the self-test exits 1 and its reports name them, while the faults other checks catch are still caught.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { workspace } from '../helpers/workspace.ts';
import { runSelftest } from '../../src/selftest/runner.ts';
import { writeSelftestReports } from '../../src/selftest/report/write.ts';
import { silentLogger } from '../../src/core/log.ts';
import { systemClock } from '../../src/core/clock.ts';
import { verdictExitCode } from '../../src/cli/exit-code.ts';

const ws = await workspace();
after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary directory left behind');
  assert.deepEqual(ws.leftoverProcesses(), [], 'no server left running');
  await ws.dispose();
});

test('amcheck and fingerprints left out: the page and row faults slip through, the self-test exits 1 naming them', async () => {
  process.env.RECOVERABLE_WORK_DIR = ws.workDir;
  const run = await runSelftest(
    {
      methods: ['dump'],
      environment: 'local',
      version: 15,
      workRoot: ws.workDir,
      only: ['dump-tampered', 'heap-page-corrupt', 'index-page-corrupt', 'alias-column-row-changed'],
      weaken: { dropChecks: ['amcheck', 'fingerprints'] },
    },
    { log: silentLogger(), clock: systemClock },
  );
  assert.equal(verdictExitCode(run), 1);
  const { result } = run;
  assert.equal(result.verdict, 'failed');
  assert.deepEqual(result.weakened, ['amcheck', 'fingerprints']);
  const dump = result.methods[0]!;
  assert.equal(dump.clean.verdict, 'passed', 'the weakened clean drill still passes: nothing flags a sound backup');
  const outcome = Object.fromEntries(dump.faults.map((f) => [f.id, f.outcome]));
  assert.deepEqual(outcome, {
    'dump-tampered': 'caught',
    'heap-page-corrupt': 'missed',
    'index-page-corrupt': 'missed',
    'alias-column-row-changed': 'missed',
  });
  for (const id of ['heap-page-corrupt', 'index-page-corrupt']) {
    const fault = dump.faults.find((f) => f.id === id)!;
    assert.match(fault.message, /^slipped through: no check failed \(amcheck did not run\)$/);
    assert.match(fault.injected ?? '', /page checksum recomputed/, 'the fault was really injected');
  }
  assert.match(
    result.summary,
    /^1 of 4 faults caught by their intended check \(dump\); 3 problem\(s\): heap-page-corrupt \(dump\) slipped through: amcheck did not catch it and nothing else did; index-page-corrupt \(dump\) slipped through/,
  );
  assert.match(
    result.summary,
    /alias-column-row-changed \(dump\) slipped through: fingerprint:selftest\.aliased did not catch it/,
  );

  const dir = join(ws.dir, 'reports', result.runId);
  await writeSelftestReports(run, dir);
  const summary = await readFile(join(dir, 'summary.md'), 'utf8');
  assert.match(summary, /^# Recoverable selftest FAILED/);
  assert.match(summary, /\| \*\*`heap-page-corrupt`\*\* \| restored \| .* \| `amcheck` \| \*\*SLIPPED THROUGH\*\* \|/);
  const junit = await readFile(join(dir, 'junit.xml'), 'utf8');
  assert.equal(junit.match(/<failure /g)?.length, 3);
  assert.match(
    junit,
    /name="alias-column-row-changed caught by fingerprint:selftest.aliased"[^>]*>\s*<failure message="alias-column-row-changed: slipped through/,
  );
});
