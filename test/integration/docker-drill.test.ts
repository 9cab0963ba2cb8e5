// Drills in Docker: dump and basebackup on 15, 17 and 18 images, upgrade rehearsals, and nothing left behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, cp } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, startCli, ROOT } from '../helpers/cli.ts';
import { latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { dockerAvailable, requireDockerInCi, requireImage, containersUnder } from '../helpers/docker.ts';
import type { RunResult, CheckResult } from '../../src/run/result.ts';

const unavailable = requireDockerInCi(await dockerAvailable());
const images: Record<number, string | false> = {};
for (const major of [13, 15, 17, 18])
  images[major] = unavailable || (await requireImage(`postgres:${major}`, { requiredInCi: true }));

let ws: Workspace;
before(async () => {
  ws = await workspace();
  await cp(join(ROOT, 'scenarios'), join(ws.dir, 'scenarios'), { recursive: true });
});
after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary directory left behind');
  assert.deepEqual(leftoverContainers(), [], 'no container left behind');
  await ws.dispose();
});

// Containers this suite's runs started (every run labels its containers).
function leftoverContainers(): string[] {
  return unavailable ? [] : containersUnder(ws.workDir);
}

const results = (name: string): Promise<RunResult> => latestResult(join(ws.dir, 'reports'), name);
const check = (result: RunResult, id: string): CheckResult | undefined =>
  result.restores.flatMap((r) => r.checks).find((c) => c.id === id);

function scenario(name: string, body: string): Promise<string> {
  return ws.scenario(
    `${name}.yaml`,
    `name: ${name}\nrepository: ${ws.dir}/repo-${name}\nreport: { dir: ${ws.dir}/reports, formats: [json, junit] }\n${body}`,
  );
}

test(
  'a dump drill restored into docker on 15, 17 and 18 passes with the same checks as local',
  { skip: images[15] || images[17] || images[18] },
  async () => {
    const file = await scenario(
      'docker-dump',
      `source: { managed: { fixtures: [${ws.dir}/fixtures/shop.sql], workload: { seed: 9, transactions: 200 } } }
backup: { method: dump }
restore: { environment: docker, matrix: { version: [15, 17, 18] } }
checks: [rowcounts, fingerprints, schema, sequences, large-objects, roles, amcheck]
`,
    );
    const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 0, run.stdout + run.stderr.slice(-2000));
    const result = await results('docker-dump');
    assert.deepEqual(
      result.restores.map((r) => [r.environment.kind, r.environment.version, r.environment.image]),
      [
        ['docker', 15, 'postgres:15'],
        ['docker', 17, 'postgres:17'],
        ['docker', 18, 'postgres:18'],
      ],
    );
    for (const restore of result.restores) {
      assert.match(restore.environment.imageDigest ?? '', /^sha256:|@sha256:/);
      assert.equal(restore.environment.network, 'none', 'a docker restore has no network');
      for (const id of [
        'fingerprint:shop.order_lines',
        'schema:objects',
        'schema:definitions',
        'large-objects',
        'roles',
        'amcheck',
        'restore:isolation',
      ])
        assert.equal(
          restore.checks.find((c) => c.id === id)?.status,
          'passed',
          `${restore.environment.version}: ${id}`,
        );
    }
  },
);

test(
  'a PostgreSQL 13 source dumped and restored in docker passes: amcheck through the amcheck functions (partitioned indexes left to their partitions), fingerprints by md5 of row text',
  { skip: images[13] },
  async () => {
    const file = await scenario(
      'docker-dump-13',
      `source: { managed: { version: 13, fixtures: [${ws.dir}/fixtures/shop.sql], workload: { seed: 9, transactions: 200 } } }
backup: { method: dump }
restore: { environment: docker }
checks: [rowcounts, fingerprints, schema, sequences, large-objects, roles, amcheck]
`,
    );
    const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 0, run.stdout + run.stderr.slice(-2000));
    const result = await results('docker-dump-13');
    assert.deepEqual(
      result.restores.map((r) => [r.environment.kind, r.environment.version]),
      [['docker', 13]],
    );
    const amcheck = check(result, 'amcheck');
    assert.equal(amcheck?.status, 'passed', amcheck?.message);
    assert.match(
      amcheck!.message,
      /btree indexes verified with bt_index_parent_check \(no heap check before PostgreSQL 14\)/,
    );
    for (const id of [
      'fingerprint:shop.order_lines',
      'fingerprint:shop.orders_2024_01',
      'schema:definitions',
      'roles',
      'large-objects',
      'restore:isolation',
    ])
      assert.equal(check(result, id)?.status, 'passed', id);
    const backups = join(ws.dir, `repo-docker-dump-13`, 'backups');
    const expectations = JSON.parse(
      await readFile(join(backups, (await readdir(backups))[0]!, 'expectations.json'), 'utf8'),
    ) as { expectations: { fingerprintAlgorithm?: string } };
    assert.equal(expectations.expectations.fingerprintAlgorithm, 'md5-text', 'no hash_record_extended before 14');
  },
);

