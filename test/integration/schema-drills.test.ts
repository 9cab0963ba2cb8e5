// Full drills around the schema comparison: a dump drill passes as taken and fails, naming each, when a view,
// a trigger's state, a row of a user's `recoverable` schema or of an extension's configuration table changes after
// the restore; a now()-based materialized view is reported not comparable; a physical drill with Recoverable's
// markers next to the user's own `recoverable` schema passes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { runDrill } from '../../src/drill/drill.ts';
import { silentLogger } from '../../src/core/log.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { CheckResult, RunResult } from '../../src/run/result.ts';

// A tiny extension with two configuration tables (one filtered) and a configuration sequence, unique to this run.
const EXTENSION = `recoverable_test_cfg_${process.pid}`;
const EXTENSION_DIR = '/usr/share/postgresql/15/extension';
const EXTENSION_FILES = [join(EXTENSION_DIR, `${EXTENSION}.control`), join(EXTENSION_DIR, `${EXTENSION}--1.0.sql`)];

let ws: Workspace;

before(async () => {
  await writeFile(
    EXTENSION_FILES[0]!,
    `comment = 'configuration tables for a Recoverable test'\ndefault_version = '1.0'\nrelocatable = true\n`,
  );
  await writeFile(
    EXTENSION_FILES[1]!,
    `CREATE TABLE options (name text PRIMARY KEY, value text NOT NULL, standard boolean NOT NULL DEFAULT false);
INSERT INTO options VALUES ('colour', 'blue', true), ('size', 'large', true);
SELECT pg_catalog.pg_extension_config_dump('options', 'WHERE NOT standard');
CREATE TABLE notes (id integer PRIMARY KEY, note text NOT NULL);
SELECT pg_catalog.pg_extension_config_dump('notes', '');
CREATE SEQUENCE note_ids;
SELECT pg_catalog.pg_extension_config_dump('note_ids', '');
`,
  );
  ws = await workspace();
  await writeFile(
    join(ws.dir, 'fixtures/extras.sql'),
    `\\set ON_ERROR_STOP on
BEGIN;
-- The user's own schema named recoverable: compared like any other.
CREATE SCHEMA recoverable;
CREATE TABLE recoverable.notes (id integer PRIMARY KEY, body text NOT NULL);
INSERT INTO recoverable.notes SELECT i, 'note ' || i FROM generate_series(1, 20) AS i ORDER BY i;
-- A materialized view a refresh cannot reproduce: it calls now().
CREATE MATERIALIZED VIEW reporting.customers_seen AS SELECT now() AS taken, count(*) AS customers FROM shop.customers;
-- An extension whose configuration tables hold the user's rows.
CREATE SCHEMA settings;
CREATE EXTENSION ${EXTENSION} WITH SCHEMA settings;
INSERT INTO settings.options VALUES ('theme', 'dark', false), ('lang', 'en', false);
INSERT INTO settings.notes VALUES (1, 'first'), (2, 'second');
SELECT setval('settings.note_ids', 42);
COMMIT;
`,
  );
  const file = await ws.scenario('backup.yaml', scenario('schema-dump', 'dump'));
  const taken = await cli(['backup', file], { cwd: ws.dir, env: ws.env });
  assert.equal(taken.exitCode, 0, taken.stderr);
});

after(async () => {
  await Promise.all(EXTENSION_FILES.map((f) => rm(f, { force: true })));
  if (!ws) return;
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary cluster left behind');
  assert.deepEqual(ws.leftoverProcesses(), [], 'no server left running');
  await ws.dispose();
});

function scenario(name: string, method: 'dump' | 'basebackup', extra = ''): string {
  return `name: ${name}
source:
  managed:
    version: 15
    fixtures: [${ws.dir}/fixtures/shop.sql, ${ws.dir}/fixtures/extras.sql]
    workload: { seed: 11, transactions: 100 }
repository: ${ws.dir}/repo-${method}
backup:
  method: ${method}${extra}
checks: [rowcounts, fingerprints, schema, sequences]
report: { dir: ${ws.dir}/reports, formats: [json] }
`;
}

const check = (result: RunResult, id: string): CheckResult | undefined =>
  result.restores.flatMap((r) => r.checks).find((c) => c.id === id);

async function dumpDrill(name: string, alter?: string): Promise<{ result: RunResult; exitCode: number }> {
  // Run as the scenario that took the backup: `use` picks only a scenario's own backups.
  const scenarioFile = await ws.scenario(`${name}.yaml`, scenario('schema-dump', 'dump', '\n  use: latest'));
  return runDrill(await loadScenario(scenarioFile), {
    log: silentLogger(),
    clock: systemClock,
    ...(alter
      ? {
          afterRestore: async (cluster, database) => {
            const client = await cluster.connect(database);
            try {
              await client.query(alter);
            } finally {
              await client.end();
            }
          },
        }
      : {}),
  });
}

