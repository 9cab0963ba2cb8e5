import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareSchemaObjects } from '../../../src/expectations/compare-schema.ts';
import { CAPTURED, COVERAGE, coveredObjects, uncovered, uncoveredNote } from '../../../src/expectations/coverage.ts';
import type { Expectations, SchemaObject } from '../../../src/expectations/types.ts';

const TABLE: SchemaObject = { kind: 'table', name: 'table shop.t', definition: { owner: 'app' } };
const GRANTED: SchemaObject = {
  kind: 'privileges',
  name: 'privileges on function pg_catalog.pg_ls_dir(text)',
  definition: { acl: 'monitor=X/postgres postgres=X/postgres' },
};

// As today's code stored expectations before coverage was recorded: no `coverage`, no new kinds.
function stored(objects: SchemaObject[], coverage?: string[]): Expectations {
  return {
    database: 'app',
    serverVersion: '15.14',
    tables: [],
    sequences: [],
    largeObjects: { count: 0, fingerprint: null },
    extensions: [],
    roles: [],
    schemaObjects: objects,
    ...(coverage ? { coverage } : {}),
  };
}

const compare = (want: Expectations, got: Expectations, privileges = false) =>
  compareSchemaObjects(want, got, {
    exactness: 'exact',
    durationMs: 1,
    ...(privileges ? { notRestored: { privileges: true } } : {}),
  });

test('expectations stored before coverage was recorded cover none of the new aspects', () => {
  assert.deepEqual(uncovered(stored([])), CAPTURED);
  assert.deepEqual(uncovered(stored([], [...CAPTURED])), []);
  assert.deepEqual(coveredObjects([TABLE, GRANTED], stored([])), [TABLE]);
  assert.equal(uncoveredNote([]), '');
});

test('an old backup compares exactly what it compared before and says what a new backup would compare', () => {
  const restored = [
    TABLE,
    GRANTED,
    ...[
      'text search configuration public.c',
      'operator family public.f using btree',
      'conversion public.v',
      'access method heap2',
      'extension pg_trgm',
      'subscription s',
    ].map((name) => ({ kind: name.replace(/ (public\.|heap2|pg_trgm|s$).*$/, ''), name, definition: {} })),
  ];
  assert.equal(coveredObjects(restored, stored([])).length, 1, 'only the table is of a kind an old backup captured');
  const [objects, definitions] = compare(stored([TABLE]), stored(restored, [...CAPTURED]));
  assert.equal(objects!.status, 'passed', objects!.message);
  assert.equal(definitions!.status, 'passed');
  assert.match(objects!.message, /all 1 schema objects present \(table: 1\)/);
  assert.match(objects!.message, /not compared: privileges of pg_catalog objects and extension members; /);
  for (const words of Object.values(COVERAGE).filter((w) => !/large objects|tablespaces|role comments/.test(w)))
    assert.ok(objects!.message.includes(words), `${words} named in: ${objects!.message}`);
  assert.match(objects!.message, /\(the backup's expectations predate them: a new backup compares them\)\)$/);
});

test('a new backup fails when a changed initial privilege is lost, or one appears, naming the object', () => {
  const lost = compare(stored([TABLE, GRANTED], [...CAPTURED]), stored([TABLE], [...CAPTURED]));
  assert.equal(lost[0]!.status, 'failed');
  assert.match(lost[0]!.message, /missing 1: privileges on function pg_catalog\.pg_ls_dir\(text\)/);
  const added = compare(stored([TABLE], [...CAPTURED]), stored([TABLE, GRANTED], [...CAPTURED]));
  assert.equal(added[0]!.status, 'failed');
  assert.match(added[0]!.message, /unexpected 1: privileges on function pg_catalog\.pg_ls_dir\(text\)/);
  const changed = compare(
    stored([TABLE, GRANTED], [...CAPTURED]),
    stored([TABLE, { ...GRANTED, definition: { acl: 'postgres=X/postgres' } }], [...CAPTURED]),
  );
  assert.equal(changed[1]!.status, 'failed');
  assert.match(
    changed[1]!.message,
    /privileges on function pg_catalog\.pg_ls_dir\(text\): acl: backup "monitor=X\/postgres postgres=X\/postgres", restored "postgres=X\/postgres"/,
  );
  assert.equal(
    compare(stored([TABLE, GRANTED], [...CAPTURED]), stored([TABLE, GRANTED], [...CAPTURED]))[0]!.status,
    'passed',
  );
});

test('a restore told not to bring privileges back does not compare changed initial privileges', () => {
  const [objects] = compare(stored([TABLE, GRANTED], [...CAPTURED]), stored([TABLE], [...CAPTURED]), true);
  assert.equal(objects!.status, 'passed', objects!.message);
});

test("an old backup's large objects, roles and tablespaces compare what they did and name what they could not", async () => {
  const { compareExpectations } = await import('../../../src/expectations/compare.ts');
  const old = stored([]);
  const now: Expectations = {
    ...stored([], [...CAPTURED]),
    largeObjects: { count: 0, fingerprint: null, metadata: [{ oid: '1', owner: 'x', acl: '', comment: 'c' }] },
    tablespaces: [{ name: 'ts1', owner: 'x', acl: '', options: '', comment: null }],
  };
  const results = compareExpectations(old, now, {
    exactness: 'exact',
    kinds: new Set(['large-objects', 'roles']),
    unloggedEmpty: false,
    durationMs: 1,
  });
  assert.deepEqual(
    results.filter((r) => !r.id.startsWith('database:')).map((r) => [r.id, r.status]),
    [
      ['large-objects', 'passed'],
      ['roles', 'passed'],
    ],
  );
  assert.match(results[0]!.message, /not compared: large objects' owners, privileges and comments \(the backup's/);
  assert.match(results[1]!.message, /not compared: tablespaces' owners, privileges, options and comments/);
});