for (const major of [13, 15, 17, 18]) {
  test(
    `a basebackup drill of a ${major} source in docker replays to immediate, a marker and latest`,
    { skip: images[major] },
    async () => {
      const file = await scenario(
        `docker-physical-${major}`,
        `source: { managed: { version: ${major}, fixtures: [${ws.dir}/fixtures/shop.sql], workload: { seed: 9, transactions: 200 } } }
backup: { method: basebackup }
restore: { environment: docker, targets: [immediate, { marker: batch-2 }, { latest: true, checks: [amcheck] }] }
checks: [rowcounts, fingerprints, schema]
`,
      );
      const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
      assert.equal(run.exitCode, 0, run.stdout + run.stderr.slice(-2000));
      const result = await results(`docker-physical-${major}`);
      assert.equal(result.checks.find((c) => c.id === 'pg_verifybackup')?.status, 'passed');
      // One container and one copy: immediate and batch-2 checked in recovery, latest promoted for amcheck.
      assert.deepEqual(
        result.restores.map((r) => r.sharedCopy),
        [1, 2, 3].map((position) => ({ first: 'immediate', position, targets: 3, checkedInRecovery: position < 3 })),
      );
      assert.equal(
        result.restores.find((r) => r.target === 'latest')?.checks.find((c) => c.id === 'amcheck')?.status,
        'passed',
      );
      for (const restore of result.restores) {
        assert.equal(restore.environment.image, `postgres:${major}`);
        // Before 15 the server logs nothing about backup_label: its rename and where redo began prove it was used.
        if (major >= 15) assert.match(restore.reached.proof, /starting backup recovery with redo LSN/);
        else
          assert.match(
            restore.checks.find((c) => c.id === 'recovery:backup-label')?.message ?? '',
            /renamed backup_label to backup_label\.old and "redo starts at [0-9A-F]+\/[0-9A-F]+", the label's START WAL LOCATION/,
          );
        for (const id of [
          'recovery:backup-label',
          'recovery:target',
          'markers',
          'checksums',
          'wal:continuity',
          'fingerprint:shop.order_lines',
          'restore:isolation',
        ])
          assert.equal(restore.checks.find((c) => c.id === id)?.status, 'passed', `${restore.target}: ${id}`);
      }
    },
  );
}

test(
  'a snapshot drill (copy driver, a tablespace, writes during the snapshot) restores into docker as it does locally',
  { skip: images[15] },
  async () => {
    const file = await scenario(
      'docker-snapshot',
      `source: { managed: { fixtures: [${ws.dir}/fixtures/shop.sql, ${join(ROOT, 'fixtures/tablespace.sql')}], tablespaces: [archive], workload: { seed: 9, transactions: 200 } } }
backup: { method: snapshot, snapshot: { driver: copy } }
restore: { environment: docker, targets: [immediate, { latest: true, checks: [amcheck] }] }
checks: [rowcounts, fingerprints, schema]
`,
    );
    const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 0, run.stdout + run.stderr.slice(-2000));
    const result = await results('docker-snapshot');
    // The clone is made once: immediate is checked in recovery, then replay goes on to latest.
    assert.equal(result.restores[1]?.sharedCopy?.position, 2);
    for (const restore of result.restores) {
      assert.equal(restore.environment.kind, 'docker');
      assert.match(restore.reached.proof, /starting backup recovery with redo LSN/);
      for (const id of [
        'snapshot:backup-label',
        'snapshot:tablespace-map',
        'recovery:target',
        'fingerprint:shop.orders_2024_01',
        'fingerprint:audit.cold_events',
      ])
        assert.equal(restore.checks.find((c) => c.id === id)?.status, 'passed', `${restore.target}: ${id}`);
    }
  },
);

