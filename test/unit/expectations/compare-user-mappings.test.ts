import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareSchemaObjects } from '../../../src/expectations/compare-schema.ts';
import { OPTIONS_NOT_READABLE } from '../../../src/expectations/schema-database-objects.ts';
import { CAPTURED } from '../../../src/expectations/coverage.ts';
import type { Expectations, SchemaObject } from '../../../src/expectations/types.ts';

const mapping = (options?: string): SchemaObject => ({
  kind: 'user mapping',
  name: 'user mapping for app_user server remote',
  definition: options === undefined ? {} : { 'option names': options },
});

const side = (objects: SchemaObject[]): Expectations => ({
  database: 'app',
  serverVersion: '15.14',
  tables: [],
  sequences: [],
  largeObjects: { count: 0, fingerprint: null },
  extensions: [],
  roles: [],
  schemaObjects: objects,
  coverage: [...CAPTURED],
});

const compare = (want: SchemaObject[], got: SchemaObject[]) =>
  compareSchemaObjects(side(want), side(got), { exactness: 'exact', durationMs: 1 });

test('options the backup role could not read are reported not available, whatever the restore holds, never matching', () => {
  for (const restored of [mapping(), mapping('password, user')]) {
    const results = compare([mapping(OPTIONS_NOT_READABLE)], [restored]);
    assert.deepEqual(
      results.map((r) => [r.id, r.status]),
      [
        ['schema:objects', 'passed'],
        ['schema:definitions', 'passed'],
        ['schema:user-mapping-options', 'skipped'],
      ],
    );
    assert.equal(results[2]!.exactness, 'not-available');
    assert.match(
      results[2]!.message,
      /options of user mapping for app_user server remote not compared: the backup role could not read them/,
    );
  }
});

test('readable options are compared: lost ones fail, naming the mapping', () => {
  const [, definitions] = compare([mapping('password, user')], [mapping()]);
  assert.equal(definitions!.status, 'failed');
  assert.match(
    definitions!.message,
    /user mapping for app_user server remote: option names: backup "password, user", restored \(none\)/,
  );
  assert.equal(compare([mapping('user')], [mapping('user')]).length, 2, 'no not-available result when all were read');
});
