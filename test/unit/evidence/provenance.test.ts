// Provenance: CI identity from each CI's own variables, nothing from outside CI, and the run's backup, images and versions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ciOf, collectProvenance } from '../../../src/evidence/provenance.ts';
import type { RunResult } from '../../../src/run/result.ts';

test('GitHub Actions, GitLab CI and a generic CI are told apart; no CI is null', () => {
  assert.deepEqual(
    ciOf({
      GITHUB_ACTIONS: 'true',
      GITHUB_RUN_ID: '42',
      GITHUB_REPOSITORY: 'acme/db',
      GITHUB_SHA: 'abc',
      GITHUB_TOKEN: 'secret',
    }),
    {
      system: 'github-actions',
      runId: '42',
      repository: 'acme/db',
      revision: 'abc',
      jobUrl: 'https://github.com/acme/db/actions/runs/42',
    },
  );
  assert.deepEqual(
    ciOf({
      GITLAB_CI: 'true',
      CI: 'true',
      CI_JOB_ID: '7',
      CI_PIPELINE_ID: '9',
      CI_PROJECT_PATH: 'acme/db',
      CI_COMMIT_SHA: 'def',
      CI_JOB_TOKEN: 'secret',
    }),
    {
      system: 'gitlab-ci',
      runId: '7',
      pipelineId: '9',
      repository: 'acme/db',
      revision: 'def',
    },
  );
  assert.deepEqual(ciOf({ CI: 'true', BUILD_ID: '5' }), { system: 'ci', runId: '5' });
  assert.equal(ciOf({ CI: 'false' }), null);
  assert.equal(ciOf({}), null);
});

test('provenance carries the backup, its signature, each image once with its digest, and every PostgreSQL major; no token', () => {
  const restore = (
    target: string,
    version: number,
    image?: string,
    imageDigest?: string,
  ): RunResult['restores'][number] => ({
    target,
    environment: {
      kind: image ? 'docker' : 'local',
      version,
      ...(image ? { image } : {}),
      ...(imageDigest ? { imageDigest } : {}),
    },
    reached: { kind: 'immediate', proof: '' },
    phases: [],
    checks: [],
  });
  const result = {
    scenario: { name: 's', path: '/s.yaml', sha256: 'f'.repeat(64) },
    backup: {
      id: 'b1',
      method: 'dump',
      sizeBytes: 1,
      durationMs: 1,
      taken: true,
      takenAt: '',
      sourceVersion: 15,
      sourceServerVersion: '15.8',
      manifestSha256: 'a'.repeat(64),
      signature: { signed: true, keyFingerprint: 'c'.repeat(64), verified: true },
    },
    restores: [
      restore('immediate', 17, 'postgres:17', 'sha256:17'),
      restore('latest', 17, 'postgres:17', 'sha256:17'),
      restore('immediate', 18, 'postgres:18'),
    ],
  } as unknown as RunResult;
  const provenance = collectProvenance(result, {
    toolVersion: '1.2.3',
    env: { GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '1', GITHUB_TOKEN: 'ghs_secret' },
    user: 'ci',
    host: 'runner-1',
  });
  assert.deepEqual(provenance, {
    user: 'ci',
    host: 'runner-1',
    ci: { system: 'github-actions', runId: '1' },
    toolVersion: '1.2.3',
    scenarioSha256: 'f'.repeat(64),
    backup: { id: 'b1', manifestSha256: 'a'.repeat(64), signed: true, keyFingerprint: 'c'.repeat(64) },
    images: [{ image: 'postgres:17', digest: 'sha256:17' }, { image: 'postgres:18' }],
    postgres: {
      source: 15,
      sourceServer: '15.8',
      restores: [
        { target: 'immediate', version: 17 },
        { target: 'latest', version: 17 },
        { target: 'immediate', version: 18 },
      ],
    },
  });
  assert.doesNotMatch(JSON.stringify(provenance), /secret/);
  const here = collectProvenance({ ...result, backup: null, restores: [] }, { toolVersion: '1', env: {} });
  assert.ok(here.user.length > 0 && here.host.length > 0);
  assert.equal(here.ci, undefined);
  assert.equal(here.backup, undefined);
});
