import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareSchemaObjects } from '../../../src/expectations/compare-schema.ts';
import { CAPTURED } from '../../../src/expectations/coverage.ts';
import type { Expectations, SchemaObject } from '../../../src/expectations/types.ts';

const member = (definition: string): SchemaObject => ({
  kind: 'extension member',
  name: 'extension member pg_trgm: function ext.similarity(text,text)',
  definition: { definition },
});
const PLAIN = member('CREATE OR REPLACE FUNCTION ext.similarity(text, text) ... STRICT');
const CHANGED = member(
  'CREATE OR REPLACE FUNCTION ext.similarity(text, text) ... STRICT\n SET search_path TO pg_catalog',
);

function side(objects: SchemaObject[], serverVersion = '15.14', extensions = ['pg_trgm 1.6']): Expectations {
  return {
    database: 'app',
    serverVersion,
    tables: [],
    sequences: [],
    largeObjects: { count: 0, fingerprint: null },
    extensions,
    roles: [],
    schemaObjects: objects,
    coverage: [...CAPTURED],
  };
}

const compare = (want: Expectations, got: Expectations) =>
  compareSchemaObjects(want, got, { exactness: 'exact', durationMs: 1 });

test('an extension member changed on the source and lost by the restore fails, naming it and why', () => {
  const [, definitions] = compare(side([CHANGED]), side([PLAIN]));
  assert.equal(definitions!.status, 'failed');
  assert.match(
    definitions!.message,
    /extension member pg_trgm: function ext\.similarity\(text,text\): definition: backup/,
  );
  assert.match(
    definitions!.message,
    /a dump carries only CREATE EXTENSION, so a member changed on the source comes back as the extension script makes it/,
  );
  assert.equal(compare(side([PLAIN]), side([PLAIN]))[1]!.status, 'passed');
});

test('members are not compared across majors nor when the extension version moved, and the result says so', () => {
  const [objects, definitions] = compare(side([CHANGED]), side([PLAIN], '17.2', ['pg_trgm 1.6']));
  assert.equal(definitions!.status, 'passed');
  assert.match(objects!.message, /extension members not compared: the restored server runs another major/);
  const [moved, movedDefinitions] = compare(side([CHANGED]), side([], '15.14', ['pg_trgm 1.5']));
  assert.equal(moved!.status, 'passed', moved!.message);
  assert.equal(movedDefinitions!.status, 'passed');
  assert.match(moved!.message, /members of pg_trgm not compared: the restored extension version differs/);
});

test('a backup stored before members were captured compares none of them', () => {
  const old = { ...side([]), coverage: CAPTURED.filter((a) => a !== 'extension-members') };
  const [objects] = compare(old, side([PLAIN]));
  assert.equal(objects!.status, 'passed', objects!.message);
  assert.match(objects!.message, /not compared: extension members' definitions and comments/);
});

test("members of an extension restored into another schema are not compared one by one: the extension's schema fails", () => {
  const extension = (schema: string): SchemaObject => ({
    kind: 'extension',
    name: 'extension pg_trgm',
    definition: { schema },
  });
  const moved = { ...PLAIN, name: 'extension member pg_trgm: function public.similarity(text,text)' };
  const [objects, definitions] = compare(side([extension('ext'), PLAIN]), side([extension('public'), moved]));
  assert.equal(objects!.status, 'passed', objects!.message);
  assert.match(objects!.message, /members of pg_trgm not compared: the restored extension is in another schema/);
  assert.equal(definitions!.status, 'failed');
  assert.match(definitions!.message, /extension pg_trgm: schema: backup "ext", restored "public"/);
});
