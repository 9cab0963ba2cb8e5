// The comparison of a restored database with its backup: missing, short, changed and unlogged tables, large objects,
// extensions across majors, and what is compared only when the scenario asks for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareExpectations, type CompareOptions } from '../../../src/expectations/compare.ts';
import type { Expectations, TableExpectation } from '../../../src/expectations/types.ts';
import type { CheckResult } from '../../../src/run/result.ts';
import { CAPTURED } from '../../../src/expectations/coverage.ts';

const base = (over: Partial<Expectations> = {}): Expectations => ({
  database: 'app',
  serverVersion: '15.14',
  tables: [],
  sequences: [],
  largeObjects: { count: 0, fingerprint: null },
  extensions: [],
  roles: [],
  schemaObjects: [],
  tablespaces: [],
  coverage: [...CAPTURED],
  ...over,
});
const table = (
  name: string,
  rows: number,
  fingerprint: string | null,
  extra: Partial<TableExpectation> = {},
): TableExpectation => ({ schema: 'shop', name, relkind: 'r', persistence: 'p', rows, fingerprint, ...extra });
const options = (kinds: string[], over: Partial<CompareOptions> = {}): CompareOptions => ({
  exactness: 'exact',
  kinds: new Set(kinds),
  unloggedEmpty: false,
  durationMs: 0,
  ...over,
});
const byId = (results: CheckResult[], id: string): CheckResult => {
  const found = results.find((r) => r.id === id);
  assert.ok(found, `no result ${id} among ${results.map((r) => r.id).join(', ')}`);
  return found;
};
const DATA = ['rowcounts', 'fingerprints'];

test('a table missing from the restore fails both checks, its actual side null, naming the table', () => {
  const results = compareExpectations(base({ tables: [table('orders', 3, '3:abc')] }), base(), options(DATA));
  for (const id of ['rowcount:shop.orders', 'fingerprint:shop.orders']) {
    const result = byId(results, id);
    assert.deepEqual(
      [result.status, result.actual, result.message],
      ['failed', null, 'table shop.orders is missing from the restored database'],
    );
  }
  assert.equal(byId(results, 'rowcount:shop.orders').expected, 3);
});

test('a row count off by any amount fails, saying both counts and the difference with its sign', () => {
  const want = base({ tables: [table('orders', 3, '3:abc')] });
  const short = byId(
    compareExpectations(want, base({ tables: [table('orders', 2, '2:ab')] }), options(DATA)),
    'rowcount:shop.orders',
  );
  assert.deepEqual([short.status, short.expected, short.actual], ['failed', 3, 2]);
  assert.equal(short.message, 'shop.orders has 2 rows, the backup had 3 (-1)');
  assert.match(
    byId(
      compareExpectations(want, base({ tables: [table('orders', 5, '5:x')] }), options(DATA)),
      'rowcount:shop.orders',
    ).message,
    /\(\+2\)$/,
  );
  const same = byId(
    compareExpectations(want, base({ tables: [table('orders', 3, '3:abc')] }), options(DATA)),
    'rowcount:shop.orders',
  );
  assert.deepEqual([same.status, same.message], ['passed', 'shop.orders: 3 rows']);
});

test('a fingerprint that differs fails even when the rows match; a missing fingerprint is errored, never passed', () => {
  const want = base({ tables: [table('orders', 3, '3:abc')] });
  const changed = byId(
    compareExpectations(want, base({ tables: [table('orders', 3, '3:abd')] }), options(DATA)),
    'fingerprint:shop.orders',
  );
  assert.deepEqual([changed.status, changed.expected, changed.actual], ['failed', '3:abc', '3:abd']);
  assert.match(changed.message, /table content differs from the backup although the row count matches/);
  for (const [wantPrint, gotPrint] of [
    [null, '3:abc'],
    ['3:abc', null],
    [null, null],
  ] as const) {
    const result = byId(
      compareExpectations(
        base({ tables: [table('orders', 3, wantPrint)] }),
        base({ tables: [table('orders', 3, gotPrint)] }),
        options(DATA),
      ),
      'fingerprint:shop.orders',
    );
    assert.deepEqual([result.status, result.exactness], ['errored', 'not-available'], `${wantPrint} vs ${gotPrint}`);
    assert.match(result.message, /no fingerprint was computed for shop\.orders/);
  }
});