for (const major of [17, 18]) {
  test(
    `the 15 -> ${major} upgrade rehearsal passes with exact fingerprints, dumped by pg_dump ${major}`,
    { skip: images[15] || images[major] },
    async () => {
      const run = await cli(['drill', `scenarios/upgrade-15-to-${major}.yaml`], { cwd: ws.dir, env: ws.env });
      assert.equal(run.exitCode, 0, run.stdout + run.stderr.slice(-2000));
      const result = await results(`upgrade-15-to-${major}`);
      assert.equal(result.backup?.sourceVersion, 15);
      assert.equal(result.restores[0]!.environment.version, major);
      for (const id of [
        'fingerprint:shop.order_lines',
        'fingerprint:shop.attachments',
        'schema:objects',
        'schema:definitions',
        'schema:extensions',
        'sequence:shop.invoice_seq',
      ])
        assert.equal(check(result, id)?.status, 'passed', id);
      const backups = join(ws.dir, '.recoverable/upgrade/backups');
      const ids = (await readdir(backups)).sort();
      const record = JSON.parse(await readFile(join(backups, ids.at(-1)!, 'backup.json'), 'utf8')) as {
        dump: { pgDumpVersion: string };
      };
      assert.match(record.dump.pgDumpVersion, new RegExp(`\\(PostgreSQL\\) ${major}\\.`));
    },
  );
}

test(
  'an object that cannot survive the upgrade (adminpack, removed in 17) fails the rehearsal naming it',
  { skip: images[15] || images[17] },
  async () => {
    const file = await scenario(
      'upgrade-adminpack',
      `source: { managed: { fixtures: [${ws.dir}/fixtures/shop.sql, ${join(ROOT, 'fixtures/adminpack.sql')}], workload: { seed: 9, transactions: 50 } } }
backup: { method: dump }
restore: { environment: docker, version: 17 }
checks: [rowcounts, fingerprints, schema]
`,
    );
    const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 1, run.stdout + run.stderr.slice(-2000));
    const result = await results('upgrade-adminpack');
    const restore = check(result, 'restore:pg_restore')!;
    assert.equal(restore.status, 'failed');
    assert.match(restore.message, /adminpack/);
    assert.match(check(result, 'schema:extensions')!.message, /missing 1: adminpack/);
    assert.equal(
      check(result, 'fingerprint:shop.order_lines')?.status,
      'passed',
      'the rest of the data still came through',
    );
  },
);

test('SIGINT during a docker restore exits 130 and leaves no container', { skip: images[15] }, async () => {
  const file = await scenario(
    'docker-sigint',
    `source: { managed: { fixtures: [${ws.dir}/fixtures/shop.sql], workload: { seed: 9, transactions: 100 } } }
backup: { method: dump }
restore: { environment: docker }
`,
  );
  const child = startCli(['drill', file, '--log-format', 'json'], { cwd: ws.dir, env: ws.env });
  let sent = false;
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    log += chunk.toString();
    if (!sent && /"msg":"pg_restore (--create )?-j/.test(log)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  const result = await child;
  assert.ok(sent, log);
  assert.equal(result.exitCode, 130, log);
  assert.deepEqual(leftoverContainers(), []);
});

test(
  'a missing image and a stopped engine exit 3 saying what to do, before any backup is taken',
  { skip: unavailable },
  async () => {
    const missing = await scenario(
      'docker-missing',
      `source: { managed: { fixtures: [${ws.dir}/fixtures/shop.sql] } }
restore: { environment: docker, image: "recoverable/postgres:99" }
`,
    );
    const run = await cli(['drill', missing], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 3, run.stderr);
    assert.match(run.stderr, /image recoverable\/postgres:99 is not present and could not be pulled/);
    const stopped = await cli(['drill', missing], {
      cwd: ws.dir,
      env: { ...ws.env, DOCKER_HOST: `unix://${ws.dir}/no-engine.sock` },
    });
    assert.equal(stopped.exitCode, 3, stopped.stderr);
    assert.match(stopped.stderr, /Docker engine is not reachable/);
    assert.equal((await readdir(ws.dir)).includes('repo-docker-missing'), false, 'no backup was taken');
  },
);
