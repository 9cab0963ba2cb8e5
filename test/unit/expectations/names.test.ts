import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quoteIdent, relationKey } from '../../../src/expectations/names.ts';

test('an identifier is quoted exactly where quote_ident quotes it', () => {
  const cases: Array<[string, string]> = [
    ['orders', 'orders'],
    ['_x1', '_x1'],
    ['abort', 'abort'],
    ['name', 'name'],
    ['Orders', '"Orders"'],
    ['1abc', '"1abc"'],
    ['b.c', '"b.c"'],
    ['a b', '"a b"'],
    ['', '""'],
    ['ünï', '"ünï"'],
    ['x$', '"x$"'],
    ['quote"d', '"quote""d"'],
    ['select', '"select"'],
    ['user', '"user"'],
    ['order', '"order"'],
    ['table', '"table"'],
    ['between', '"between"'],
    ['authorization', '"authorization"'],
    ['json_table', '"json_table"'],
  ];
  assert.deepEqual(
    cases.map(([name]) => [name, quoteIdent(name)]),
    cases,
  );
});

test('"a.b".c and a."b.c" get different keys; ordinary names keep their plain key', () => {
  assert.equal(relationKey({ schema: 'a.b', name: 'c' }), '"a.b".c');
  assert.equal(relationKey({ schema: 'a', name: 'b.c' }), 'a."b.c"');
  assert.notEqual(relationKey({ schema: 'a.b', name: 'c' }), relationKey({ schema: 'a', name: 'b.c' }));
  assert.equal(relationKey({ schema: 'shop', name: 'orders' }), 'shop.orders');
  assert.equal(relationKey({ schema: 'Mixed Case', name: 'MIXED' }), '"Mixed Case"."MIXED"');
  assert.equal(relationKey({ schema: 'hostile', name: 'quote"d table' }), 'hostile."quote""d table"');
});
