// The error registry: every code has a category and a hint, and errors carry their code's category.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BackupUnusableError,
  EnvironmentError,
  InterruptedError,
  MissingGrantError,
  RecoverableError,
  ScenarioError,
  ToolError,
  UsageError,
  categoryOf,
  errorCodes,
  hasErrorCode,
  hintOf,
  type ErrorCategory,
  type ErrorCode,
} from '../../../src/core/errors.ts';

const categories: readonly ErrorCategory[] = [
  'usage',
  'environment',
  'backup-unusable',
  'failed',
  'interrupted',
  'internal',
];

test('every registered code has a known category and a one-line lowercase hint', () => {
  const codes = Object.keys(errorCodes) as ErrorCode[];
  assert.ok(codes.length >= 28, `only ${codes.length} codes registered`);
  for (const code of codes) {
    const { category, hint } = errorCodes[code];
    assert.ok(categories.includes(category), `${code}: category ${category} is not one of ${categories.join(', ')}`);
    assert.match(code, /^[a-z]+(-[a-z]+)*$/, `${code} is not a kebab-case code`);
    assert.ok(hint.trim().length > 10, `${code} has no hint`);
    assert.ok(!hint.includes('\n'), `${code}: the hint is more than one line`);
    assert.equal(hint[0], hint[0]!.toLowerCase(), `${code}: the hint starts with a capital`);
  }
});

test('each category has at least one code', () => {
  for (const category of categories)
    assert.ok(
      Object.values(errorCodes).some((e) => e.category === category),
      `no code of category ${category}`,
    );
});

test('each error class carries the category of its code', () => {
  const cases: [RecoverableError, ErrorCode, ErrorCategory][] = [
    [new UsageError('bad'), 'usage', 'usage'],
    [new ScenarioError('bad scenario'), 'scenario-invalid', 'usage'],
    [new EnvironmentError('docker-unreachable', 'no engine'), 'docker-unreachable', 'environment'],
    [new MissingGrantError('no grant', ['GRANT pg_read_all_data TO backup']), 'missing-grant', 'environment'],
    [new InterruptedError('SIGINT'), 'interrupted', 'interrupted'],
    [new ToolError({ command: 'pg_dump', exitCode: 1, stderrTail: 'boom', durationMs: 3 }), 'tool-failed', 'failed'],
    [new BackupUnusableError('gone'), 'backup-unusable', 'backup-unusable'],
    [new RecoverableError('wal-encrypted', 'encrypted'), 'wal-encrypted', 'usage'],
  ];
  for (const [error, code, category] of cases) {
    assert.equal(error.code, code, error.name);
    assert.equal(error.category, category, `${error.name} (${code})`);
    assert.equal(categoryOf(error), category);
  }
});

test('an error Recoverable did not raise is internal', () => {
  assert.equal(categoryOf(new Error('boom')), 'internal');
  assert.equal(categoryOf('a string'), 'internal');
  assert.equal(categoryOf(undefined), 'internal');
});

test("the hint shown is the error's own, else its code's default", () => {
  assert.equal(hintOf(new UsageError('bad', { hint: 'pass --name' })), 'pass --name');
  assert.equal(hintOf(new EnvironmentError('summarize-wal-off', 'off')), errorCodes['summarize-wal-off'].hint);
});

test('hasErrorCode matches the code, not the class alone', () => {
  const error = new EnvironmentError('server-start-failed', 'did not start');
  assert.ok(hasErrorCode(error, 'server-start-failed'));
  assert.ok(!hasErrorCode(error, 'recovery-timeout'));
  assert.ok(!hasErrorCode(new Error('server-start-failed'), 'server-start-failed'));
});

test("a code outside the registry, or outside its class's category, does not compile", () => {
  // Checked by the typecheck: each line below is an error tsc must report.
  const never = (): RecoverableError[] => [
    // @ts-expect-error 'docker-unrechable' is a typo of a registered code
    new RecoverableError('docker-unrechable', 'x'),
    // @ts-expect-error an environment error cannot carry a usage code
    new EnvironmentError('usage', 'x'),
    // @ts-expect-error the exit code follows from the code's category: an error is never given one
    new RecoverableError('internal', 1, 'it broke'),
  ];
  assert.equal(typeof never, 'function');
});
