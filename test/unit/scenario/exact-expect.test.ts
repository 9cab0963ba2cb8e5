// SQL assertion values reach the check exactly as written: YAML numbers a double cannot hold are kept as decimals.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../../../src/scenario/load.ts';

const root = await mkdtemp(join(tmpdir(), 'recoverable-expect-'));
after(() => rm(root, { recursive: true, force: true }));

test('expect keeps 9007199254740993 and 100.000000000000000001 exact; plain numbers stay numbers', async () => {
  await writeFile(
    join(root, 'scenario.yaml'),
    `name: exact
source:
  managed:
checks:
  - sql: { query: "select 9007199254740993::bigint", expect: 9007199254740993 }
  - sql: { query: "select 100.000000000000000001", expect: 100.000000000000000001 }
  - sql: { query: "select 0", expect: 0 }
  - sql: { query: "select 1.5", expect: 1.5 }
  - sql: { query: "select 'x'", expect: "9007199254740993" }
`,
  );
  const scenario = await loadScenario('scenario.yaml', { cwd: root, env: {} });
  const expects = scenario.checks.flatMap((c) => (c.kind === 'sql' ? [c.expect] : []));
  assert.deepEqual(expects, [
    { decimal: '9007199254740993' },
    { decimal: '100.000000000000000001' },
    0,
    1.5,
    '9007199254740993',
  ]);
});
