import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compareRoles,
  roleDifferences,
  memberships,
  passwordsUnknown,
} from '../../../src/expectations/roles-compare.ts';
import type { RoleExpectation } from '../../../src/expectations/roles.ts';

const scram = { kind: 'scram-sha-256' as const, sha256: 'a'.repeat(64) };

function role(name: string, extra: Partial<RoleExpectation> = {}): RoleExpectation {
  return {
    name,
    attributes: [],
    connectionLimit: -1,
    validUntil: null,
    password: { kind: 'none', sha256: null },
    memberOf: [],
    settings: [],
    bootstrap: false,
    comment: null,
    ...extra,
  };
}

const postgres = role('postgres', {
  attributes: ['SUPERUSER', 'CREATEROLE', 'CREATEDB', 'LOGIN', 'REPLICATION', 'BYPASSRLS'],
  password: scram,
  bootstrap: true,
});
const writer = role('app_writer', {
  attributes: ['LOGIN'],
  connectionLimit: 7,
  validUntil: '2031-06-30 12:00:00.000000 UTC',
  password: scram,
  settings: ['search_path=shop, public', 'work_mem=8MB'],
  memberOf: [{ role: 'app_reader', admin: true, inherit: null, set: null }],
});
const reader = role('app_reader', { attributes: ['NOINHERIT'] });
const backup = [reader, writer, postgres];

test('identical roles pass exactly, and say what was compared', () => {
  const results = compareRoles(backup, structuredClone(backup), 'exact', 5);
  assert.equal(results.length, 1);
  assert.equal(results[0]!.status, 'passed');
  assert.equal(results[0]!.exactness, 'exact');
  assert.match(
    results[0]!.message,
    /all 3 roles match: attributes, memberships, settings, validity, connection limits, comments, passwords$/,
  );
});

