// The self-test's own fixture, loaded after fixtures/shop.sql: the tables its faults aim at, present in every clean run.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Relations the faults reach for. */
export const SELFTEST_TABLES = {
  /** Has a column named t (the alias fingerprints give every table) and no index. */
  aliased: 'selftest.aliased',
  /** A unique btree index over several leaf pages. */
  index: 'selftest.indexed_pkey',
  /** A view, a function and a partial index whose definitions are changed after a restore. */
  view: 'selftest.large_amounts',
  function: 'selftest.doubled',
  partialIndex: 'selftest.indexed_label_idx',
} as const;

/** Roles of the fixture: a membership that a restore must keep. */
export const SELFTEST_ROLES = { member: 'selftest_member', group: 'selftest_reader' } as const;
/** A database setting (ALTER DATABASE ... SET) that a restore must keep. */
export const SELFTEST_SETTING = { name: 'work_mem', value: '7MB' } as const;

const FIXTURE = `-- Recoverable's self-test fixture: the tables its injected faults aim at, loaded after fixtures/shop.sql.
SET client_min_messages = warning;
BEGIN;
CREATE SCHEMA selftest;
COMMENT ON SCHEMA selftest IS 'targets of recoverable selftest fault injections';
-- A column named t, as the fingerprint query aliases every table: a change to another column must still be seen.
-- No index: damage to its heap is found by heap verification alone, never by a btree check reading the table.
CREATE TABLE selftest.aliased (id integer NOT NULL, t text NOT NULL, amount numeric(10, 2) NOT NULL);
INSERT INTO selftest.aliased SELECT g, 'row ' || g, g * 1.5 FROM generate_series(1, 500) g;
-- A unique btree index over several leaf pages: the index whose key order is damaged.
CREATE TABLE selftest.indexed (id integer PRIMARY KEY, label text NOT NULL);
INSERT INTO selftest.indexed SELECT g, 'label ' || g FROM generate_series(1, 2000) g;
-- Definitions a restore must bring back as they were: a view, a function body, an index predicate.
CREATE VIEW selftest.large_amounts AS SELECT id, amount FROM selftest.aliased WHERE amount > 100;
CREATE FUNCTION selftest.doubled(x numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT x * 2';
CREATE INDEX indexed_label_idx ON selftest.indexed (label) WHERE id > 10;
-- A role membership and a database setting: cluster and database state a dump must carry beside the tables.
CREATE ROLE selftest_reader NOLOGIN;
CREATE ROLE selftest_member NOLOGIN IN ROLE selftest_reader;
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET work_mem = %L', current_database(), '7MB'); END $$;
COMMIT;
`;

/** Write the fixture into `dir` (readable by the server's user, here or in a container) and return its path. */
export async function writeSelftestFixture(dir: string): Promise<string> {
  const file = join(dir, 'selftest.sql');
  await writeFile(file, FIXTURE, { mode: 0o644 });
  return file;
}
