// fixtures/hostile.sql through real drills: a sound restore (15 -> 15 locally, 15 -> 17 and 18 in Docker, and a
// physical restore) must pass every comparison exactly, and one changed value anywhere must fail naming its table.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { dockerAvailable, requireDockerInCi, requireImage } from '../helpers/docker.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { runDrill } from '../../src/drill/drill.ts';
import { silentLogger } from '../../src/core/log.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { RunResult, RestoreResult, CheckResult } from '../../src/run/result.ts';
import { relationKey } from '../../src/expectations/names.ts';

const unavailable = requireDockerInCi(await dockerAvailable());
const images: Record<number, string | false> = {};
for (const major of [17, 18])
  images[major] = unavailable || (await requireImage(`postgres:${major}`, { requiredInCi: true }));

/** A relation of the fixture that holds rows: its rows on the source, and how a physical restore treats it. */
interface FixtureTable {
  schema: string;
  name: string;
  rows: number;
  /** Unlogged: empty after a physical restore. */
  unlogged?: true;
  /** WITH NO DATA: nothing to count on either side. */
  unpopulated?: true;
}

const table = (schema: string, name: string, rows: number, extra: Partial<FixtureTable> = {}): FixtureTable => ({
  schema,
  name,
  rows,
  ...extra,
});

// Every leaf table and materialized view fixtures/hostile.sql creates, with its row count after loading.
const HOSTILE_TABLES: FixtureTable[] = [
  table('Mixed Case', 'MIXED', 1),
  table('Mixed Case', 'Table With Spaces', 2),
  table('Mixed Case', 'mixed', 2),
  table('a', 'b.c', 2),
  table('a.b', 'c', 1),
  table('hostile', 'a_name_that_is_exactly_sixty_three_bytes_long_for_the_limit_xyz', 1),
  table('hostile', 'amphibian', 1),
  table('hostile', 'arrays', 4),
  table('hostile', 'bike', 1),
  table('hostile', 'binary_bits', 5),
  table('hostile', 'boat', 1),
  table('hostile', 'by_hash_0', 8),
  table('hostile', 'by_hash_1', 12),
  table('hostile', 'c', 1),
  table('hostile', 'car', 2),
  table('hostile', 'collated', 6),
  table('hostile', 'composites', 3),
  table('hostile', 'domains_enums', 4),
  table('hostile', 'duplicates', 5),
  table('hostile', 'events_2024_click', 2),
  table('hostile', 'events_2024_other', 1),
  table('hostile', 'events_2024_view', 1),
  table('hostile', 'events_default', 2),
  table('hostile', 'events_old', 2),
  table('hostile', 'floats', 11),
  table('hostile', 'geometry', 4),
  table('hostile', 'h', 2),
  table('hostile', 'h1', 1),
  table('hostile', 'json_docs', 7),
  table('hostile', 'jsonb_shapes', 2),
  table('hostile', 'locked', 1),
  table('hostile', 'money', 6),
  table('hostile', 'mv_never', 0, { unpopulated: true }),
  table('hostile', 'mv_numbers', 11),
  table('hostile', 'mv_on_stale', 1),
  table('hostile', 'mv_rendered', 8),
  table('hostile', 'mv_refreshed_by', 1),
  table('hostile', 'mv_stale', 2),
  table('hostile', 'n', 2),
  table('hostile', 'network', 5),
  table('hostile', 'no_columns', 3),
  table('hostile', 'numerics', 11),
  table('hostile', 'only_dropped', 2),
  table('hostile', 'order', 2),
  table('hostile', 'quote"d table', 1),
  table('hostile', 'ranges', 4),
  table('hostile', 'rel', 1),
  table('hostile', 'reshaped', 4),
  table('hostile', 's', 1),
  table('hostile', 'scratch', 3, { unlogged: true }),
  table('hostile', 'search', 5),
  table('hostile', 'secrets', 3),
  table('hostile', 'select', 2),
  table('hostile', 'stale_base', 2),
  table('hostile', 'strings', 10),
  table('hostile', 'system_refs', 4),
  table('hostile', 't', 2),
  table('hostile', 'table', 1),
  table('hostile', 'temporal', 8),
  table('hostile', 'toasty', 3),
  table('hostile', 'trailing space ', 1),
  table('hostile', 'user', 1),
  table('hostile', 'vehicle', 1),
  table('hostile', 'x', 1),
  table('hostile', 'xml_docs', 6),
  table('recoverable', 'user_data', 2),
  table('s', 't', 1),
  table('select', 'from', 1),
  table('ünïcödé', 'τάβλε ✓', 2),
];
// Hash partitions on an enum: pg_dump loads them through the root (enum OIDs change), so rows may change leaves.
const BY_MOOD = { schema: 'hostile', root: 'by_mood', leaves: ['by_mood_0', 'by_mood_1', 'by_mood_2'], rows: 6 };
const HOSTILE_SEQUENCES: Array<[string, string]> = [
  ['hostile', 'up_seq'],
  ['hostile', 'down_seq'],
  ['hostile', 'cycle_seq'],
  ['hostile', 'fresh_seq'],
  ['hostile', 'reset_seq'],
  ['hostile', 'big_seq'],
  ['hostile', 'Seq With Space'],
  ['hostile', 'reshaped_id_seq'],
  ['hostile', 'reshaped_serial_no_seq'],
  ['hostile', 'scratch_id_seq'],
  ['recoverable', 'user_seq'],
];
// shop.sql's three large objects plus the fixture's empty, small and 1.28 MB ones.
const LARGE_OBJECTS = 6;
const CHECKS =
  '[rowcounts, fingerprints, schema, sequences, large-objects, roles, { amcheck: { heapallindexed: true } }]';

