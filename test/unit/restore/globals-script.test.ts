import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  firstBackslashLine,
  newKey,
  psqlErrorLines,
  restrictedScript,
  withoutDumpallGuard,
} from '../../../src/restore/globals-script.ts';
import { createdRoles } from '../../../src/restore/dump-restore.ts';

const DUMPALL = [
  '--',
  '\\restrict eBWUIfzeUqp2hJBs8iWc4Nzxj9u4knSTxFvTwv9lKEjCP4wnAXqCYsZtpRBrn92',
  'SET default_transaction_read_only = off;',
  'CREATE ROLE app;',
  "COMMENT ON ROLE app IS 'a \\\\ b';",
  '\\unrestrict eBWUIfzeUqp2hJBs8iWc4Nzxj9u4knSTxFvTwv9lKEjCP4wnAXqCYsZtpRBrn92',
  '',
].join('\n');

test("the globals run under the drill's own key: pg_dumpall's guard is replaced, every other line kept", () => {
  const script = restrictedScript(DUMPALL, 'k123');
  const lines = script.split('\n');
  assert.equal(lines[0], '\\restrict k123');
  assert.equal(lines.at(-2), '\\unrestrict k123');
  assert.equal(lines.filter((l) => /restrict/.test(l)).length, 2, 'only the drill key opens and closes');
  for (const kept of [
    'CREATE ROLE app;',
    "COMMENT ON ROLE app IS 'a \\\\ b';",
    'SET default_transaction_read_only = off;',
  ])
    assert.ok(lines.includes(kept), kept);
});

test('a file that closes a restriction of its own (a guessed key, a forged pair) stays inside the drill key', () => {
  const script = restrictedScript('\\unrestrict k123\n\\! id\n', 'other');
  // Its \\unrestrict line looks like pg_dumpall's and is dropped; the \\! stays, for psql to refuse under "other".
  assert.deepEqual(script.split('\n'), ['\\restrict other', '\\! id', '', '\\unrestrict other', '']);
});

test('keys are fresh and alphanumeric, as psql requires', () => {
  const [a, b] = [newKey(), newKey()];
  assert.match(a, /^[0-9a-f]{64}$/);
  assert.notEqual(a, b);
});

test('without \\restrict, any backslash outside pg_dumpall guard lines is named with its line', () => {
  assert.equal(firstBackslashLine('CREATE ROLE app;\n\\restrict abc\n'), null);
  assert.deepEqual(firstBackslashLine('CREATE ROLE app;\nselect 1 \\! id\n'), { line: 2, text: 'select 1 \\! id' });
});

test("psql's own errors are told from the server's", () => {
  const stderr = [
    'psql:<stdin>:7: error: backslash commands are restricted; only \\unrestrict is allowed',
    'psql:<stdin>:9: ERROR:  role "postgres" already exists',
    'psql:<stdin>:11: error: invalid command \\foo',
  ].join('\n');
  assert.deepEqual(psqlErrorLines(stderr), [
    'psql:<stdin>:7: error: backslash commands are restricted; only \\unrestrict is allowed',
    'psql:<stdin>:11: error: invalid command \\foo',
  ]);
});

test('the roles a globals file creates, named as pg_dumpall quotes them', () => {
  const sql = [
    'CREATE ROLE admin;',
    'CREATE ROLE "Weird ""one""";',
    'ALTER ROLE admin WITH SUPERUSER;',
    '  CREATE ROLE no;',
  ];
  assert.deepEqual([...createdRoles(sql.join('\n'))], ['admin', 'Weird "one"']);
});

test("for a psql that knows no \\restrict, pg_dumpall's guard lines are taken out and nothing else", () => {
  assert.equal(
    withoutDumpallGuard(DUMPALL),
    DUMPALL.split('\n')
      .filter((l) => !/restrict/.test(l))
      .join('\n'),
  );
});
