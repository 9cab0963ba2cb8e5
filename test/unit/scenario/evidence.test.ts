// The scenario's evidence block: key sources as a file (resolved like every path) or a variable name, require signed|any.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScenarioError } from '../../../src/core/errors.ts';
import { loadScenario } from '../../../src/scenario/load.ts';

const root = await mkdtemp(join(tmpdir(), 'recoverable-evidence-scenario-'));
after(() => rm(root, { recursive: true, force: true }));
let count = 0;

async function load(evidence: string): Promise<Awaited<ReturnType<typeof loadScenario>>> {
  const file = join(root, `s${count++}.yaml`);
  await writeFile(file, `name: signed\nsource: { managed: {} }\n${evidence}`);
  return loadScenario(file, { cwd: root, env: {} });
}

test('no evidence block: nothing signed, nothing required', async () => {
  assert.deepEqual((await load('')).evidence, { require: 'any' });
});

test('a key file resolves against the scenario directory; a variable is kept by name', async () => {
  const scenario = await load(
    'evidence: { signingKey: { file: keys/signing.pem }, verifyKey: { env: DRILL_KEY }, require: signed }\n',
  );
  assert.deepEqual(scenario.evidence, {
    signingKey: { file: join(root, 'keys/signing.pem') },
    verifyKey: { env: 'DRILL_KEY' },
    require: 'signed',
  });
});

test('a PEM written into the scenario, both sources at once, an unknown require or key are refused naming the path', async () => {
  const refusals: Array<[string, RegExp]> = [
    [
      'evidence: { signingKey: "-----BEGIN PRIVATE KEY-----" }\n',
      /evidence\.signingKey: unknown key source "-----BEGIN PRIVATE KEY-----" \(fix: use one of \{ file: \.\.\. \}, \{ env: \.\.\. \}\)/,
    ],
    [
      'evidence: { signingKey: { file: a.pem, env: K } }\n',
      /evidence\.signingKey: a key source takes exactly one of file, env/,
    ],
    [
      'evidence: { verifyKey: { env: "not a name" } }\n',
      /evidence\.verifyKey\.env: "not a name" is not an environment variable name/,
    ],
    ['evidence: { require: always }\n', /evidence\.require/],
    [
      'evidence: { signing: { file: a.pem } }\n',
      /evidence\.signing: unknown field "signing" \(fix: remove it; allowed here: signingKey, verifyKey, require\)/,
    ],
  ];
  for (const [yaml, message] of refusals) {
    const error = await load(yaml).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof ScenarioError, yaml);
    assert.match(error.message, message, yaml);
  }
});
