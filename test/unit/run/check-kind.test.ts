// Check kinds are a closed list: every scenario check has one, and a kind outside the list does not compile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fail, pass } from '../../../src/run/check.ts';
import { CHECK_KINDS, type CheckKind } from '../../../src/run/result.ts';
import { CHECK_NAMES } from '../../../src/scenario/schema.ts';

test('every check a scenario can ask for is a check kind', () => {
  for (const name of [...CHECK_NAMES, 'sql'] as const)
    assert.ok((CHECK_KINDS as readonly string[]).includes(name), `${name} is not a CheckKind`);
});

test('the kinds are unique', () => {
  assert.equal(new Set(CHECK_KINDS).size, CHECK_KINDS.length);
});

test('pass and fail keep the kind they are given', () => {
  const kind: CheckKind = 'sequences';
  assert.equal(pass(kind, 'sequence:shop.orders_id_seq', 'exact', 5, 5, 'ok', 1).kind, 'sequences');
  assert.equal(fail('manifest', 'manifest', 'exact', 0, 1, 'one file differs', 1).kind, 'manifest');
});

test('a kind outside the list does not compile', () => {
  // Checked by the typecheck: each call below is an error tsc must report.
  const never = (): unknown[] => [
    // @ts-expect-error 'rowcount' is a typo of 'rowcounts'
    pass('rowcount', 'rowcount:t', 'exact', 1, 1, 'ok', 0),
    // @ts-expect-error 'fingerprint' is a typo of 'fingerprints'
    fail('fingerprint', 'fingerprint:t', 'exact', 'a', 'b', 'differs', 0),
  ];
  assert.equal(typeof never, 'function');
});