test("the dump drill passes as taken: user's recoverable schema and extension configuration rows exact, the now() matview not comparable", async () => {
  const { result, exitCode } = await dumpDrill('schema-clean');
  const bad = result.restores.flatMap((r) => r.checks).filter((c) => c.status === 'failed' || c.status === 'errored');
  assert.deepEqual(
    bad.map((c) => `${c.id}: ${c.message}`),
    [],
  );
  assert.equal(exitCode, 0);
  assert.equal(result.verdict, 'passed');
  for (const id of [
    'schema:objects',
    'schema:definitions',
    'rowcount:recoverable.notes',
    'fingerprint:recoverable.notes',
    'fingerprint:settings.options',
    'fingerprint:settings.notes',
    'sequence:settings.note_ids',
    'fingerprint:reporting.daily_sales',
  ]) {
    assert.equal(check(result, id)?.status, 'passed', `${id}: ${check(result, id)?.message}`);
  }
  assert.equal(
    check(result, 'fingerprint:reporting.daily_sales')?.exactness,
    'exact',
    'an immutable matview stays exact',
  );
  assert.equal(
    check(result, 'rowcount:settings.options')?.actual,
    2,
    'only the rows pg_dump carries (WHERE NOT standard) are counted',
  );
  for (const id of ['rowcount:reporting.customers_seen', 'fingerprint:reporting.customers_seen']) {
    const c = check(result, id)!;
    assert.equal(c.status, 'skipped', id);
    assert.equal(c.exactness, 'not-available');
    assert.match(
      c.message,
      /reporting\.customers_seen: materialized view refreshed by the restore from a query whose result cannot be predicted \(calls now\(\) \(stable\)\)/,
    );
  }
});

test("a changed view, a disabled trigger and changed rows of the user's recoverable schema and of an extension's configuration fail, each by name", async () => {
  const { result, exitCode } = await dumpDrill(
    'schema-altered',
    `
    create or replace view shop.product_stock as select p.id, p.sku, p.name, p.stock, p.stock <= 0 as sold_out from shop.products p;
    alter table shop.orders disable trigger orders_audit;
    update recoverable.notes set body = 'edited' where id = 7;
    update settings.options set value = 'light' where name = 'theme';`,
  );
  assert.equal(exitCode, 1);
  assert.equal(result.verdict, 'failed');
  const definitions = check(result, 'schema:definitions')!;
  assert.equal(definitions.status, 'failed');
  assert.match(
    definitions.message,
    /view shop\.product_stock: definition: backup ".*\(p\.stock = 0\) AS sold_out.*", restored ".*\(p\.stock <= 0\) AS sold_out.*"/,
  );
  assert.match(
    definitions.message,
    /trigger shop\.orders\.orders_audit: enabled: backup "origin", restored "disabled"/,
  );
  assert.equal(check(result, 'fingerprint:recoverable.notes')?.status, 'failed');
  assert.match(
    check(result, 'fingerprint:recoverable.notes')!.message,
    /recoverable\.notes: table content differs from the backup although the row count matches/,
  );
  assert.equal(check(result, 'fingerprint:settings.options')?.status, 'failed');
  assert.equal(
    check(result, 'fingerprint:settings.notes')?.status,
    'passed',
    'untouched configuration rows still match',
  );
});

test("a physical drill with Recoverable's markers beside the user's own recoverable schema passes, comparing the user's objects", async () => {
  const file = await ws.scenario(
    'schema-physical.yaml',
    scenario('schema-physical', 'basebackup').replace(
      'checks:',
      'restore: { targets: [immediate, { marker: batch-2 }] }\nchecks:',
    ),
  );
  const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
  const result = await latestResult(join(ws.dir, 'reports'), 'schema-physical');
  assert.equal(
    run.exitCode,
    0,
    `${run.stdout}\n${run.stderr.slice(-2000)}\n${JSON.stringify(result.restores.flatMap((r) => r.checks).filter((c) => c.status !== 'passed'))}`,
  );
  for (const restore of result.restores) {
    for (const id of [
      'markers',
      'schema:objects',
      'schema:definitions',
      'rowcount:recoverable.notes',
      'fingerprint:recoverable.notes',
      'fingerprint:reporting.customers_seen',
      'fingerprint:settings.options',
    ]) {
      assert.equal(restore.checks.find((c) => c.id === id)?.status, 'passed', `${restore.target}: ${id}`);
    }
    assert.equal(
      restore.checks.some((c) => c.id.includes('recoverable.markers')),
      false,
      'the markers table itself is not compared as data',
    );
    assert.match(restore.checks.find((c) => c.id === 'schema:objects')!.message, /schema: \d+/);
  }
});
