import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareExpectations } from '../../../src/expectations/compare.ts';
import type { Expectations, TableExpectation } from '../../../src/expectations/types.ts';

const KINDS = new Set(['rowcounts', 'fingerprints']);
const expectations = (tables: TableExpectation[]): Expectations => ({
  database: 'app',
  serverVersion: '15.14',
  tables,
  sequences: [],
  largeObjects: { count: 0, fingerprint: null },
  extensions: [],
  roles: [],
  schemaObjects: [],
});
const seen: TableExpectation = {
  schema: 'reporting',
  name: 'seen',
  relkind: 'm',
  persistence: 'p',
  rows: 0,
  fingerprint: null,
  notComparable: 'calls now() (stable)',
};
const sales: TableExpectation = {
  schema: 'reporting',
  name: 'sales',
  relkind: 'm',
  persistence: 'p',
  rows: 3,
  fingerprint: '1:2',
};

test('a matview whose query is not immutable is skipped as not comparable, naming why; an immutable one stays exact', () => {
  const results = compareExpectations(
    expectations([seen, sales]),
    expectations([{ ...seen, rows: 1, fingerprint: '9:9' }, { ...sales }]),
    { exactness: 'exact', kinds: KINDS, unloggedEmpty: false, durationMs: 0 },
  );
  for (const id of ['rowcount:reporting.seen', 'fingerprint:reporting.seen']) {
    const r = results.find((c) => c.id === id)!;
    assert.equal(r.status, 'skipped');
    assert.equal(r.exactness, 'not-available');
    assert.match(r.message, /reporting\.seen: .*cannot be predicted \(calls now\(\) \(stable\)\): not comparable/);
  }
  assert.equal(results.find((c) => c.id === 'fingerprint:reporting.sales')!.status, 'passed');
  assert.equal(results.find((c) => c.id === 'fingerprint:reporting.sales')!.exactness, 'exact');
});

test('a not-comparable matview missing from the restore still fails', () => {
  const results = compareExpectations(expectations([seen]), expectations([]), {
    exactness: 'exact',
    kinds: KINDS,
    unloggedEmpty: false,
    durationMs: 0,
  });
  assert.equal(results.find((c) => c.id === 'rowcount:reporting.seen')!.status, 'failed');
});
