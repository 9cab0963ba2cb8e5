// A physical restore brings the whole cluster back: roles and the database's properties compare exactly there too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { runDrill } from '../../src/drill/drill.ts';
import { silentLogger } from '../../src/core/log.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { Cluster } from '../../src/env/cluster.ts';
import type { RunResult, CheckResult } from '../../src/run/result.ts';

let ws: Workspace;

before(async () => {
  ws = await workspace();
  process.env.RECOVERABLE_WORK_DIR = ws.workDir;
});

after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary cluster left behind');
  assert.deepEqual(ws.leftoverProcesses(), [], 'no server left running');
  await ws.dispose();
});

// A drill of the stored backup runs as the scenario that took it: `use` picks only a scenario's own backups.
function scenario(name: string, use?: string): string {
  return `name: ${use ? 'physical-clean' : name}
source:
  managed:
    version: 15
    fixtures: [${ws.dir}/fixtures/shop.sql, ${ws.dir}/fixtures/roles.sql]
    workload: { seed: 5, transactions: 30 }
repository: ${ws.dir}/repo
backup:
  method: basebackup${use ? `\n  use: ${use}` : ''}
restore:
  targets: [immediate]
checks: [schema, roles]
report: { dir: ${ws.dir}/reports, formats: [json] }
`;
}

async function drill(
  name: string,
  use?: string,
  afterRestore?: (cluster: Cluster, database: string) => Promise<void>,
): Promise<RunResult> {
  const loaded = await loadScenario(await ws.scenario(`${name}.yaml`, scenario(name, use)));
  return (
    await runDrill(loaded, { log: silentLogger(), clock: systemClock, ...(afterRestore ? { afterRestore } : {}) })
  ).result;
}

function check(result: RunResult, id: string): CheckResult {
  const found = result.restores.flatMap((r) => r.checks).find((c) => c.id === id);
  assert.ok(found, `a check ${id}`);
  return found;
}

test('a basebackup drill compares every role, with passwords, and the database properties, exactly', async () => {
  const result = await drill('physical-clean');
  assert.equal(result.verdict, 'passed', result.summary);
  const roles = check(result, 'roles');
  assert.equal(roles.exactness, 'exact');
  assert.match(roles.message, /all \d+ roles match: .*, passwords$/);
  assert.equal(check(result, 'database:owner').actual, 'app_writer');
  assert.equal(check(result, 'database:role-settings').actual, 'app_reader: work_mem=4MB');
  assert.equal(check(result, 'database:settings').status, 'passed');
});

test('a physical restore whose roles and settings changed fails, naming each with both sides', async () => {
  const result = await drill('physical-altered', 'latest', async (cluster, database) => {
    const client = await cluster.connect('postgres');
    try {
      await client.query('revoke app_writer from app_login');
      await client.query(`alter database "${database}" reset random_page_cost`);
    } finally {
      await client.end();
    }
  });
  assert.equal(result.verdict, 'failed');
  assert.match(
    check(result, 'role:app_login').message,
    /^role app_login: memberships: backup app_writer, restored none$/,
  );
  assert.match(
    check(result, 'database:settings').message,
    /backup random_page_cost=1\.5; work_mem=16MB, restored work_mem=16MB$/,
  );
});
