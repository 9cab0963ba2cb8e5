// Dump drills over a source with what pg_dump carries beyond user schemas' plain objects: changed privileges of
// pg_catalog objects and extension members, a cycling sequence's position, object classes beyond tables and
// routines, large objects' and tablespaces' metadata, role comments. A drill as taken passes; each change made after the restore fails,
// naming the object.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, ROOT } from '../helpers/cli.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { runDrill } from '../../src/drill/drill.ts';
import { silentLogger } from '../../src/core/log.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { CheckResult, RunResult } from '../../src/run/result.ts';

let ws: Workspace;
// The drill as taken, run once: later tests read its checks beside their own faults.
let clean: RunResult;

before(async () => {
  ws = await workspace();
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
    fixtures: [${ws.dir}/fixtures/shop.sql, ${join(ROOT, 'test/fixtures/catalog-gaps.sql')}]
    workload: { seed: 5, transactions: 30 }
    tablespaces: [catalog_ts]
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

// Each statement on its own: some (DROP SUBSCRIPTION) refuse to run in a transaction block.
async function drill(name: string, alter?: string | string[]): Promise<RunResult> {
  const file = await ws.scenario(`${name}.yaml`, scenario('\n  use: latest'));
  const { result } = await runDrill(await loadScenario(file), {
    log: silentLogger(),
    clock: systemClock,
    ...(alter
      ? {
          afterRestore: async (cluster, database) => {
            const client = await cluster.connect(database);
            try {
              for (const statement of typeof alter === 'string' ? [alter] : alter) await client.query(statement);
            } finally {
              await client.end();
            }
          },
        }
      : {}),
  });
  return result;
}

test('the drill as taken passes, comparing every captured object class', async () => {
  const result = (clean = await drill('clean'));
  const bad = result.restores.flatMap((r) => r.checks).filter((c) => c.status !== 'passed' && c.status !== 'skipped');
  assert.deepEqual(
    bad.map((c) => `${c.id}: ${c.message}`),
    [],
  );
  assert.equal(result.verdict, 'passed');
  const objects = check(result, 'schema:objects').message;
  for (const counted of [
    'privileges: 5',
    'text search configuration: 1',
    'text search dictionary: 1',
    'text search template: 1',
    'text search parser: 1',
    'operator family: 2',
    'operator class: 1',
    'conversion: 1',
    'access method: 1',
    'extension: 3',
    'subscription: 1',
    'extension member: ',
  ])
    assert.ok(objects.includes(counted), `${counted} in ${objects}`);
  assert.match(check(result, 'large-objects:metadata').message, /large objects' comment, owner, acl match: 4 with/);
  assert.match(check(result, 'tablespaces').message, /all 1 tablespaces match/);
  assert.match(check(result, 'roles').message, /, comments/);
  assert.doesNotMatch(check(result, 'schema:objects').message, /not compared/);
});

test('privileges of pg_catalog objects and extension members changed after the restore fail, each by name', async () => {
  const result = await drill(
    'privileges',
    `revoke execute on function pg_catalog.pg_ls_dir(text) from catalog_monitor;
     grant execute on function ext.similarity(text, text) to public;
     grant execute on function pg_catalog.pg_read_file(text) to public;
     revoke select (relname) on pg_catalog.pg_class from catalog_monitor;
     revoke execute on function ext.akeys(ext.hstore) from catalog_monitor;`,
  );
  assert.equal(result.verdict, 'failed');
  const objects = check(result, 'schema:objects');
  assert.equal(objects.status, 'failed');
  assert.match(objects.message, /missing 4: .*privileges on column pg_catalog\.pg_class\.relname/);
  // Members of an extension another superuser created: compared as the restoring superuser's, and a lost grant still shows.
  assert.match(objects.message, /privileges on function ext\.akeys\(ext\.hstore\)/);
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

test('text search, operator family, conversion, access method, extension schema and subscription changes fail, each by name', async () => {
  const result = await drill('object-classes', [
    'alter text search configuration public.my_cfg alter mapping for asciiword with english_stem',
    "comment on text search dictionary public.my_simple is 'changed'",
    'drop text search parser public.my_prs',
    'drop operator family public.my_fam using btree',
    'alter operator family public.rev_int_ops using btree add function 4 (int4, int4) btequalimage(oid)',
    'drop conversion public.my_conv',
    'drop access method heap2',
    'alter extension pg_trgm set schema public',
    'drop subscription sub1',
  ]);
  assert.equal(result.verdict, 'failed');
  const objects = check(result, 'schema:objects');
  assert.equal(objects.status, 'failed');
  for (const name of [
    'text search parser public.my_prs',
    'operator family public.my_fam using btree',
    'conversion public.my_conv',
    'access method heap2',
    'subscription sub1',
  ])
    assert.ok(objects.message.includes(name), `${name} missing in: ${objects.message}`);
  const definitions = check(result, 'schema:definitions');
  assert.equal(definitions.status, 'failed');
  assert.match(
    definitions.message,
    /text search configuration public\.my_cfg: mapping: backup "asciiword: public\.my_simple, english_stem;/,
  );
  assert.match(
    definitions.message,
    /text search dictionary public\.my_simple: comment: backup \(none\), restored "changed"/,
  );
  assert.match(
    definitions.message,
    /operator family public\.rev_int_ops using btree: functions: backup "…int4cmp\(integer,integer\)", restored "…int4cmp\(integer,integer\), 4 \(integer, integer\) btequalimage\(oid\)"/,
  );
  assert.match(definitions.message, /extension pg_trgm: schema: backup "ext", restored "public"/);
});

test("large objects' owner, privileges and comment, a tablespace's and a role's comment changed after the restore fail, each by name", async () => {
  const result = await drill('cluster-objects', [
    'revoke all on large object 424242 from catalog_monitor',
    'alter large object 424242 owner to postgres',
    'comment on large object 424242 is null',
    'comment on large object 424243 is $$new$$',
    'revoke create on tablespace catalog_ts from catalog_monitor',
    'alter tablespace catalog_ts reset (random_page_cost)',
    'comment on tablespace catalog_ts is null',
    'alter tablespace catalog_ts owner to catalog_monitor',
    'comment on role catalog_monitor is null',
  ]);
  assert.equal(result.verdict, 'failed');
  const lo = check(result, 'large-objects:metadata');
  assert.equal(lo.status, 'failed');
  assert.match(
    lo.message,
    /large object 424242: comment: backup "invoice scan", restored \(none\); owner: backup "catalog_lo_owner", restored "postgres"; acl: backup "catalog_lo_owner=rw\/catalog_lo_owner catalog_monitor=rw\/catalog_lo_owner", restored "postgres=rw\/postgres"/,
  );
  assert.match(lo.message, /large object 424243: presence: backup absent, restored present/);
  assert.equal(check(result, 'large-objects').status, 'passed', 'the content is untouched');
  const ts = check(result, 'tablespaces');
  assert.equal(ts.status, 'failed');
  for (const part of [
    'tablespace catalog_ts: owner: backup "postgres", restored "catalog_monitor"',
    'acl: backup "catalog_monitor=C/postgres postgres=C/postgres", restored "catalog_monitor=C/catalog_monitor"',
    'comment: backup "fast disk", restored (none)',
    'options: backup "random_page_cost=1.1", restored (none)',
  ])
    assert.ok(ts.message.includes(part), `${part} in ${ts.message}`);
  assert.match(
    check(result, 'role:catalog_monitor').message,
    /role catalog_monitor: comment: backup "reads the catalog", restored none/,
  );
});

test('extension members changed after the restore fail, each by name, saying a dump cannot carry such changes', async () => {
  const result = await drill('extension-members', [
    'alter function ext.similarity(text, text) set search_path = pg_catalog',
    'alter function ext.show_trgm(text) security definer',
    "comment on function ext.word_similarity(text, text) is 'our note'",
  ]);
  assert.equal(result.verdict, 'failed');
  const definitions = check(result, 'schema:definitions');
  assert.equal(definitions.status, 'failed');
  assert.match(definitions.message, /^3 object definitions differ/);
  for (const name of [
    'extension member pg_trgm: function ext.similarity(text,text): definition:',
    'extension member pg_trgm: function ext.show_trgm(text): definition:',
    'extension member pg_trgm: function ext.word_similarity(text,text): comment: backup (none), restored "our note"',
    'a dump carries only CREATE EXTENSION',
  ])
    assert.ok(definitions.message.includes(name), `${name} in ${definitions.message}`);
});

test('extension members changed on the source fail the dump drill, each by name: the dump carries only CREATE EXTENSION', async () => {
  await writeFile(
    join(ws.dir, 'fixtures/members.sql'),
    `\\set ON_ERROR_STOP on
CREATE EXTENSION pg_trgm;
ALTER FUNCTION public.similarity(text, text) SET search_path = pg_catalog;
ALTER FUNCTION public.show_trgm(text) SECURITY DEFINER;
COMMENT ON FUNCTION public.word_similarity(text, text) IS 'our note';
`,
  );
  const file = await ws.scenario(
    'members.yaml',
    scenario()
      .replace('name: catalog-gaps', 'name: catalog-members')
      .replace(/fixtures: \[.*\]/, `fixtures: [${ws.dir}/fixtures/members.sql]`)
      .replace(/\n {4}workload: .*\n {4}tablespaces: .*/, '\n    workload: { seed: 5, transactions: 0 }')
      .replace(`${ws.dir}/repo`, `${ws.dir}/repo-members`),
  );
  const { result } = await runDrill(await loadScenario(file), { log: silentLogger(), clock: systemClock });
  assert.equal(result.verdict, 'failed');
  const definitions = check(result, 'schema:definitions');
  assert.equal(definitions.status, 'failed');
  assert.match(definitions.message, /^3 object definitions differ/);
  for (const name of [
    'extension member pg_trgm: function public.similarity(text,text): definition:',
    'extension member pg_trgm: function public.show_trgm(text): definition:',
    'extension member pg_trgm: function public.word_similarity(text,text): comment: backup "our note", restored (none)',
    'a dump carries only CREATE EXTENSION',
  ])
    assert.ok(definitions.message.includes(name), `${name} in ${definitions.message}`);
  const others = result.restores
    .flatMap((r) => r.checks)
    .filter((c) => c.status !== 'passed' && c.id !== 'schema:definitions');
  assert.deepEqual(
    others.map((c) => `${c.id}: ${c.message}`),
    [],
    'nothing else fails',
  );
});

test('a physical drill of the same source passes: a copy of the files carries every one of these as it was', async () => {
  const file = await ws.scenario(
    'physical.yaml',
    scenario()
      .replace('name: catalog-gaps', 'name: catalog-physical')
      .replace('method: dump', 'method: basebackup')
      .replace(`${ws.dir}/repo`, `${ws.dir}/repo-physical`),
  );
  const { result } = await runDrill(await loadScenario(file), { log: silentLogger(), clock: systemClock });
  const bad = result.restores.flatMap((r) => r.checks).filter((c) => c.status !== 'passed' && c.status !== 'skipped');
  assert.deepEqual(
    bad.map((c) => `${c.id}: ${c.message}`),
    [],
  );
  assert.equal(result.verdict, 'passed');
  const objects = check(result, 'schema:objects').message;
  for (const counted of ['privileges: 5', 'extension member: ', 'subscription: 1', 'text search configuration: 1'])
    assert.ok(objects.includes(counted), `${counted} in ${objects}`);
  for (const id of ['large-objects:metadata', 'tablespaces', 'sequence:public.ticket_no'])
    assert.equal(check(result, id).status, 'passed', id);
});
