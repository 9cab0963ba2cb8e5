import { test } from 'node:test';
import assert from 'node:assert/strict';
import { excerpt } from '../../../src/expectations/schema-excerpt.ts';

test('short values are shown whole, quoted; an absent side is (none)', () => {
  assert.deepEqual(excerpt('integer', 'bigint'), ['"integer"', '"bigint"']);
  assert.deepEqual(excerpt(null, 'n_distinct=5'), ['(none)', '"n_distinct=5"']);
  assert.deepEqual(excerpt('a comment', null), ['"a comment"', '(none)']);
});

test('long values are cut around the first difference, with ellipses where text was cut', () => {
  const head = 'SELECT items.id, items.code, lab.double(items.qty) AS twice FROM lab.items ';
  const [w, a] = excerpt(`${head}WHERE (items.qty > 40);`, `${head}WHERE (items.qty > 39);`);
  assert.match(w, /^"….*items\.qty > 40\);"$/);
  assert.match(a, /^"….*items\.qty > 39\);"$/);
  assert.ok(w.length < head.length, 'the common head is not repeated whole');
});

test('line breaks fold to spaces, unless only whitespace differs', () => {
  assert.deepEqual(excerpt(' SELECT 1\n   FROM t;', ' SELECT 2\n   FROM t;'), [
    '"SELECT 1 FROM t;"',
    '"SELECT 2 FROM t;"',
  ]);
  const [w, a] = excerpt('SELECT 1\nFROM t', 'SELECT 1 FROM t');
  assert.notEqual(w, a, 'a whitespace-only difference stays visible');
  assert.match(w, /\\n/);
});
