// pg_upgrade rehearsals of a 15 basebackup in the two-major image: link, copy, check only, and a source pg_upgrade refuses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { dockerAvailable, requireDockerInCi, requireImage, containersUnder } from '../helpers/docker.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { runDrill } from '../../src/drill/drill.ts';
import { silentLogger } from '../../src/core/log.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { RunResult, RestoreResult, CheckResult } from '../../src/run/result.ts';

const unavailable = requireDockerInCi(await dockerAvailable());
const skip =
  unavailable ||
  (await requireImage('postgres:15-17', { requiredInCi: true })) ||
  (await requireImage('postgres:15', { requiredInCi: true }));

let ws: Workspace;
let linked: RunResult;
let linkedExit: number;

// One sound 15 source, backed up once: each rehearsal after the first restores that backup (backup.use: latest).
function scenario(name: string, upgrade: string, extra = ''): Promise<string> {
  return ws.scenario(
    `${name}.yaml`,
    `name: upgrade-drill
repository: ${ws.dir}/repo
report: { dir: ${ws.dir}/reports-${name}, formats: [json] }
source: { managed: { version: 15, fixtures: [${ws.dir}/fixtures/shop.sql], workload: { seed: 9, transactions: 200 } } }
backup: { method: basebackup${extra} }
restore: { environment: docker, targets: [{ marker: batch-2 }], upgrade: ${upgrade} }
checks: [rowcounts, fingerprints, schema, sequences, large-objects, roles, amcheck]
`,
  );
}

// Whether the work dir's filesystem clones files (btrfs, XFS with reflink): then --clone would succeed.
function cloneCapable(): boolean {
  try {
    execFileSync(
      'sh',
      ['-c', 'd=$(mktemp -d) && echo x > "$d/a" && cp --reflink=always "$d/a" "$d/b"; r=$?; rm -rf "$d"; exit $r'],
      { stdio: 'ignore', env: { ...process.env, TMPDIR: ws.workDir } },
    );
    return true;
  } catch {
    return false;
  }
}

const restoreOf = (result: RunResult): RestoreResult => {
  assert.equal(result.restores.length, 1);
  return result.restores[0]!;
};
const checkOf = (result: RunResult, id: string): CheckResult | undefined =>
  restoreOf(result).checks.find((c) => c.id === id);
const phaseNames = (result: RunResult): string[] => restoreOf(result).phases.map((p) => p.name);

before(async () => {
  if (skip) return;
  ws = await workspace();
  process.env.RECOVERABLE_WORK_DIR = ws.workDir;
  const run = await cli(['drill', await scenario('link', '{ to: 17, mode: link }')], { cwd: ws.dir, env: ws.env });
  linkedExit = run.exitCode;
  linked = await latestResult(join(ws.dir, 'reports-link'), 'upgrade-drill');
  assert.ok(linked, `${run.stdout}\n${run.stderr.slice(-3000)}`);
});

after(async () => {
  if (skip) return;
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary cluster left behind');
  assert.deepEqual(containersUnder(ws.workDir), [], 'no container left behind');
  await ws.dispose();
});

test(
  'a 15 basebackup recovered to a marker, upgraded to 17 with pg_upgrade --link and compared exactly: passes',
  { skip },
  () => {
    assert.equal(linkedExit, 0, linked.summary);
    assert.equal(linked.verdict, 'passed', linked.summary);
    const restore = restoreOf(linked);
    assert.deepEqual(restore.environment.upgrade, {
      from: 15,
      to: 17,
      toVersion: restore.environment.upgrade!.toVersion,
      mode: 'link',
      performed: true,
    });
    assert.match(restore.environment.upgrade!.toVersion, /^17\.\d+$/);
    assert.equal(restore.environment.image, 'postgres:15-17');
    assert.equal(restore.environment.version, 15, "the restore itself ran in the backup's major");
    // Each phase of the upgrade path is timed, after recovery and before the checks; the RTO sums them all.
    const names = phaseNames(linked);
    for (const name of ['WAL replay', 'upgrade-initdb', 'upgrade-check', 'upgrade', 'upgrade-start', 'checks'])
      assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
    assert.ok(
      names.indexOf('WAL replay') < names.indexOf('upgrade-check') &&
        names.indexOf('upgrade') < names.indexOf('checks'),
    );
    assert.equal(linked.objectives.length, 0);
    assert.match(
      checkOf(linked, 'upgrade:check')!.message,
      /^pg_upgrade --check \(PostgreSQL 17\.\d+\): Clusters are compatible$/,
    );
    assert.match(
      checkOf(linked, 'upgrade:pg_upgrade')!.message,
      /^pg_upgrade --link \(PostgreSQL 17\.\d+\): Upgrade Complete$/,
    );
    assert.equal(checkOf(linked, 'recovery:target')?.status, 'passed');
    for (const id of [
      'markers',
      'fingerprint:shop.order_lines',
      'schema:objects',
      'sequence:shop.orders_id_seq',
      'large-objects',
      'roles',
      'amcheck',
      'restore:isolation',
    ]) {
      assert.equal(checkOf(linked, id)?.status, 'passed', `${id}: ${checkOf(linked, id)?.message}`);
    }
    // The comparison ran against the 17 server: the cross-major normalisation of the dump rehearsal applied.
    assert.match(checkOf(linked, 'schema:definitions')!.message, /normalised for 15 → 17/);
  },
);

