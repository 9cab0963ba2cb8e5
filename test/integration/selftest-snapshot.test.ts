// Snapshot faults (copy driver): tablespace_map or a tablespace's snapshot missing, backup_label edited.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { workspace } from '../helpers/workspace.ts';
import { assertEveryFaultCaught, readSelftest, selftest } from './selftest-support.ts';

const ws = await workspace();
after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary directory left behind');
  assert.deepEqual(ws.leftoverProcesses(), [], 'no server left running');
  await ws.dispose();
});

test('selftest --method snapshot --only the snapshot faults exits 0, each caught by its snapshot check', async () => {
  const only = ['backup-label-edited', 'tablespace-map-missing', 'tablespace-missing'];
  const run = await selftest(ws, ['--method', 'snapshot', '--version', '15', '--only', only.join(',')]);
  assert.equal(run.exitCode, 0, `${run.stdout}\n${run.stderr.slice(-3000)}`);
  const result = await readSelftest(run.reportDir!);
  assertEveryFaultCaught(result, 'snapshot', 'local', only);
  const by = Object.fromEntries(result.methods[0]!.faults.map((f) => [f.id, f.intended!.id]));
  assert.deepEqual(by, {
    'backup-label-edited': 'snapshot:backup-label',
    'tablespace-map-missing': 'snapshot:tablespace-map',
    'tablespace-missing': 'snapshot:volumes',
  });
  assert.match(
    result.methods[0]!.faults.find((f) => f.id === 'tablespace-map-missing')!.intended!.message,
    /tablespace_map is missing: the backup has 1 tablespace\(s\) \(archive\)/,
  );
});
