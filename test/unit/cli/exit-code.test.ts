// Categories become exit codes in the CLI entry only, as design.md's table says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exitCodeOf } from '../../../src/cli/exit-code.ts';
import {
  EnvironmentError,
  InterruptedError,
  RecoverableError,
  UsageError,
  categoryOf,
  errorCodes,
  type ErrorCategory,
} from '../../../src/core/errors.ts';

test('each category maps to the exit code design.md documents', () => {
  const documented: Record<ErrorCategory, number> = {
    usage: 2,
    environment: 3,
    'backup-unusable': 1,
    failed: 1,
    interrupted: 130,
    internal: 1,
  };
  for (const [category, code] of Object.entries(documented) as [ErrorCategory, number][])
    assert.equal(exitCodeOf(category), code, category);
});

test('an unknown error exits 1, as the CLI always did', () => {
  assert.equal(exitCodeOf(categoryOf(new TypeError('x is undefined'))), 1);
});

test('every registered code exits with a documented code', () => {
  for (const entry of Object.values(errorCodes))
    assert.ok([1, 2, 3, 130].includes(exitCodeOf(entry.category)), entry.category);
});

test('errors give the same exit codes they gave before the registry', () => {
  const cases: [RecoverableError, number][] = [
    [new UsageError('bad'), 2],
    [new EnvironmentError('binaries-missing', 'none'), 3],
    [new InterruptedError('SIGTERM'), 130],
    [new RecoverableError('wal-encrypted', 'encrypted'), 2],
    [new RecoverableError('workload-failed', 'no rows'), 3],
    [new RecoverableError('wal-conflict', 'differs'), 1],
    [new RecoverableError('ciphertext-damaged', 'flipped'), 1],
  ];
  for (const [error, code] of cases) assert.equal(exitCodeOf(error.category), code, error.code);
});
