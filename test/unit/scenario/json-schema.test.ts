import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { parse } from 'yaml';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { scenarioJsonSchema, SCENARIO_SCHEMA_FILE } from '../../../src/scenario/json-schema.ts';
import { scenarioSchema } from '../../../src/scenario/schema.ts';
import { starterScenario } from '../../../src/scenario/init-template.ts';

const ROOT = new URL('../../../', import.meta.url);
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(scenarioJsonSchema());

// Both the JSON Schema (editors) and zod (the loader) must give the same answer.
function verdicts(scenario: unknown): { json: boolean; zod: boolean } {
  return { json: validate(scenario), zod: scenarioSchema.safeParse(scenario).success };
}

const minimal = { name: 'nightly', source: { managed: null } };

test('the shipped scenario schema is the one the zod schema generates (run `npm run schemas`)', async () => {
  const shipped = await readFile(new URL(SCENARIO_SCHEMA_FILE, ROOT), 'utf8');
  assert.equal(shipped, `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
});

test('every shipped scenario and the starter are valid for the JSON Schema and for zod', async () => {
  const dir = new URL('scenarios/', ROOT);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 3);
  for (const file of files)
    assert.deepEqual(verdicts(parse(await readFile(new URL(file, dir), 'utf8'))), { json: true, zod: true }, file);
  assert.deepEqual(verdicts(parse(starterScenario('schema.json'))), { json: true, zod: true }, 'starter');
});

test('blocks left out, `managed:` with nothing after it and object-form targets are accepted', () => {
  assert.deepEqual(verdicts(minimal), { json: true, zod: true }, JSON.stringify(validate.errors));
  const targets = {
    ...minimal,
    backup: { method: 'basebackup' },
    restore: {
      targets: [
        'latest',
        { marker: 'batch-2' },
        { xid: 1234, inclusive: false, checks: [{ amcheck: null }] },
        { time: '2024-05-01T12:00:00.123456Z' },
      ],
    },
  };
  assert.deepEqual(verdicts(targets), { json: true, zod: true }, JSON.stringify(validate.errors));
  assert.deepEqual(verdicts({ ...minimal, objectives: { rto: '1h30m', rpo: '500ms' } }), { json: true, zod: true });
});

test('mistakes the loader refuses are refused by the JSON Schema too', () => {
  const wrong: Record<string, unknown> = {
    'unknown key': { ...minimal, backup: { jbos: 4 } },
    'unknown target word': { ...minimal, restore: { targets: ['latests'] } },
    'target with two kinds': { ...minimal, restore: { targets: [{ xid: 3, lsn: '0/1' }] } },
    'unknown check': { ...minimal, checks: ['rowcount'] },
    'duration without unit': { ...minimal, objectives: { rto: 300 } },
    'duration in words': { ...minimal, objectives: { rto: '5 minutes' } },
    'major out of range': { name: 'n', source: { managed: { version: 12 } } },
    'jobs out of range': { ...minimal, backup: { jobs: 65 } },
    'bad name': { ...minimal, name: 'Nightly Drill' },
    'missing source': { name: 'n' },
    'bad report format': { ...minimal, report: { formats: ['pdf'] } },
  };
  for (const [what, scenario] of Object.entries(wrong))
    assert.deepEqual(verdicts(scenario), { json: false, zod: false }, what);
});
