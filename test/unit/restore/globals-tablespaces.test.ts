import { test } from 'node:test';
import assert from 'node:assert/strict';
import { relocateTablespaces, tablespaceDirName } from '../../../src/restore/globals-tablespaces.ts';

const globals = [
  'CREATE ROLE shop_owner;',
  "CREATE TABLESPACE archive OWNER postgres LOCATION '/srv/pg/archive';",
  `CREATE TABLESPACE "Cold ""Store""" OWNER "Shop Owner" LOCATION '/srv/it''s cold';`,
  "COMMENT ON TABLESPACE archive IS 'old orders';",
].join('\n');

test('every CREATE TABLESPACE is pointed at the chosen directory, the rest left as it was', () => {
  const out = relocateTablespaces(globals, (name, i) => `/work/env/tablespaces/${i}-${name}`);
  assert.deepEqual(out.problems, []);
  assert.deepEqual(out.tablespaces, [
    { name: 'archive', sourceLocation: '/srv/pg/archive', location: '/work/env/tablespaces/0-archive' },
    { name: 'Cold "Store"', sourceLocation: "/srv/it's cold", location: '/work/env/tablespaces/1-Cold "Store"' },
  ]);
  assert.equal(
    out.sql,
    [
      'CREATE ROLE shop_owner;',
      "CREATE TABLESPACE archive OWNER postgres LOCATION '/work/env/tablespaces/0-archive';",
      `CREATE TABLESPACE "Cold ""Store""" OWNER "Shop Owner" LOCATION '/work/env/tablespaces/1-Cold "Store"';`,
      "COMMENT ON TABLESPACE archive IS 'old orders';",
    ].join('\n'),
  );
  assert.ok(!out.sql.includes('/srv/'), 'no source path is left in what psql runs');
});

test('a CREATE TABLESPACE in another shape is left out and reported, never run at the source path', () => {
  const out = relocateTablespaces("CREATE TABLESPACE odd LOCATION E'/srv/odd';\nSELECT 1;", () => '/x');
  assert.equal(out.tablespaces.length, 0);
  assert.match(out.problems[0]!, /cannot relocate was left out: CREATE TABLESPACE odd/);
  assert.ok(out.sql.startsWith('-- left out'));
  assert.ok(out.sql.endsWith('\nSELECT 1;'));
});

test('a directory name is the tablespace name when safe and unused, otherwise a safe name with its position', () => {
  assert.equal(tablespaceDirName('archive', 0, new Set()), 'archive');
  assert.equal(tablespaceDirName('Cold "Store"', 1, new Set()), 'Cold__Store_-2');
  assert.equal(tablespaceDirName('..', 2, new Set()), '_-3');
  assert.equal(tablespaceDirName('archive', 3, new Set(['archive'])), 'archive-4');
});