test(
  'with pg_upgrade --copy the checks read the upgraded cluster: a row lost before the upgrade fails the rehearsal',
  { skip },
  async () => {
    const file = await scenario('copy', '{ to: 17, mode: copy }', ', use: latest');
    const { result, exitCode } = await runDrill(await loadScenario(file), {
      log: silentLogger(),
      clock: systemClock,
      afterRestore: async (cluster, database) => {
        const client = await cluster.connect(database);
        try {
          assert.equal(
            (await client.query('delete from shop.order_lines where id = (select min(id) from shop.order_lines)'))
              .rowCount,
            1,
          );
        } finally {
          await client.end();
        }
      },
    });
    assert.equal(exitCode, 1);
    assert.equal(result.verdict, 'failed');
    assert.equal(restoreOf(result).environment.upgrade?.performed, true);
    assert.equal(checkOf(result, 'upgrade:pg_upgrade')?.status, 'passed');
    assert.match(checkOf(result, 'upgrade:pg_upgrade')!.message, /--copy/);
    assert.equal(checkOf(result, 'rowcount:shop.order_lines')?.status, 'failed');
    assert.equal(checkOf(result, 'fingerprint:shop.order_lines')?.status, 'failed');
    assert.equal(checkOf(result, 'fingerprint:shop.customers')?.status, 'passed');
    assert.match(
      checkOf(result, 'schema:definitions')!.message,
      /normalised for 15 → 17/,
      'compared on the 17 cluster',
    );
  },
);

test(
  'mode check runs pg_upgrade --check only: passes, no upgrade performed, the checks ran on the restored 15 cluster',
  { skip },
  async () => {
    const run = await cli(['drill', await scenario('check', '{ to: 17, mode: check }', ', use: latest')], {
      cwd: ws.dir,
      env: ws.env,
    });
    const result = await latestResult(join(ws.dir, 'reports-check'), 'upgrade-drill');
    assert.equal(run.exitCode, 0, result.summary);
    assert.equal(result.verdict, 'passed');
    assert.deepEqual(restoreOf(result).environment.upgrade?.performed, false);
    assert.equal(checkOf(result, 'upgrade:check')?.status, 'passed');
    assert.equal(checkOf(result, 'upgrade:pg_upgrade'), undefined, 'no upgrade ran');
    assert.match(
      checkOf(result, 'upgrade:performed')!.message,
      /^no upgrade was performed \(mode check\): the checks ran on the restored PostgreSQL 15 cluster$/,
    );
    const names = phaseNames(result);
    assert.ok(names.includes('upgrade-check') && !names.includes('upgrade'), names.join(', '));
    assert.equal(checkOf(result, 'fingerprint:shop.order_lines')?.status, 'passed');
    assert.doesNotMatch(checkOf(result, 'schema:definitions')!.message, /normalised for/, 'compared within 15');
  },
);

test(
  '--clone where the filesystem cannot clone: pg_upgrade --check refuses without a report, quoted as upgrade:pg_upgrade',
  { skip },
  async (t) => {
    if (cloneCapable()) return t.skip('the work dir can clone files (reflink): --clone would succeed');
    const run = await cli(['drill', await scenario('clone', '{ to: 17, mode: clone }', ', use: latest')], {
      cwd: ws.dir,
      env: ws.env,
    });
    const result = await latestResult(join(ws.dir, 'reports-clone'), 'upgrade-drill');
    assert.equal(run.exitCode, 1, result.summary);
    const refused = checkOf(result, 'upgrade:pg_upgrade');
    assert.equal(refused?.status, 'failed');
    assert.match(refused!.message, /^pg_upgrade --check \(PostgreSQL 17\.\d+\) failed without a report: .*clon/i);
    assert.equal(restoreOf(result).environment.upgrade?.performed, false);
    assert.deepEqual(
      restoreOf(result)
        .checks.filter((c) => c.status === 'failed')
        .map((c) => c.id),
      ['upgrade:pg_upgrade'],
      'the restore itself is sound',
    );
  },
);

