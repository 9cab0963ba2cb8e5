// Fingerprints stay exact across majors: a 15 source holding every trap type of value hashing, restored into 17 and
// 18 in Docker, gives the backup's fingerprint for every table (enum and reg* OIDs are new there, hashes the same).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cli, ROOT } from '../helpers/cli.ts';
import { latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { LocalRepository } from '../../src/repository/local-repository.ts';
import { dockerAvailable, requireDockerInCi, requireImage } from '../helpers/docker.ts';

const unavailable = requireDockerInCi(await dockerAvailable());
const images: Record<number, string | false> = {};
for (const major of [17, 18])
  images[major] = unavailable || (await requireImage(`postgres:${major}`, { requiredInCi: true }));

let ws: Workspace;
before(async () => {
  ws = await workspace();
});
after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary directory left behind');
  await ws.dispose();
});

test(
  'a 15 source with every trap type restored into 17 and 18 passes every fingerprint',
  { skip: images[17] || images[18] },
  async () => {
    const file = await ws.scenario(
      'fingerprint-majors.yaml',
      `name: fingerprint-majors
source: { managed: { version: 15, fixtures: [${join(ROOT, 'test/fixtures/fingerprint-types.sql')}], workload: { seed: 1, transactions: 0 } } }
repository: ${ws.dir}/repo
backup: { method: dump }
restore: { environment: docker, matrix: { version: [17, 18] } }
checks: [rowcounts, fingerprints]
report: { dir: ${ws.dir}/reports, formats: [json] }
`,
    );
    const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
    const result = await latestResult(join(ws.dir, 'reports'), 'fingerprint-majors');
    const bad = result.restores.flatMap((r) => r.checks).filter((c) => c.status !== 'passed');
    assert.equal(run.exitCode, 0, `${bad.map((c) => `${c.id}: ${c.message}`).join('\n')}\n${run.stderr.slice(-2000)}`);
    assert.deepEqual(
      result.restores.map((r) => r.environment.version),
      [17, 18],
    );
    // The backup's fingerprints are value hashes (what each restore computed too, or the checks would be errored).
    const repo = new LocalRepository(join(ws.dir, 'repo'));
    const [backup] = await repo.list();
    assert.equal((await repo.readExpectations(backup!))?.expectations.fingerprintAlgorithm, 'value-hash');
    for (const restore of result.restores) {
      const fingerprints = restore.checks
        .filter((c) => c.kind === 'fingerprints')
        .map((c) => `${c.id} ${c.status}`)
        .sort();
      assert.deepEqual(
        fingerprints,
        ['fingerprint:fp.by_value passed', 'fingerprint:fp.traps passed', 'fingerprint:fp.traps_view passed'],
        `${restore.environment.version}`,
      );
    }
  },
);
