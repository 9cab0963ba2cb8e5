import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compareDatabaseProperties,
  compareRelationTablespaces,
} from '../../../src/expectations/database-properties-compare.ts';
import type { DatabaseProperties } from '../../../src/expectations/database-properties.ts';

const source: DatabaseProperties = {
  owner: 'app_writer',
  locale: { encoding: 'UTF8', provider: 'libc', collate: 'C.UTF-8', ctype: 'C.UTF-8', locale: null, icuRules: null },
  connectionLimit: 50,
  allowConnections: true,
  isTemplate: false,
  tablespace: 'pg_default',
  settings: ['random_page_cost=1.5', 'search_path=shop, public'],
  privileges: ['app_reader=c/app_writer', 'app_writer=CTc/app_writer'],
  comment: 'the shop',
  roleSettings: ['app_reader: work_mem=4MB'],
  relationTablespaces: [{ relation: 'table shop.orders_2024_01', tablespace: 'archive' }],
};

const all = new Set(['schema', 'roles']);
const compare = (actual: DatabaseProperties, kinds: ReadonlySet<string> = all) =>
  compareDatabaseProperties('app', source, actual, { kinds, exactness: 'exact', durationMs: 9 });

test('identical properties pass, one result per property, each showing its value', () => {
  const results = compare(structuredClone(source));
  assert.deepEqual(
    results.map((r) => r.id),
    [
      'database:owner',
      'database:locale',
      'database:settings',
      'database:privileges',
      'database:comment',
      'database:options',
      'database:tablespace',
      'database:role-settings',
      'schema:tablespaces',
    ],
  );
  assert.ok(
    results.every((r) => r.status === 'passed'),
    results.map((r) => r.message).join(' | '),
  );
  assert.equal(results.find((r) => r.id === 'database:owner')!.message, 'database app owner: app_writer');
});

test('each changed or lost property fails, naming it and both sides', () => {
  const cases: Array<[Partial<DatabaseProperties>, string, RegExp]> = [
    [{ owner: 'postgres' }, 'database:owner', /owner differs: backup app_writer, restored postgres/],
    [
      { settings: ['random_page_cost=1.5'] },
      'database:settings',
      /settings \(ALTER DATABASE \.\.\. SET\) differs: backup random_page_cost=1\.5; search_path=shop, public, restored random_page_cost=1\.5$/,
    ],
    [
      { privileges: ['app_writer=CTc/app_writer'] },
      'database:privileges',
      /differs: backup app_reader=c\/app_writer; app_writer=CTc\/app_writer, restored app_writer=CTc\/app_writer/,
    ],
    [{ comment: null }, 'database:comment', /comment differs: backup "the shop", restored none/],
    [
      { connectionLimit: -1 },
      'database:options',
      /backup connection limit 50, allows connections, not a template, restored connection limit unlimited/,
    ],
    [
      { locale: { ...source.locale, provider: 'icu', locale: 'und-x-icu' } },
      'database:locale',
      /backup UTF8, collate C\.UTF-8, ctype C\.UTF-8, provider libc, restored .* provider icu und-x-icu/,
    ],
    [
      { tablespace: 'archive' },
      'database:tablespace',
      /default tablespace differs: backup pg_default, restored archive/,
    ],
    [{ roleSettings: [] }, 'database:role-settings', /backup app_reader: work_mem=4MB, restored none/],
  ];
  for (const [change, id, message] of cases) {
    const results = compare({ ...source, ...change });
    const failed = results.filter((r) => r.status !== 'passed');
    assert.deepEqual(
      failed.map((r) => r.id),
      [id],
      JSON.stringify(change),
    );
    assert.match(failed[0]!.message, message);
  }
});

test('a list is compared item by item, not by how it reads', () => {
  const results = compare({ ...source, settings: ['random_page_cost=1.5; search_path=shop, public'] });
  assert.equal(results.find((r) => r.id === 'database:settings')!.status, 'failed');
});

test('only the asked-for aspects are compared: schema covers the database, roles its per-role settings', () => {
  assert.deepEqual(
    compare(source, new Set(['roles'])).map((r) => r.id),
    ['database:role-settings'],
  );
  assert.ok(!compare(source, new Set(['schema'])).some((r) => r.id === 'database:role-settings'));
  assert.deepEqual(compare(source, new Set(['rowcounts'])), []);
});

test('a relation moved to another tablespace, or to the default, fails naming it and both tablespaces', () => {
  const moved = compareRelationTablespaces(source, { ...source, relationTablespaces: [] }, 'exact', 0);
  assert.equal(moved.status, 'failed');
  assert.match(
    moved.message,
    /table shop\.orders_2024_01: backup archive, restored pg_default \(the database default\)/,
  );
  const other = compareRelationTablespaces(
    source,
    {
      ...source,
      relationTablespaces: [
        { relation: 'table shop.orders_2024_01', tablespace: 'cold' },
        { relation: 'index shop.x', tablespace: 'cold' },
      ],
    },
    'exact',
    0,
  );
  assert.match(
    other.message,
    /index shop\.x: backup pg_default \(the database default\), restored cold; table shop\.orders_2024_01: backup archive, restored cold/,
  );
});

test('expectations without database properties are not compared, and say so: never a pass', () => {
  const results = compareDatabaseProperties('app', undefined, source, {
    kinds: all,
    exactness: 'exact',
    durationMs: 0,
  });
  assert.equal(results.length, 1);
  assert.equal(results[0]!.status, 'skipped');
  assert.equal(results[0]!.exactness, 'not-available');
  assert.equal(
    compareDatabaseProperties('app', source, undefined, { kinds: all, exactness: 'exact', durationMs: 0 })[0]!.status,
    'errored',
  );
});