test(
  "an image without the source's major exits 3 naming the missing major and how to build one",
  { skip },
  async () => {
    const file = await ws.scenario(
      'one-major.yaml',
      `name: upgrade-drill
repository: ${ws.dir}/repo
report: { dir: ${ws.dir}/reports-one-major, formats: [json] }
source: { managed: { version: 15, fixtures: [${ws.dir}/fixtures/shop.sql] } }
backup: { method: basebackup, use: latest }
restore: { environment: docker, image: postgres:17, targets: [immediate], upgrade: { to: 17 } }
`,
    );
    const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
    const said = run.stdout + run.stderr;
    assert.equal(run.exitCode, 3, said);
    assert.match(said, /image postgres:17 has no PostgreSQL 15 server in \/usr\/lib\/postgresql\/15\/bin/);
    const result = await latestResult(join(ws.dir, 'reports-one-major'), 'upgrade-drill');
    assert.equal(result.error?.code, 'docker-image-unusable');
    assert.match(result.error!.hint!, /needs an image holding both majors: build one with \.ci\/pg-images\.sh/);
  },
);

test(
  "a snapshot of a source with a reg* column pg_upgrade cannot carry fails with pg_upgrade's own words, before any upgrade",
  { skip },
  async () => {
    // regclass is fine (pg_upgrade keeps pg_class OIDs); regprocedure is not. A snapshot backup this time: the same rehearsal.
    const fixture = join(ws.dir, 'fixtures', 'reg.sql');
    await writeFile(
      fixture,
      "create table public.lookups (id int primary key, rel regclass not null, fn regprocedure not null);\ninsert into public.lookups values (1, 'pg_class', 'now()'), (2, 'pg_namespace', 'lower(text)');\n",
    );
    const file = await ws.scenario(
      'reg.yaml',
      `name: upgrade-reg
repository: ${ws.dir}/repo-reg
report: { dir: ${ws.dir}/reports-reg, formats: [json] }
source: { managed: { version: 15, fixtures: [${ws.dir}/fixtures/shop.sql, ${fixture}], workload: { seed: 3, transactions: 50 } } }
backup: { method: snapshot, snapshot: { driver: copy } }
restore: { environment: docker, targets: [immediate], upgrade: { to: 17, mode: link } }
checks: [rowcounts, fingerprints, schema]
`,
    );
    const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
    const result = await latestResult(join(ws.dir, 'reports-reg'), 'upgrade-reg');
    assert.equal(run.exitCode, 1, result.summary);
    assert.equal(result.verdict, 'failed');
    assert.equal(result.backup?.method, 'snapshot');
    assert.equal(checkOf(result, 'snapshot:backup-label')?.status, 'passed');
    const reg = checkOf(result, 'upgrade:tables_using_reg');
    assert.equal(reg?.status, 'failed', JSON.stringify(restoreOf(result).checks.filter((c) => c.status !== 'passed')));
    assert.match(
      reg!.message,
      /^pg_upgrade --check \(PostgreSQL 17\.\d+\) refused the cluster: "Checking for reg\* data types in user tables: Your installation contains one of the reg\* data types in user tables\./,
    );
    assert.match(reg!.message, /tables_using_reg\.txt: In database: app \| public\.lookups\.fn$/);
    assert.deepEqual(reg!.actual, ['In database: app', 'public.lookups.fn']);
    // Nothing was upgraded, and the restore itself is sound: only pg_upgrade's finding fails the rehearsal.
    assert.equal(restoreOf(result).environment.upgrade?.performed, false);
    assert.ok(!phaseNames(result).includes('upgrade'));
    assert.deepEqual(
      restoreOf(result)
        .checks.filter((c) => c.status === 'failed')
        .map((c) => c.id),
      ['upgrade:tables_using_reg'],
    );
    assert.equal(checkOf(result, 'fingerprint:public.lookups')?.status, 'passed');
  },
);
