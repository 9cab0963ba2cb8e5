// A signed basebackup drill in Docker: the signature chain reaches PostgreSQL's backup_manifest, and provenance names
// the image restored into with the digest the engine reports for it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { checkIn, latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { dockerAvailable, requireDockerInCi, requireImage } from '../helpers/docker.ts';
import { keyFingerprint } from '../../src/evidence/keys.ts';

const unavailable = requireDockerInCi(await dockerAvailable());
const skip = unavailable || (await requireImage('postgres:15', { requiredInCi: true }));

let ws: Workspace;
before(async () => {
  ws = await workspace();
});
after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary directory left behind');
  if (!skip) {
    const labelled = execFileSync('docker', ['ps', '-aq', '--filter', 'label=org.recoverable=true'], {
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean);
    const ours = labelled.filter((id) =>
      execFileSync('docker', ['inspect', '-f', '{{index .Config.Labels "org.recoverable.workdir"}}', id], {
        encoding: 'utf8',
      }).includes(ws.workDir),
    );
    assert.deepEqual(ours, [], 'no container left behind');
  }
  await ws.dispose();
});

test(
  'a signed basebackup drill in docker: signature passed, pg_verifybackup passed, image and digest in provenance, bundle verifies',
  { skip },
  async () => {
    const pair = generateKeyPairSync('ed25519');
    const signing = join(ws.dir, 'signing.pem');
    const verify = join(ws.dir, 'verify.pem');
    await writeFile(signing, pair.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    await writeFile(verify, pair.publicKey.export({ format: 'pem', type: 'spki' }));
    const file = await ws.scenario(
      'signed-physical.yaml',
      `name: signed-physical
source: { managed: { fixtures: [${ws.dir}/fixtures/shop.sql], workload: { seed: 3, transactions: 100 } } }
repository: ${ws.dir}/repo
backup: { method: basebackup }
restore: { environment: docker, targets: [immediate] }
checks: [rowcounts, fingerprints]
report: { dir: ${ws.dir}/reports, formats: [json, markdown] }
evidence: { signingKey: { env: BACKUP_SIGNING_KEY }, verifyKey: { file: ${verify} }, require: signed }
`,
    );
    const run = await cli(['drill', file], { cwd: ws.dir, env: { ...ws.env, BACKUP_SIGNING_KEY: signing } });
    assert.equal(run.exitCode, 0, run.stdout + run.stderr.slice(-2000));
    const result = await latestResult(join(ws.dir, 'reports'), 'signed-physical');
    assert.deepEqual(result.checks.map((c) => [c.id, c.status]).slice(0, 3), [
      ['evidence:signature', 'passed'],
      ['manifest', 'passed'],
      ['pg_verifybackup', 'passed'],
    ]);
    assert.match(
      checkIn(result, 'manifest').message,
      /data\/ is covered by data\/backup_manifest/,
      'the signed manifest covers backup_manifest, which covers data/',
    );
    const fingerprint = keyFingerprint(pair.publicKey);
    assert.equal(result.provenance?.backup?.keyFingerprint, fingerprint);
    const engineDigest = JSON.parse(
      execFileSync('docker', ['image', 'inspect', 'postgres:15'], { encoding: 'utf8' }),
    ) as Array<{ Id: string; RepoDigests?: string[] }>;
    assert.deepEqual(result.provenance?.images, [
      { image: 'postgres:15', digest: engineDigest[0]!.RepoDigests?.[0] ?? engineDigest[0]!.Id },
    ]);
    assert.deepEqual(result.provenance?.postgres.restores, [{ target: 'immediate', version: 15 }]);
    const dir = join(ws.dir, 'reports', (await readdir(join(ws.dir, 'reports'))).sort().at(-1)!);
    const verified = await cli(['verify-evidence', dir, '--key', verify], { cwd: ws.dir, env: ws.env });
    assert.equal(verified.exitCode, 0, verified.stdout);
    assert.match(verified.stdout, new RegExp(`signed by key ${fingerprint} \\(the key given\\)`));
  },
);
