import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fingerprintPlan,
  rowHashExpression,
  valueExpression,
  type HashedColumn,
} from '../../../src/expectations/row-hash.ts';

const col = (name: string, builtinType: string | null, typmod = -1): HashedColumn => ({ name, builtinType, typmod });

test('only allow-listed built-in types are hashed by value; 8-byte ones through their send form, text-like ones as bytes under "C"', () => {
  for (const type of ['bool', 'char', 'int2', 'int4', 'date', 'uuid', 'bytea'])
    assert.equal(valueExpression(col('c', type), 't'), 't."c"', type);
  assert.equal(valueExpression(col('c', 'int8'), 't'), 'int8send(t."c")');
  assert.equal(valueExpression(col('c', 'timestamp'), 't'), 'timestamp_send(t."c")');
  assert.equal(valueExpression(col('c', 'timestamptz'), 't'), 'timestamptz_send(t."c")');
  assert.equal(valueExpression(col('c', 'time'), 't'), 'time_send(t."c")');
  for (const type of ['text', 'varchar', 'name'])
    assert.equal(valueExpression(col('c', type), 't'), 't."c" collate "C"', type);
});

test('types whose hash equates distinct values, reads OIDs or has none go through text output', () => {
  const unsafe = [
    'float4',
    'float8',
    'numeric',
    'interval',
    'timetz',
    'money',
    'inet',
    'cidr',
    'macaddr',
    'json',
    'jsonb',
    'xml',
    'point',
    'box',
    'oid',
    'regclass',
    'regtype',
    'regproc',
    '_int4',
    '_text',
    'int4range',
    'tsvector',
    'record',
    'bit',
    'varbit',
  ];
  for (const type of unsafe) assert.equal(valueExpression(col('c', type), 't'), null, type);
  // Enums, domains, composites and extension types (citext) are not in pg_catalog.
  assert.equal(valueExpression(col('c', null), 't'), null);
});

test('char(n) is hashed by value (every value padded to n); unbounded bpchar, whose hash ignores trailing blanks, by text', () => {
  assert.equal(valueExpression(col('c', 'bpchar', 14), 't'), 't."c" collate "C"');
  assert.equal(valueExpression(col('c', 'bpchar', -1), 't'), null);
});

test('a row: values in the given order, then one record text of all other columns, hashed again per row', () => {
  const expression = rowHashExpression(
    [col('a', 'int4'), col('b "q"', 'numeric'), col('c', 'text'), col('d', 'float8')],
    't',
    7,
  );
  assert.equal(
    expression,
    `hashtextextended(hash_record_extended(row(t."a", t."c" collate "C", row(t."b ""q""", t."d")::text collate "C"), 7)::text, 7)`,
  );
  assert.equal(
    rowHashExpression([col('a', 'int4')], 't', 1),
    'hashtextextended(hash_record_extended(row(t."a"), 1)::text, 1)',
  );
  assert.equal(rowHashExpression([], 't', 1), 'hashtextextended(hash_record_extended(row(), 1)::text, 1)');
});

test('a capture computes the algorithm asked for, else the best of its server; a server before 14 computes no value hash', () => {
  assert.deepEqual(fingerprintPlan(undefined, 150014), { recorded: 'value-hash', computed: 'value-hash' });
  assert.deepEqual(fingerprintPlan(undefined, 140000), { recorded: 'value-hash', computed: 'value-hash' });
  assert.deepEqual(fingerprintPlan(undefined, 130020), { recorded: 'md5-text', computed: 'md5-text' });
  // A stored backup's algorithm wins on its restore, whatever this server would choose.
  assert.deepEqual(fingerprintPlan('md5-text', 180001), { recorded: 'md5-text', computed: 'md5-text' });
  assert.deepEqual(fingerprintPlan('value-hash', 130020), { recorded: 'value-hash', computed: null });
});
