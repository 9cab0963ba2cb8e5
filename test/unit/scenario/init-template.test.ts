import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { starterScenario } from '../../../src/scenario/init-template.ts';
import { loadScenario } from '../../../src/scenario/load.ts';
import { CHECK_NAMES } from '../../../src/scenario/schema.ts';

const dir = await mkdtemp(join(tmpdir(), 'recoverable-init-'));
after(() => rm(dir, { recursive: true, force: true }));

test('the starter scenario loads as it is, with no environment', async () => {
  await writeFile(join(dir, 'starter.yaml'), starterScenario());
  const scenario = await loadScenario('starter.yaml', { cwd: dir, env: {} });
  assert.equal(scenario.name, 'starter');
  assert.equal(scenario.source.kind, 'managed');
  assert.deepEqual(scenario.objectives, { rtoMs: 300_000, rpoMs: 60_000 });
});

test('the starter mentions every option, each with a comment', () => {
  const text = starterScenario();
  const options = [
    'name',
    'source',
    'managed',
    'version',
    'database',
    'fixtures',
    'workload',
    'seed',
    'transactions',
    'dataChecksums',
    'url',
    'restoreCommand',
    'markers',
    'repository',
    'backup',
    'method',
    'jobs',
    'use',
    'snapshot',
    'driver',
    'command',
    'deleteCommand',
    'timeout',
    'restore',
    'environment',
    'image',
    'noOwner',
    'noPrivileges',
    'targets',
    'time',
    'lsn',
    'xid',
    'marker',
    'inclusive',
    'matrix',
    'checks',
    'heapallindexed',
    'sql',
    'query',
    'expect',
    'objectives',
    'rto',
    'rpo',
    'report',
    'dir',
    'formats',
    'evidence',
    'signingKey',
    'verifyKey',
    'require',
    ...CHECK_NAMES,
  ];
  for (const option of options) assert.match(text, new RegExp(`\\b${option}\\b.*#|#.*\\b${option}\\b`), option);
});
