import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareSchemaObjects, differencesOf } from '../../../src/expectations/compare-schema.ts';
import type { Expectations, SchemaObject } from '../../../src/expectations/types.ts';
import { CAPTURED } from '../../../src/expectations/coverage.ts';

const object = (kind: string, name: string, definition: Record<string, string>): SchemaObject => ({
  kind,
  name: `${kind} ${name}`,
  definition,
});

function expectations(objects: SchemaObject[] | undefined, serverVersion = '15.14'): Expectations {
  return {
    database: 'app',
    serverVersion,
    tables: [],
    sequences: [],
    largeObjects: { count: 0, fingerprint: null },
    extensions: [],
    roles: [],
    coverage: [...CAPTURED],
    ...(objects ? { schemaObjects: objects } : {}),
  };
}

const VIEW = object('view', 'shop.v', {
  definition: ' SELECT p.id\n   FROM shop.p p\n  WHERE (p.qty > 40);',
  owner: 'shop_owner',
  acl: 'shop_owner=arwdDxt/shop_owner',
});
const COLUMN = object('column', 'shop.p.qty', { type: 'integer', 'not null': 'true', position: '2' });
const BASE = [COLUMN, VIEW];

const compare = (
  want: SchemaObject[] | undefined,
  got: SchemaObject[] | undefined,
  extra: Parameters<typeof compareSchemaObjects>[2] extends infer O ? Partial<O> : never = {},
  versions: [string, string] = ['15.14', '15.14'],
) =>
  compareSchemaObjects(expectations(want, versions[0]), expectations(got, versions[1]), {
    exactness: 'exact',
    durationMs: 3,
    ...extra,
  });

test('identical definitions pass both checks and say what they covered', () => {
  const [objects, definitions] = compare(BASE, structuredClone(BASE));
  assert.equal(objects!.id, 'schema:objects');
  assert.equal(objects!.status, 'passed');
  assert.match(objects!.message, /all 2 schema objects present \(column: 1, view: 1\)/);
  assert.equal(definitions!.id, 'schema:definitions');
  assert.equal(definitions!.status, 'passed');
});

test('a changed definition names the object, the aspect and both sides, and carries only what differs', () => {
  const changed = [
    COLUMN,
    {
      ...VIEW,
      definition: { ...VIEW.definition, definition: ' SELECT p.id\n   FROM shop.p p\n  WHERE (p.qty > 39);' },
    },
  ];
  const [objects, definitions] = compare(BASE, changed);
  assert.equal(objects!.status, 'passed');
  assert.equal(definitions!.status, 'failed');
  assert.match(definitions!.message, /^1 object definition differs from the backup: /);
  assert.match(
    definitions!.message,
    /view shop\.v: definition: backup "SELECT p\.id FROM shop\.p p WHERE \(p\.qty > 40\);", restored "SELECT p\.id FROM shop\.p p WHERE \(p\.qty > 39\);"/,
  );
  assert.deepEqual(definitions!.expected, { 'view shop.v': { definition: VIEW.definition.definition } });
  assert.deepEqual(definitions!.actual, { 'view shop.v': { definition: changed[1]!.definition.definition } });
});

test('an aspect present on one side only is a difference (e.g. a comment removed, an option added)', () => {
  const got = [
    { ...COLUMN, definition: { ...COLUMN.definition, options: 'n_distinct=5' } },
    { ...VIEW, definition: { definition: VIEW.definition.definition!, acl: VIEW.definition.acl! } },
  ];
  const [, definitions] = compare(BASE, got);
  assert.equal(definitions!.status, 'failed');
  assert.match(definitions!.message, /column shop\.p\.qty: options: backup \(none\), restored "n_distinct=5"/);
  assert.match(definitions!.message, /view shop\.v: owner: backup "shop_owner", restored \(none\)/);
  assert.deepEqual(differencesOf(COLUMN, COLUMN), []);
});