// How a check names a table (compare.ts): schema and name joined by a dot, each quoted where quote_ident would.
const key = (schema: string, name: string): string => relationKey({ schema, name });

let ws: Workspace;
before(async () => {
  ws = await workspace();
  process.env.RECOVERABLE_WORK_DIR = ws.workDir;
  // Signed backups: every run-level check, the signature's included, must pass (an unsigned one would be skipped).
  const key = join(ws.dir, 'signing.pem');
  await writeFile(key, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }), {
    mode: 0o600,
  });
  ws.env.RECOVERABLE_SIGNING_KEY = key;
});
after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary cluster left behind');
  assert.deepEqual(ws.leftoverProcesses(), [], 'no server left running');
  await ws.dispose();
});

// The workload needs the shop, so the hostile fixture loads on top of it (the shop's tables are checked too).
// `file` differs from `name` for a second drill of the same scenario (backup.use restores only a scenario's own backups).
function hostileScenario(
  name: string,
  body: { backup: string; restore: string; repository?: string },
  file = name,
): Promise<string> {
  return ws.scenario(
    `${file}.yaml`,
    `name: ${name}
source:
  managed:
    version: 15
    fixtures: [${ws.dir}/fixtures/shop.sql, ${ws.dir}/fixtures/hostile.sql]
    workload: { seed: 11, transactions: 40 }
repository: ${body.repository ?? `${ws.dir}/repo-${name}`}
backup: ${body.backup}
restore: ${body.restore}
checks: ${CHECKS}
report: { dir: ${ws.dir}/reports, formats: [json, junit] }
`,
  );
}

// Run a drill through the command line; its exit code and verdict become problems, so one run reports all of them.
async function drill(
  name: string,
  body: { backup: string; restore: string },
): Promise<{ result: RunResult; problems: string[] }> {
  const file = await hostileScenario(name, body);
  const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
  const result = await latestResult(join(ws.dir, 'reports'), name).catch((error: Error) =>
    assert.fail(`${error.message}\n${run.stderr.slice(-2000)}`),
  );
  const problems: string[] = [];
  if (run.exitCode !== 0) problems.push(`exit code ${run.exitCode}, expected 0`);
  if (result.verdict !== 'passed') problems.push(`verdict ${result.verdict}: ${result.summary}`);
  for (const c of result.checks)
    if (c.status !== 'passed') problems.push(`run check ${c.status} ${c.id}: ${c.message}`);
  return { result, problems };
}

/**
 * Every expectation of a sound restore, collected as a list of problems so one run shows all of them:
 * each check passed, ids unique, each fixture table counted and hashed with the right numbers.
 */