test('an unlogged table is empty after a physical restore, as expected there; after a dump it keeps its rows', () => {
  const unlogged = base({ tables: [table('cache', 4, '4:ff', { persistence: 'u' })] });
  const physical = compareExpectations(
    unlogged,
    base({ tables: [table('cache', 0, '0:')] }),
    options(DATA, { unloggedEmpty: true }),
  );
  assert.deepEqual(
    physical.map((r) => [r.id, r.status]),
    [['rowcount:shop.cache', 'passed']],
    'no fingerprint of an emptied table',
  );
  assert.match(physical[0]!.message, /unlogged: empty after a physical restore, as expected/);
  assert.equal(
    byId(
      compareExpectations(
        unlogged,
        base({ tables: [table('cache', 4, '4:ff')] }),
        options(DATA, { unloggedEmpty: true }),
      ),
      'rowcount:shop.cache',
    ).status,
    'failed',
    'rows in an unlogged table after a physical restore are not what the server does',
  );
  assert.equal(
    byId(
      compareExpectations(unlogged, base({ tables: [table('cache', 0, '0:')] }), options(DATA)),
      'rowcount:shop.cache',
    ).status,
    'failed',
    'a dump restore must bring the rows back',
  );
});

test('only the aspects the scenario asks for are compared, with its exactness on every result', () => {
  const want = base({ tables: [table('orders', 3, '3:abc')], largeObjects: { count: 1, fingerprint: 'lo' } });
  const got = base({ tables: [table('orders', 2, '2:ab')], largeObjects: { count: 0, fingerprint: null } });
  assert.deepEqual(
    compareExpectations(want, got, options(['rowcounts'])).map((r) => r.id),
    ['rowcount:shop.orders'],
  );
  assert.deepEqual(
    compareExpectations(want, got, options(['fingerprints'])).map((r) => r.id),
    ['fingerprint:shop.orders'],
  );
  assert.deepEqual(compareExpectations(want, got, options([])), []);
  const bounded = compareExpectations(
    want,
    got,
    options(['rowcounts', 'large-objects'], { exactness: 'bounded', durationMs: 80 }),
  );
  assert.ok(
    bounded.every((r) => r.exactness === 'bounded'),
    'exactness carried',
  );
  assert.ok(
    bounded.every((r) => r.durationMs === 10),
    'the capture time shared between the results',
  );
});

test('large objects: a count or content that differs fails, saying which; the same pass', () => {
  const want = base({ largeObjects: { count: 2, fingerprint: 'aa' } });
  const lo = (count: number, fingerprint: string | null): CheckResult =>
    byId(
      compareExpectations(want, base({ largeObjects: { count, fingerprint } }), options(['large-objects'])),
      'large-objects',
    );
  assert.deepEqual([lo(2, 'aa').status, lo(2, 'aa').message], ['passed', '2 large objects, content identical']);
  assert.deepEqual([lo(1, 'a').status, lo(1, 'a').message], ['failed', '1 large objects restored, the backup had 2']);
  assert.deepEqual(
    [lo(2, 'ab').status, lo(2, 'ab').message],
    ['failed', 'large object content differs from the backup'],
  );
  assert.deepEqual(lo(2, 'ab').actual, { count: 2, fingerprint: 'ab' });
});

test('extensions: on the same major name and version must match; into another major the version may move, and is reported', () => {
  const want = base({ extensions: ['pg_trgm 1.6', 'pgcrypto 1.3'] });
  const ext = (got: Expectations): CheckResult =>
    byId(compareExpectations(want, got, options(['schema'])), 'schema:extensions');
  assert.equal(ext(base({ extensions: ['pg_trgm 1.6', 'pgcrypto 1.3'] })).status, 'passed');
  const older = ext(base({ extensions: ['pg_trgm 1.5', 'pgcrypto 1.3'] }));
  assert.equal(older.status, 'failed', 'another version on the same major is another extension');
  assert.match(older.message, /missing 1: pg_trgm 1\.6; unexpected 1: pg_trgm 1\.5/);
  const upgraded = ext(base({ serverVersion: '17.2', extensions: ['pg_trgm 1.6', 'pgcrypto 1.4'] }));
  assert.equal(upgraded.status, 'passed');
  assert.match(upgraded.message, /upgraded with the server: pgcrypto 1\.3 → 1\.4/);
  const dropped = ext(base({ serverVersion: '17.2', extensions: ['pg_trgm 1.6'] }));
  assert.equal(dropped.status, 'failed', 'across majors a missing extension is still missing');
  assert.match(dropped.message, /missing 1: pgcrypto/);
});