test('missing and unexpected objects fail presence, carrying their definitions', () => {
  const index = object('index', 'shop.p_qty_idx', { definition: 'CREATE INDEX p_qty_idx ON shop.p USING btree (qty)' });
  const extra = object('table', 'shop.extra', { owner: 'postgres' });
  const [objects, definitions] = compare([...BASE, index], [...BASE, extra]);
  assert.equal(objects!.status, 'failed');
  assert.equal(
    objects!.message,
    'schema objects differ from the backup: missing 1: index shop.p_qty_idx; unexpected 1: table shop.extra',
  );
  assert.deepEqual(objects!.expected, { count: 3, missing: { 'index shop.p_qty_idx': index.definition } });
  assert.deepEqual(objects!.actual, { count: 3, unexpected: { 'table shop.extra': extra.definition } });
  assert.equal(definitions!.status, 'passed', 'objects on both sides are still compared');
});

test('many differing objects: the message shows the first eight, the result carries all', () => {
  const many = Array.from({ length: 11 }, (_, i) => object('column', `shop.t.c${i}`, { type: 'integer' }));
  const [, definitions] = compare(
    many,
    many.map((o) => ({ ...o, definition: { type: 'bigint' } })),
  );
  assert.match(definitions!.message, /^11 object definitions differ/);
  assert.match(definitions!.message, /and 3 more objects$/);
  assert.equal(Object.keys(definitions!.expected as object).length, 11);
});

test('expectations without definitions (an older backup) are an error, never a pass', () => {
  const [only] = compare(undefined, BASE);
  assert.equal(only!.status, 'errored');
  assert.equal(only!.exactness, 'not-available');
  assert.match(only!.message, /take a new backup/);
});

test('--no-owner leaves owners and ACLs out, --no-privileges ACLs and default privileges, and both say so', () => {
  const defaults = object('default privileges', 'for role o in schema shop on tables', { acl: 'r=r/o' });
  const got = [
    COLUMN,
    { ...VIEW, definition: { ...VIEW.definition, owner: 'postgres', acl: 'postgres=arwdDxt/postgres' } },
  ];
  const [objects, definitions] = compare([...BASE, defaults], got, { notRestored: { owners: true, privileges: true } });
  assert.equal(objects!.status, 'passed', objects!.message);
  assert.equal(definitions!.status, 'passed', definitions!.message);
  assert.match(
    definitions!.message,
    /owners and privileges not compared: the restore ran with --no-owner; privileges not compared: the restore ran with --no-privileges/,
  );
  const [, strict] = compare(BASE, got);
  assert.equal(strict!.status, 'failed', 'without the options the same change fails');
  const [, ownersOnly] = compare(BASE, [COLUMN, { ...VIEW, definition: { ...VIEW.definition, comment: 'x' } }], {
    notRestored: { owners: true },
  });
  assert.equal(ownersOnly!.status, 'failed', 'a comment is still compared');
});

test('across majors the upgrade rules apply and are named; a real change still fails', () => {
  const restored17 = [
    COLUMN,
    {
      ...VIEW,
      definition: {
        ...VIEW.definition,
        definition: ' SELECT id\n   FROM shop.p p\n  WHERE (qty > 40);',
        acl: 'shop_owner=arwdDxtm/shop_owner',
      },
    },
  ];
  const deparsedHere = { 'view shop.v': ' SELECT id\n   FROM shop.p p\n  WHERE (qty > 40);' };
  const [objects, definitions] = compare(BASE, restored17, { deparsedHere }, ['15.14', '17.12']);
  assert.equal(definitions!.status, 'passed', definitions!.message);
  assert.match(objects!.message, /normalised for 15 → 17: view-deparse, maintain-privilege/);
  const [, changed] = compare(
    BASE,
    [{ ...COLUMN, definition: { ...COLUMN.definition, type: 'bigint' } }, restored17[1]!],
    { deparsedHere },
    ['15.14', '17.12'],
  );
  assert.equal(changed!.status, 'failed');
  assert.match(changed!.message, /column shop\.p\.qty: type: backup "integer", restored "bigint"/);
  const [, sameMajor] = compare(BASE, restored17, { deparsedHere }, ['17.2', '17.12']);
  assert.equal(sameMajor!.status, 'failed', 'within one major nothing is normalised');
});