function exactnessProblems(restore: RestoreResult, physical: boolean): string[] {
  const problems: string[] = [];
  const byId = new Map<string, CheckResult[]>();
  for (const c of restore.checks) byId.set(c.id, [...(byId.get(c.id) ?? []), c]);
  for (const [id, list] of byId)
    if (list.length > 1)
      problems.push(`check id ${id} appears ${list.length} times: two objects are reported under one name`);
  // Nothing failed, errored or was skipped: the issue allows no exception for these drills.
  for (const c of restore.checks) if (c.status !== 'passed') problems.push(`${c.status} ${c.id}: ${c.message}`);
  const one = (id: string): CheckResult | undefined => byId.get(id)?.[0];
  for (const t of HOSTILE_TABLES) {
    const k = key(t.schema, t.name);
    const emptied = physical && t.unlogged === true;
    const rowcount = one(`rowcount:${k}`);
    if (!rowcount) problems.push(`no rowcount check for ${k}`);
    else if (
      rowcount.status === 'passed' &&
      (rowcount.actual !== (emptied ? 0 : t.rows) || rowcount.exactness !== 'exact')
    )
      problems.push(
        `rowcount:${k} passed with ${String(rowcount.actual)} rows (${rowcount.exactness}), expected exactly ${emptied ? 0 : t.rows}`,
      );
    const fingerprint = one(`fingerprint:${k}`);
    if (emptied) {
      if (fingerprint) problems.push(`fingerprint:${k} compared content of an unlogged table after a physical restore`);
    } else if (!fingerprint) problems.push(`no fingerprint check for ${k}`);
    else if (
      fingerprint.status === 'passed' &&
      (fingerprint.exactness !== 'exact' ||
        (t.unpopulated ? fingerprint.expected !== 'unpopulated' : !/^-?\d+:-?\d+$/.test(String(fingerprint.expected))))
    ) {
      problems.push(`fingerprint:${k} passed on ${String(fingerprint.expected)} (${fingerprint.exactness})`);
    }
  }
  // The enum-hash partition tree must be compared somewhere (its leaves or its root), and nowhere found different.
  const moodChecks = restore.checks.filter(
    (c) => c.kind === 'fingerprints' && c.id.includes(key(BY_MOOD.schema, BY_MOOD.root)),
  );
  if (!moodChecks.some((c) => c.status === 'passed'))
    problems.push(`no passed fingerprint covers ${BY_MOOD.schema}.${BY_MOOD.root}`);
  // A dump loads it through its root, so it is compared whole and says so; a physical restore keeps every row in its leaf.
  const tree = one(`fingerprint:${key(BY_MOOD.schema, BY_MOOD.root)}`);
  if (!physical && !/compared as a whole/.test(tree?.message ?? ''))
    problems.push(
      `fingerprint:${key(BY_MOOD.schema, BY_MOOD.root)} does not compare the tree as a whole: ${tree?.message}`,
    );
  if (physical)
    for (const leaf of BY_MOOD.leaves)
      if (one(`fingerprint:${key(BY_MOOD.schema, leaf)}`)?.status !== 'passed')
        problems.push(`fingerprint:${key(BY_MOOD.schema, leaf)} not passed after a physical restore`);
  // A matview over a stale one holds, after a dump restore, its query over the restored data (the backup's rows cannot say).
  const onStale = one(`fingerprint:${key('hostile', 'mv_on_stale')}`);
  if (!physical && !/its query over the restored data/.test(onStale?.message ?? ''))
    problems.push(
      `fingerprint:hostile.mv_on_stale is not compared with its query over the restored data: ${onStale?.message}`,
    );
  for (const [schema, name] of HOSTILE_SEQUENCES)
    if (!one(`sequence:${key(schema, name)}`)) problems.push(`no sequence check for ${key(schema, name)}`);
  const lo = one('large-objects');
  if (lo?.actual !== LARGE_OBJECTS)
    problems.push(`large-objects: ${String(lo?.actual)} restored, the fixtures create ${LARGE_OBJECTS}`);
  return problems;
}

test('15 -> 15 locally: a dump drill of the hostile fixture exits 0 with every comparison exact', async () => {
  const { result, problems } = await drill('hostile-local', {
    backup: '{ method: dump, jobs: 2 }',
    restore: '{ environment: local }',
  });
  assert.equal(result.restores.length, 1);
  assert.deepEqual([...problems, ...exactnessProblems(result.restores[0]!, false)], []);
});

