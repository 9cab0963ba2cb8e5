// The self-test in Docker: the source and every restore in containers of the major under test, and the injectors that
// reach into a container (page edits through the container's own tools, its archive command) still inject their fault.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { workspace } from '../helpers/workspace.ts';
import { dockerAvailable, requireDockerInCi, requireImage } from '../helpers/docker.ts';
import { assertEveryFaultCaught, readSelftest, selftest } from './selftest-support.ts';

const unavailable = requireDockerInCi(await dockerAvailable());
const skip = unavailable || (await requireImage('postgres:17', { requiredInCi: true }));

const ws = await workspace();
after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary directory left behind');
  if (!unavailable) {
    const left = execFileSync(
      'docker',
      ['ps', '-aq', '--filter', 'label=org.recoverable=true', '--filter', `label=org.recoverable.workdir`],
      { encoding: 'utf8' },
    )
      .split('\n')
      .filter(Boolean)
      .filter((id) =>
        execFileSync('docker', ['inspect', '-f', '{{index .Config.Labels "org.recoverable.workdir"}}', id], {
          encoding: 'utf8',
        }).includes(ws.workDir),
      );
    assert.deepEqual(left, [], 'no container left behind');
  }
  await ws.dispose();
});

test(
  'selftest --environment docker --version 17: page damage, the archive command and a WAL gap are caught in containers',
  { skip },
  async () => {
    const only = ['wal-segment-missing', 'archive-overwrite', 'heap-page-corrupt', 'index-page-corrupt'];
    const run = await selftest(ws, [
      '--environment',
      'docker',
      '--version',
      '17',
      '--method',
      'basebackup',
      '--only',
      only.join(','),
    ]);
    assert.equal(run.exitCode, 0, `${run.stdout}\n${run.stderr.slice(-3000)}`);
    const result = await readSelftest(run.reportDir!);
    assert.deepEqual(result.environment, { kind: 'docker', version: 17 });
    assertEveryFaultCaught(result, 'basebackup', 'docker', only);
    // In a container the archive command is a shell script that refuses silently: its exit code is the evidence.
    assert.match(
      result.methods[0]!.faults.find((f) => f.id === 'archive-overwrite')!.intended!.message,
      /refused .* left the archived segment unchanged/,
    );
  },
);
