// In Docker, on the source's major and newer ones: roles, database properties and tablespaces come back the same way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { dockerAvailable, requireDockerInCi, requireImage } from '../helpers/docker.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { runDrill } from '../../src/drill/drill.ts';
import { silentLogger } from '../../src/core/log.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { RestoreResult } from '../../src/run/result.ts';

const unavailable = requireDockerInCi(await dockerAvailable());
const missing =
  unavailable ||
  (await requireImage('postgres:15', { requiredInCi: true })) ||
  (await requireImage('postgres:17', { requiredInCi: true })) ||
  (await requireImage('postgres:18', { requiredInCi: true }));

let ws: Workspace;
before(async () => {
  ws = await workspace();
  process.env.RECOVERABLE_WORK_DIR = ws.workDir;
});
after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary directory left behind');
  if (!unavailable) {
    const left = execFileSync('docker', ['ps', '-aq', '--filter', 'label=org.recoverable=true'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .filter((id) =>
        execFileSync('docker', ['inspect', '-f', '{{index .Config.Labels "org.recoverable.workdir"}}', id], {
          encoding: 'utf8',
        }).includes(ws.workDir),
      );
    assert.deepEqual(left, [], 'no container left behind');
  }
  await ws.dispose();
});

const checkOf = (restore: RestoreResult, id: string) => restore.checks.find((c) => c.id === id);

test(
  'a dump with roles, database properties and a tablespace restores into docker 15, 17 and 18 and compares equal',
  { skip: missing },
  async () => {
    const file = await ws.scenario(
      'docker-roles.yaml',
      `name: docker-roles
source:
  managed:
    fixtures: [${ws.dir}/fixtures/shop.sql, ${ws.dir}/fixtures/tablespace.sql, ${ws.dir}/fixtures/roles.sql]
    tablespaces: [archive]
    workload: { seed: 11, transactions: 50 }
repository: ${ws.dir}/repo
backup: { method: dump }
restore: { environment: docker, matrix: { version: [15, 17, 18] } }
checks: [rowcounts, schema, roles]
report: { dir: ${ws.dir}/reports, formats: [json] }
`,
    );
    const locations: string[] = [];
    const { result } = await runDrill(await loadScenario(file), {
      log: silentLogger(),
      clock: systemClock,
      afterRestore: async (cluster) => {
        const client = await cluster.connect('postgres');
        try {
          const { rows } = await client.query<{ l: string }>(
            "select pg_tablespace_location(oid) as l from pg_tablespace where spcname = 'archive'",
          );
          locations.push(rows[0]?.l ?? 'none');
          assert.ok(rows[0]?.l.startsWith(`${cluster.dir}/`), `archive at ${rows[0]?.l}, inside ${cluster.dir}`);
        } finally {
          await client.end();
        }
      },
    });
    assert.equal(result.verdict, 'passed', result.summary);
    assert.deepEqual(
      result.restores.map((r) => r.environment.version),
      [15, 17, 18],
    );
    assert.equal(locations.length, 3);
    for (const restore of result.restores) {
      for (const id of [
        'restore:tablespaces',
        'schema:tablespaces',
        'roles',
        'database:owner',
        'database:privileges',
        'database:settings',
        'database:comment',
        'database:role-settings',
        'database:locale',
      ]) {
        assert.equal(
          checkOf(restore, id)?.status,
          'passed',
          `${restore.environment.version}: ${id}: ${checkOf(restore, id)?.message}`,
        );
      }
      assert.equal(checkOf(restore, 'roles')?.exactness, 'exact');
    }
  },
);