// initdb takes its default TimeZone from TZ, and pg_restore refreshes materialized views in that zone.
test('the same drill run on a machine in another time zone compares the same way (matviews render text when refreshed)', async () => {
  const file = await hostileScenario('hostile-tz', {
    backup: '{ method: dump, jobs: 2 }',
    restore: '{ environment: local }',
  });
  const run = await cli(['drill', file], { cwd: ws.dir, env: { ...ws.env, TZ: 'Asia/Kathmandu' } });
  const result = await latestResult(join(ws.dir, 'reports'), 'hostile-tz');
  const problems = exactnessProblems(result.restores[0]!, false);
  if (run.exitCode !== 0) problems.unshift(`exit code ${run.exitCode}, expected 0`);
  assert.deepEqual(problems, []);
});

test('one value changed after the restore, in a column that is hard to hash: the fingerprint fails naming that table', async () => {
  const backups = await readdir(join(ws.dir, 'repo-hostile-local', 'backups')).catch(() => []);
  assert.equal(backups.length, 1, 'the local drill left its backup in repo-hostile-local');
  // The local drill's own scenario, now restoring its stored backup: backup.use never restores another scenario's.
  const file = await hostileScenario(
    'hostile-local',
    {
      backup: '{ method: dump, jobs: 2, use: latest }',
      restore: '{ environment: local }',
      repository: `${ws.dir}/repo-hostile-local`,
    },
    'hostile-tampered',
  );
  // Each statement changes one row of its own table (or one large object, or a sequence): [checks that must fail, SQL].
  const tampering: Array<[string[], string]> = [
    [['fingerprint:hostile.numerics'], "update hostile.numerics set n = 1.00 where n::text = '1.0'"],
    [['fingerprint:hostile.floats'], "update hostile.floats set f8 = 0 where f8::text = '-0'"],
    [['fingerprint:hostile.collated'], `update hostile.collated set ci = 'abc' where ci collate "C" = 'ABC'`],
    [['fingerprint:hostile.xml_docs'], "update hostile.xml_docs set x = '<a> <b/></a>' where x::text = '<a><b/></a>'"],
    [
      ['fingerprint:hostile.json_docs'],
      "update hostile.json_docs set jb = jsonb_set(jb, '{price}', '1.00') where id = 1",
    ],
    [['fingerprint:hostile.composites'], 'update hostile.composites set addr = null where id = 2'],
    [['fingerprint:hostile.strings'], "update hostile.strings set txt = null where txt = ''"],
    [['fingerprint:hostile.h1'], 'update hostile.h1 set h1 = h2, h2 = h1'],
    [['fingerprint:hostile.bike'], 'update only hostile.bike set pedals = 3'],
    [['fingerprint:hostile.temporal'], "update hostile.temporal set d = '0044-03-15' where d = '0044-03-15 BC'"],
    [
      ['fingerprint:hostile.toasty'],
      "update hostile.toasty set external = overlay(external placing 'X' from 100000 for 1) where id = 1",
    ],
    [['fingerprint:recoverable.user_data'], "update recoverable.user_data set v = 'changed' where id = 1"],
    [
      ['rowcount:hostile.no_columns', 'fingerprint:hostile.no_columns'],
      "delete from hostile.no_columns where ctid = '(0,1)'",
    ],
    // Two tables whose schema and name join to the same text: only the changed one fails.
    [['fingerprint:a."b.c"'], "update a.\"b.c\" set v = 'changed' where v = 'a second row'"],
    // A tree hashed on an enum, compared whole: a changed row fails the tree.
    [['fingerprint:hostile.by_mood'], 'update hostile.by_mood set v = v + 100 where v = 1'],
    [['large-objects'], "select lo_put(920003, 500000, '\\x00')"],
    // A descending sequence set back toward its start would hand out values it already gave.
    [['sequence:hostile.down_seq'], "select setval('hostile.down_seq', -3)"],
  ];
  // Not changes: the same jsonb value with its keys written in another order, and an update that writes what was there.
  const harmless = [
    'update hostile.jsonb_shapes set jb = \'{"c": {"d": [3, 4]}, "b": 2, "a": 1}\' where id = 1',
    'update hostile.money set amount = amount where id = 1',
  ];
  const scenario = await loadScenario(file);
  const { result, exitCode } = await runDrill(scenario, {
    log: silentLogger(),
    clock: systemClock,
    afterRestore: async (cluster, database) => {
      const client = await cluster.connect(database);
      try {
        for (const sql of [...tampering.map(([, sql]) => sql), ...harmless]) {
          const changed = await client.query(sql);
          assert.equal(changed.rowCount, 1, `exactly one row: ${sql}`);
        }
      } finally {
        await client.end();
      }
    },
  });
  assert.equal(exitCode, 1);
  assert.equal(result.verdict, 'failed');
  const checks = result.restores[0]!.checks;
  const problems: string[] = [];
  for (const id of tampering.flatMap(([ids]) => ids)) {
    const found = checks.find((c) => c.id === id);
    if (!found) problems.push(`${id}: no such check, the change went unseen`);
    else if (found.status !== 'failed')
      problems.push(`${id}: ${found.status} (${found.message}) although one value was changed`);
    else if (
      id.startsWith('fingerprint:') &&
      id !== 'fingerprint:hostile.no_columns' &&
      !found.message.includes(
        `${id.slice('fingerprint:'.length)}: ${id === 'fingerprint:hostile.by_mood' ? 'partition tree' : 'table'} content differs from the backup although the row count matches`,
      )
    )
      problems.push(`${id}: message does not name the table: ${found.message}`);
  }
  // Everything not tampered with still matches: no failure spreads to other tables.
  const tampered = new Set(tampering.flatMap(([ids]) => ids));
  for (const c of checks)
    if (c.status !== 'passed' && !tampered.has(c.id))
      problems.push(`${c.id} ${c.status} but was not tampered with: ${c.message}`);
  for (const id of [
    'fingerprint:hostile.jsonb_shapes',
    'fingerprint:hostile.money',
    'rowcount:hostile.numerics',
    'fingerprint:hostile.car',
    'fingerprint:hostile.system_refs',
    'fingerprint:"a.b".c',
  ]) {
    if (checks.find((c) => c.id === id)?.status !== 'passed') problems.push(`${id} should pass: nothing in it changed`);
  }
  assert.deepEqual(problems, []);
});

