// The self-test's own fixture, loaded after fixtures/shop.sql: the tables its faults aim at, present in every clean run.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Relations the faults reach for. */
export const SELFTEST_TABLES = {
  /** Has a column named t (the alias fingerprints give every table) and no index. */
  aliased: 'selftest.aliased',
  /** A unique btree index over several leaf pages. */
  index: 'selftest.indexed_pkey',
} as const;

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
COMMIT;
`;

/** Write the fixture into `dir` (readable by the server's user, here or in a container) and return its path. */
export async function writeSelftestFixture(dir: string): Promise<string> {
  const file = join(dir, 'selftest.sql');
  await writeFile(file, FIXTURE, { mode: 0o644 });
  return file;
}
