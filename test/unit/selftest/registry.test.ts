import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAULTS, checkFaultNames, faultsFor } from '../../../src/selftest/registry.ts';
import { BACKUP_METHODS } from '../../../src/selftest/fault.ts';
import { ExitCode, UsageError } from '../../../src/core/errors.ts';
import { exitCodeOf } from '../../../src/cli/exit-code.ts';

test('every fault has a unique name, a method it applies to, a check meant to catch it, and what that check must say', () => {
  assert.equal(new Set(FAULTS.map((f) => f.id)).size, FAULTS.length);
  for (const fault of FAULTS) {
    assert.match(fault.id, /^[a-z0-9-]+$/);
    const methods = Object.keys(fault.caughtBy);
    assert.ok(methods.length > 0, fault.id);
    for (const method of methods)
      assert.ok((BACKUP_METHODS as readonly string[]).includes(method), `${fault.id}: ${method}`);
    for (const check of Object.values(fault.caughtBy)) assert.ok(check && check.length > 0, fault.id);
    assert.ok(fault.injects.length > 20, `${fault.id} says what it injects`);
    assert.ok(fault.reason instanceof RegExp);
  }
});

test('each method has its faults; a fault that needs this machine is left out in docker', () => {
  const ids = (method: (typeof BACKUP_METHODS)[number], env: 'local' | 'docker'): string[] =>
    faultsFor(method, env).map((f) => f.id);
  assert.ok(ids('dump', 'local').includes('dump-truncated'));
  assert.ok(!ids('dump', 'local').includes('wal-segment-missing'));
  assert.ok(ids('basebackup', 'local').includes('wal-segment-missing'));
  assert.ok(ids('snapshot', 'local').includes('tablespace-map-missing'));
  assert.ok(!ids('basebackup', 'local').includes('tablespace-map-missing'));
  assert.ok(ids('dump', 'local').includes('table-unreadable'));
  assert.ok(!ids('dump', 'docker').includes('table-unreadable'));
  assert.deepEqual(
    faultsFor('basebackup', 'local', ['heap-page-corrupt', 'dump-truncated']).map((f) => f.id),
    ['heap-page-corrupt'],
  );
});

test('an unknown fault name is a usage error (exit 2) that lists every known fault', () => {
  assert.throws(
    () => checkFaultNames(['heap-page-corrupt', 'no-such-fault'], ['dump'], 'local'),
    (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.equal(exitCodeOf(error.category), ExitCode.usage);
      assert.equal(error.message, 'unknown fault: no-such-fault');
      for (const fault of FAULTS) assert.ok(error.hint?.includes(fault.id), fault.id);
      return true;
    },
  );
});

test('a fault none of the chosen methods has is a usage error saying where it applies', () => {
  assert.throws(
    () => checkFaultNames(['wal-segment-missing'], ['dump'], 'local'),
    /no chosen method \(dump, local\) has fault wal-segment-missing/,
  );
  assert.throws(
    () => checkFaultNames(['table-unreadable'], ['dump'], 'docker'),
    (error: unknown) => {
      assert.match((error as UsageError).hint ?? '', /table-unreadable applies to dump in local/);
      return true;
    },
  );
  assert.doesNotThrow(() => checkFaultNames(['wal-segment-missing', 'dump-truncated'], BACKUP_METHODS, 'local'));
});
