// The scenario's encryption block: key from a file or a variable, refused where it cannot protect what it should.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScenarioError } from '../../../src/core/errors.ts';
import { loadScenario } from '../../../src/scenario/load.ts';
import { loadKey } from '../../../src/repository/cipher/key.ts';
import { openRepository } from '../../../src/repository/open-repository.ts';
import { exitCodeOf } from '../../../src/cli/exit-code.ts';

const root = await mkdtemp(join(tmpdir(), 'recoverable-encryption-'));
after(() => rm(root, { recursive: true, force: true }));
let count = 0;

async function load(
  yaml: string,
): Promise<{ cwd: string; result: Awaited<ReturnType<typeof loadScenario>> | ScenarioError }> {
  const cwd = join(root, String(count++));
  await mkdir(cwd, { recursive: true });
  await writeFile(join(cwd, 'scenario.yaml'), yaml);
  const result = await loadScenario('scenario.yaml', { cwd, env: {} }).catch((e: unknown) => {
    if (e instanceof ScenarioError) return e;
    throw e;
  });
  return { cwd, result };
}

const base = (method: string, extra = ''): string => `name: enc
source: { managed: {} }
backup: { method: ${method}${method === 'snapshot' ? ', snapshot: { driver: copy }' : ''} }
restore: { environment: local${method === 'dump' ? '' : ', targets: [latest]'} }
${extra}`;

test('a key file resolves against the scenario directory; an env key keeps its name; none means no encryption', async () => {
  const file = await load(base('dump', 'encryption: { key: { file: keys/repo.key } }'));
  assert.ok(!(file.result instanceof ScenarioError));
  assert.deepEqual(file.result.encryption, { key: { file: join(file.cwd, 'keys/repo.key') } });
  const env = await load(base('dump', 'encryption: { key: { env: RECOVERABLE_KEY } }'));
  assert.ok(!(env.result instanceof ScenarioError));
  assert.deepEqual(env.result.encryption, { key: { env: 'RECOVERABLE_KEY' } });
  const none = await load(base('dump'));
  assert.ok(!(none.result instanceof ScenarioError));
  assert.equal(none.result.encryption, undefined);
  assert.equal(openRepository(none.result).key, null);
});

test('both a file and a variable, or an unknown key source, are refused', async () => {
  const both = await load(base('dump', 'encryption: { key: { file: k, env: K } }'));
  assert.ok(both.result instanceof ScenarioError);
  const other = await load(base('dump', 'encryption: { key: { hex: abc } }'));
  assert.ok(other.result instanceof ScenarioError);
});

test('snapshots and managed basebackups in containers are refused with encryption (exit 2), basebackups here are not', async () => {
  const snapshot = await load(base('snapshot', 'encryption: { key: { env: K } }'));
  assert.ok(snapshot.result instanceof ScenarioError);
  assert.equal(exitCodeOf(snapshot.result.category), 2);
  assert.match(snapshot.result.issues.map((i) => i.problem).join('\n'), /volume snapshots outside the repository/);
  const docker = await load(
    base('basebackup', 'encryption: { key: { env: K } }').replace('environment: local', 'environment: docker'),
  );
  assert.ok(docker.result instanceof ScenarioError);
  assert.match(docker.result.issues.map((i) => i.problem).join('\n'), /archives its WAL with a shell cp/);
  const local = await load(base('basebackup', 'encryption: { key: { env: K } }'));
  assert.ok(!(local.result instanceof ScenarioError), String(local.result));
});

test('loadKey: from a variable, an unset variable, an unreadable file, a file inside the repository', async () => {
  const hex = randomBytes(32).toString('hex');
  assert.equal(loadKey({ env: 'K' }, '/repo', { K: hex }).bytes.toString('hex'), hex);
  assert.throws(() => loadKey({ env: 'K' }, '/repo', {}), /the encryption key variable K is not set/);
  assert.throws(() => loadKey({ file: join(root, 'absent.key') }, '/repo'), /cannot read the encryption key file/);
  await writeFile(join(root, 'inside.key'), hex);
  assert.throws(() => loadKey({ file: join(root, 'inside.key') }, root), /is inside the repository/);
  await writeFile(join(root, 'ok.key'), `${hex}\n`);
  assert.equal(loadKey({ file: join(root, 'ok.key') }, join(root, 'repo')).bytes.toString('hex'), hex);
});
