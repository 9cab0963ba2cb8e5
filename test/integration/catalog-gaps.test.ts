// Dump drills over a source with what pg_dump carries beyond user schemas' plain objects: changed privileges of
// pg_catalog objects and extension members, a cycling sequence's position. A drill as taken passes; each change made after the restore fails,
// naming the object.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { runDrill } from '../../src/drill/drill.ts';
import { silentLogger } from '../../src/core/log.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { CheckResult, RunResult } from '../../src/run/result.ts';

let ws: Workspace;
// The drill as taken, run once: later tests read its checks beside their own faults.
let clean: RunResult;

const FIXTURE = `\\set ON_ERROR_STOP on
SET client_min_messages = warning;
BEGIN;
CREATE ROLE catalog_monitor NOLOGIN;
CREATE SCHEMA ext;
CREATE EXTENSION pg_trgm WITH SCHEMA ext;
-- Privileges pg_dump carries as GRANT / REVOKE against pg_init_privs.
GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text) TO catalog_monitor;
REVOKE EXECUTE ON FUNCTION ext.similarity(text, text) FROM PUBLIC;
GRANT SELECT (relname) ON pg_catalog.pg_class TO catalog_monitor;
-- A cycling sequence no workload moves: its position is exactly what the dump holds.
CREATE SEQUENCE public.ticket_no AS integer MINVALUE 1 MAXVALUE 1000000 CYCLE;
SELECT setval('public.ticket_no', 500010);
COMMIT;
`;

before(async () => {
  ws = await workspace();
  await writeFile(join(ws.dir, 'fixtures/catalog.sql'), FIXTURE);
  const taken = await cli(['backup', await ws.scenario('backup.yaml', scenario())], { cwd: ws.dir, env: ws.env });
  assert.equal(taken.exitCode, 0, taken.stderr);
});

after(async () => {
  if (!ws) return;
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary cluster left behind');
  assert.deepEqual(ws.leftoverProcesses(), [], 'no server left running');
  await ws.dispose();
});

function scenario(use = ''): string {
  return `name: catalog-gaps
source:
  managed:
    version: 15
    fixtures: [${ws.dir}/fixtures/shop.sql, ${ws.dir}/fixtures/catalog.sql]
    workload: { seed: 5, transactions: 30 }
repository: ${ws.dir}/repo
backup:
  method: dump${use}
checks: [rowcounts, fingerprints, schema, sequences, large-objects, roles]
report: { dir: ${ws.dir}/reports, formats: [json] }
`;
}

const check = (result: RunResult, id: string): CheckResult => {
  const found = result.restores.flatMap((r) => r.checks).find((c) => c.id === id);
  assert.ok(found, `no check ${id}`);
  return found;
};

async function drill(name: string, alter?: string): Promise<RunResult> {
  const file = await ws.scenario(`${name}.yaml`, scenario('\n  use: latest'));
  const { result } = await runDrill(await loadScenario(file), {
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
  return result;
}

test('the drill as taken passes, comparing the changed initial privileges', async () => {
  const result = (clean = await drill('clean'));
  const bad = result.restores.flatMap((r) => r.checks).filter((c) => c.status !== 'passed' && c.status !== 'skipped');
  assert.deepEqual(
    bad.map((c) => `${c.id}: ${c.message}`),
    [],
  );
  assert.equal(result.verdict, 'passed');
  assert.match(check(result, 'schema:objects').message, /privileges: 3/);
  assert.doesNotMatch(check(result, 'schema:objects').message, /not compared/);
});

test('privileges of pg_catalog objects and extension members changed after the restore fail, each by name', async () => {
  const result = await drill(
    'privileges',
    `revoke execute on function pg_catalog.pg_ls_dir(text) from catalog_monitor;
     grant execute on function ext.similarity(text, text) to public;
     grant execute on function pg_catalog.pg_read_file(text) to public;
     revoke select (relname) on pg_catalog.pg_class from catalog_monitor;`,
  );
  assert.equal(result.verdict, 'failed');
  const objects = check(result, 'schema:objects');
  assert.equal(objects.status, 'failed');
  assert.match(objects.message, /missing 3: .*privileges on column pg_catalog\.pg_class\.relname/);
  assert.match(objects.message, /privileges on function ext\.similarity\(text, text\)/);
  assert.match(objects.message, /privileges on function pg_catalog\.pg_ls_dir\(text\)/);
  assert.match(objects.message, /unexpected 1: privileges on function pg_catalog\.pg_read_file\(text\)/);
});

test("a cycling sequence that did not move while pg_dump ran must come back at the dump's position", async () => {
  const kept = check(clean, 'sequence:public.ticket_no');
  assert.equal(kept.status, 'passed', kept.message);
  assert.equal(kept.exactness, 'exact');
  const result = await drill('sequence-reset', "select setval('public.ticket_no', 1, false)");
  const reset = check(result, 'sequence:public.ticket_no');
  assert.equal(reset.status, 'failed');
  assert.equal(reset.exactness, 'exact');
  assert.match(reset.message, /sequence public\.ticket_no at 1 \(not yet called\), the dump set it to 500010/);
});