test('each property of a role that differs is named with both sides', () => {
  const cases: Array<[Partial<RoleExpectation>, RegExp]> = [
    [{ attributes: [] }, /attributes: backup LOGIN, restored none \(NOLOGIN, INHERIT\)/],
    [{ connectionLimit: -1 }, /connection limit: backup 7, restored unlimited/],
    [{ validUntil: null }, /valid until: backup 2031-06-30 12:00:00\.000000 UTC, restored no expiry/],
    [
      { password: { kind: 'none', sha256: null } },
      /password: backup scram-sha-256 \(verifier SHA-256 aaaaaaaaaaaa…\), restored none/,
    ],
    [
      { password: { kind: 'scram-sha-256', sha256: 'b'.repeat(64) } },
      /password: backup scram-sha-256 \(verifier SHA-256 aaaaaaaaaaaa…\), restored scram-sha-256 \(verifier SHA-256 bbbbbbbbbbbb…\)/,
    ],
    [{ memberOf: [] }, /memberships: backup app_reader \(admin\), restored none/],
    [
      { memberOf: [{ role: 'app_reader', admin: false, inherit: null, set: null }] },
      /memberships: backup app_reader \(admin\), restored app_reader$/,
    ],
    [
      { settings: ['search_path=shop, public'] },
      /settings: backup search_path=shop, public; work_mem=8MB, restored search_path=shop, public$/,
    ],
  ];
  for (const [change, message] of cases) {
    const results = compareRoles(backup, [reader, { ...writer, ...change }, postgres], 'exact', 0);
    assert.equal(results[0]!.status, 'failed', JSON.stringify(change));
    assert.match(results[0]!.message, /^1 role\(s\) differ from the backup: app_writer \(/);
    const one = results.find((r) => r.id === 'role:app_writer');
    assert.equal(one?.status, 'failed');
    assert.match(one!.message, message);
    assert.equal(results.length, 2, 'no other role is named');
  }
});

test('a missing role and an extra role both fail, by name', () => {
  const results = compareRoles(
    backup,
    [writer, postgres, role('intruder', { attributes: ['SUPERUSER', 'LOGIN'] })],
    'exact',
    0,
  );
  assert.match(results[0]!.message, /2 role\(s\) differ from the backup: app_reader \(missing\); intruder \(extra\)/);
  assert.match(results.find((r) => r.id === 'role:app_reader')!.message, /role: backup present, restored missing/);
  assert.match(
    results.find((r) => r.id === 'role:intruder')!.message,
    /role: backup absent, restored present \(SUPERUSER LOGIN\)/,
  );
});

test("the restore environment's own bootstrap superuser is not an extra role when the source's had another name", () => {
  const admin = { ...postgres, name: 'admin' };
  const restoredAdmin = { ...admin, bootstrap: false };
  const results = compareRoles(
    [reader, admin],
    [reader, restoredAdmin, { ...postgres, password: { kind: 'none', sha256: null } }],
    'exact',
    0,
  );
  assert.equal(results[0]!.status, 'passed', results.map((r) => r.message).join(' | '));
  assert.match(results[0]!.message, /postgres is the restore environment's own bootstrap superuser/);
  // A bootstrap superuser of the same name is the source's, restored: compared like any other role.
  const changed = compareRoles([reader, postgres], [reader, { ...postgres, attributes: ['SUPERUSER'] }], 'exact', 0);
  assert.equal(changed[0]!.status, 'failed');
});

test('without the backup reading passwords, the comparison is bounded and says so, yet still compares the rest', () => {
  const unknown = backup.map((r) => ({ ...r, password: null }));
  assert.ok(passwordsUnknown(unknown));
  const restored = backup.map((r) => ({ ...r, password: { kind: 'none' as const, sha256: null } }));
  const ok = compareRoles(unknown, restored, 'exact', 0);
  assert.equal(ok[0]!.status, 'passed');
  assert.equal(ok[0]!.exactness, 'bounded');
  assert.match(ok[0]!.message, /passwords not compared: the backup did not read them/);
  const bad = compareRoles(
    unknown,
    restored.map((r) => (r.name === 'app_writer' ? { ...r, connectionLimit: 3 } : r)),
    'exact',
    0,
  );
  assert.equal(bad[0]!.status, 'failed');
  assert.equal(bad[0]!.exactness, 'bounded');
});

test('inherit and set options are compared only when both majors have them', () => {
  const old = { ...writer, memberOf: [{ role: 'app_reader', admin: true, inherit: null, set: null }] };
  const modern = { ...writer, memberOf: [{ role: 'app_reader', admin: true, inherit: true, set: true }] };
  assert.deepEqual(roleDifferences(old, modern, true), []);
  const noSet = { ...writer, memberOf: [{ role: 'app_reader', admin: true, inherit: true, set: false }] };
  assert.deepEqual(roleDifferences(modern, noSet, true), [
    {
      property: 'memberships',
      backup: 'app_reader (admin, inherit, set)',
      restored: 'app_reader (admin, inherit, no set)',
    },
  ]);
  assert.equal(
    memberships([
      { role: 'b', admin: false, inherit: false, set: true },
      { role: 'a', admin: false, inherit: null, set: null },
    ]),
    'a; b (no inherit, set)',
  );
});

test('a setting whose value holds the separator is not confused with two settings', () => {
  const one = { ...writer, settings: ['search_path=a; b'] };
  const two = { ...writer, settings: ['search_path=a', 'b'] };
  assert.equal(roleDifferences(one, two, true).length, 1);
});

test('expectations that list roles by name only cannot be compared: errored, never passed', () => {
  const legacy = ['postgres SUPERUSER'] as unknown as RoleExpectation[];
  const results = compareRoles(legacy, backup, 'exact', 0);
  assert.equal(results[0]!.status, 'errored');
  assert.match(results[0]!.message, /take a new backup/);
});

test("a role's comment is compared when the backup captured it, and said not compared when it did not", () => {
  const commented = role('app_user', { comment: 'the application login' });
  const lost = roleDifferences(commented, { ...commented, comment: null }, true);
  assert.deepEqual(lost, [{ property: 'comment', backup: '"the application login"', restored: 'none' }]);
  const [summary, detail] = compareRoles([commented], [{ ...commented, comment: null }], 'exact', 1);
  assert.equal(summary!.status, 'failed');
  assert.match(detail!.message, /role app_user: comment: backup "the application login", restored none/);
  const same = compareRoles([commented], [{ ...commented }], 'exact', 1)[0]!;
  assert.equal(same.status, 'passed');
  assert.match(same.message, /connection limits, comments, passwords$/);
  // Stored before comments were captured: not compared, and said so.
  const { comment: _dropped, ...old } = commented;
  const before = compareRoles([old], [{ ...commented, comment: 'other' }], 'exact', 1)[0]!;
  assert.equal(before.status, 'passed');
  assert.match(
    before.message,
    /comments not compared: the backup's expectations predate them: a new backup compares them/,
  );
});
