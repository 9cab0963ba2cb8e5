// backup.incremental: refused with the reason and the fix wherever PostgreSQL or the repository could not honour it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRules } from '../../../src/scenario/rules.ts';
import { scenarioSchema } from '../../../src/scenario/schema.ts';
import { normalizeScenario } from '../../../src/scenario/normalize.ts';

function raw(fields: Record<string, unknown>) {
  return scenarioSchema.parse({ name: 'q', ...fields });
}

const issues = (fields: Record<string, unknown>) =>
  checkRules(raw(fields)).filter((i) => i.path === 'backup.incremental');

test('an incremental basebackup of a managed PostgreSQL 17 or 18 source breaks no rule', () => {
  assert.deepEqual(
    issues({ source: { managed: { version: 17 } }, backup: { method: 'basebackup', incremental: true } }),
    [],
  );
  assert.deepEqual(
    issues({ source: { managed: { version: 18 } }, backup: { method: 'basebackup', incremental: true } }),
    [],
  );
  assert.deepEqual(
    issues({ source: { url: 'postgresql://u@h/db' }, backup: { method: 'basebackup', incremental: true } }),
    [],
    "a url source's major is checked at backup time",
  );
});

test('a managed source older than 17 is refused naming its major and the fix', () => {
  assert.deepEqual(
    issues({ source: { managed: { version: 16 } }, backup: { method: 'basebackup', incremental: true } }),
    [
      {
        path: 'backup.incremental',
        problem:
          'PostgreSQL 16 cannot take incremental backups (pg_basebackup --incremental and pg_combinebackup arrived in 17)',
        fix: 'set source.managed.version: 17 or newer, or remove backup.incremental',
      },
    ],
  );
  assert.match(
    issues({ source: { managed: {} }, backup: { method: 'basebackup', incremental: true } })[0]!.problem,
    /^PostgreSQL 15 cannot/,
    'the default major is 15',
  );
});

test('incremental applies to basebackups only', () => {
  for (const method of ['dump', 'snapshot']) {
    const found = issues({
      source: { managed: { version: 17 } },
      backup: { method, incremental: true, ...(method === 'snapshot' ? { snapshot: { driver: 'copy' } } : {}) },
    });
    assert.deepEqual(
      found.map((i) => i.problem),
      [`incremental backups are basebackups, not ${method}`],
    );
  }
});

test('tablespaces and encryption are refused with incremental backups, each with its reason', () => {
  const spaces = issues({
    source: { managed: { version: 17, tablespaces: ['fast'] } },
    backup: { method: 'basebackup', incremental: true },
  });
  assert.deepEqual(
    spaces.map((i) => i.fix),
    ['remove source.managed.tablespaces, or remove backup.incremental'],
  );
  const encrypted = issues({
    source: { managed: { version: 17 } },
    encryption: { key: { env: 'K' } },
    backup: { method: 'basebackup', incremental: true },
  });
  assert.ok(
    encrypted.some((i) => /parent's backup_manifest/.test(i.problem)),
    JSON.stringify(encrypted),
  );
});

test('incremental is off unless asked for, and the normalized scenario carries it only when on', () => {
  assert.deepEqual(issues({ source: { managed: { version: 15 } }, backup: { method: 'basebackup' } }), []);
  assert.equal(raw({ source: { managed: {} } }).backup.incremental, false);
  const origin = { path: '/s/q.yaml', sha256: '0', cwd: '/s' };
  assert.equal(
    normalizeScenario(raw({ source: { managed: {} }, backup: { method: 'basebackup' } }), origin).backup.incremental,
    undefined,
  );
  assert.equal(
    normalizeScenario(
      raw({ source: { managed: { version: 17 } }, backup: { method: 'basebackup', incremental: true } }),
      origin,
    ).backup.incremental,
    true,
  );
});
