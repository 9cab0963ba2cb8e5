// Encryption at rest in a container: the decrypted copy is mounted read-only where pg_restore runs, then removed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { checkIn, latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { dockerAvailable, requireDockerInCi, requireImage } from '../helpers/docker.ts';

const unavailable = requireDockerInCi(await dockerAvailable());
const image = unavailable || (await requireImage('postgres:15', { requiredInCi: true }));

let ws: Workspace;
before(async () => {
  ws = await workspace();
});
after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary directory or plaintext copy left behind');
  await ws.dispose();
});

test(
  'an encrypted dump drill restores in a container from the decrypted copy and passes',
  { skip: image },
  async () => {
    await writeFile(join(ws.dir, 'repo.key'), randomBytes(32).toString('hex'), { mode: 0o600 });
    const file = await ws.scenario(
      'enc-docker.yaml',
      `name: enc-docker
source:
  managed:
    version: 15
    fixtures: [${ws.dir}/fixtures/shop.sql]
    workload: { seed: 5, transactions: 50 }
repository: ${ws.dir}/repo
encryption: { key: { file: ${ws.dir}/repo.key } }
backup: { method: dump }
restore: { environment: docker }
checks: [rowcounts, fingerprints]
report: { dir: ${ws.dir}/reports, formats: [json] }
`,
    );
    const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 0, run.stdout + run.stderr.slice(-3000));
    const result = await latestResult(join(ws.dir, 'reports'), 'enc-docker');
    assert.equal(result.verdict, 'passed');
    assert.equal(result.restores[0]?.environment.kind, 'docker');
    assert.equal(checkIn(result, 'decrypt').status, 'passed');
    assert.equal(checkIn(result, 'restore:pg_restore').status, 'passed');
    assert.equal(checkIn(result, 'fingerprint:shop.customers').status, 'passed');
  },
);
