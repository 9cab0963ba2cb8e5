import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { resultJsonSchema, runResultSchema, RESULT_SCHEMA_FILE } from '../../../src/run/result-schema.ts';
import { failingResult, passingResult } from '../report/sample-result.ts';

const ROOT = new URL('../../../', import.meta.url);
// Formats are checked by the patterns zod writes beside them; ajv's format plugin is not needed for that.
const validate = new Ajv2020({ strict: true, allErrors: true, validateFormats: false }).compile(resultJsonSchema());

function verdicts(result: unknown): { json: boolean; zod: boolean } {
  return { json: validate(result), zod: runResultSchema.safeParse(result).success };
}

test('the shipped result schema is the one the zod schema generates (run `npm run schemas`)', async () => {
  const shipped = await readFile(new URL(RESULT_SCHEMA_FILE, ROOT), 'utf8');
  assert.equal(shipped, `${JSON.stringify(resultJsonSchema(), null, 2)}\n`);
});

test('a passing and a failing result (JSON round trip) are valid', () => {
  for (const result of [passingResult(), failingResult()]) {
    assert.deepEqual(
      verdicts(JSON.parse(JSON.stringify(result))),
      { json: true, zod: true },
      JSON.stringify(validate.errors),
    );
  }
  assert.deepEqual(
    verdicts(
      passingResult({
        backup: null,
        restores: [],
        error: { code: 'environment', message: 'no pg_dump 15', hint: 'install it' },
      }),
    ),
    { json: true, zod: true },
  );
});

test('results that do not match the model are refused by both', () => {
  const good = passingResult();
  const wrong: Record<string, unknown> = {
    'missing verdict': { ...good, verdict: undefined },
    'unknown verdict': { ...good, verdict: 'ok' },
    'unknown top-level key': { ...good, verdicts: [] },
    'check without status': { ...good, checks: [{ id: 'm', kind: 'manifest', message: 'x', durationMs: 1 }] },
    'unknown check status': {
      ...good,
      checks: [{ id: 'm', kind: 'manifest', status: 'ok', message: 'x', durationMs: 1 }],
    },
    'other schema version': { ...good, schemaVersion: 2 },
    'start that is no time': { ...good, startedAt: 'yesterday' },
    'negative duration': { ...good, backup: { ...good.backup, durationMs: -1 } },
  };
  for (const [what, result] of Object.entries(wrong))
    assert.deepEqual(verdicts(JSON.parse(JSON.stringify(result))), { json: false, zod: false }, what);
});