test('15 -> 15 basebackup locally: the same fixture restored physically, unlogged tables empty', async () => {
  const { result, problems: run } = await drill('hostile-physical', {
    backup: '{ method: basebackup }',
    restore: '{ environment: local, targets: [immediate, latest] }',
  });
  assert.equal(result.checks.find((c) => c.id === 'pg_verifybackup')?.status, 'passed');
  assert.deepEqual(
    result.restores.map((r) => r.target),
    ['immediate', 'latest'],
  );
  const problems = [
    ...run,
    ...result.restores.flatMap((r) => exactnessProblems(r, true).map((p) => `${r.target}: ${p}`)),
  ];
  for (const r of result.restores) {
    const scratch = r.checks.find((c) => c.id === 'rowcount:hostile.scratch');
    if (!/unlogged/.test(scratch?.message ?? ''))
      problems.push(
        `${r.target}: rowcount:hostile.scratch does not say the unlogged table is empty by design: ${scratch?.message}`,
      );
  }
  assert.deepEqual(problems, []);
});

for (const major of [17, 18]) {
  test(
    `15 -> ${major} in Docker: the upgrade rehearsal, dumped by pg_dump ${major}, passes with every comparison exact`,
    { skip: images[major] },
    async () => {
      const name = `hostile-upgrade-${major}`;
      const { result, problems } = await drill(name, {
        backup: '{ method: dump, jobs: 2 }',
        restore: `{ environment: docker, version: ${major} }`,
      });
      assert.equal(result.backup?.sourceVersion, 15);
      assert.deepEqual(
        result.restores.map((r) => [r.environment.kind, r.environment.version]),
        [['docker', major]],
      );
      const backups = join(ws.dir, `repo-${name}`, 'backups');
      const record = JSON.parse(await readFile(join(backups, (await readdir(backups))[0]!, 'backup.json'), 'utf8')) as {
        dump: { pgDumpVersion: string };
      };
      assert.match(record.dump.pgDumpVersion, new RegExp(`\\(PostgreSQL\\) ${major}\\.`));
      assert.deepEqual([...problems, ...exactnessProblems(result.restores[0]!, false)], []);
    },
  );
}
