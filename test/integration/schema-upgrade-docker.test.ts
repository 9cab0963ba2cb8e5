// Upgrade rehearsals compare the schema by definition too: a 15 source with every object class, dumped by the
// target's pg_dump and restored into 17 and 18 in Docker, passes; only the named upgrade rules are applied, and a
// real change made after the restore still fails across majors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cli, ROOT } from '../helpers/cli.ts';
import { latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { dockerAvailable, requireDockerInCi, requireImage } from '../helpers/docker.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { runDrill } from '../../src/drill/drill.ts';
import { silentLogger } from '../../src/core/log.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { CheckResult, RunResult } from '../../src/run/result.ts';

const unavailable = requireDockerInCi(await dockerAvailable());
const images: Record<number, string | false> = {};
for (const major of [15, 17, 18])
  images[major] = unavailable || (await requireImage(`postgres:${major}`, { requiredInCi: true }));

let ws: Workspace;
before(async () => {
  ws = await workspace();
});
after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary directory left behind');
  await ws.dispose();
});

const check = (result: RunResult, id: string): CheckResult | undefined =>
  result.restores.flatMap((r) => r.checks).find((c) => c.id === id);

function scenario(name: string, major: number, use = ''): Promise<string> {
  // A drill of a stored backup runs as the scenario that took it: `use` picks only a scenario's own backups.
  return ws.scenario(
    `${name}.yaml`,
    `name: ${use ? `schema-upgrade-${major}` : name}
source: { managed: { version: 15, fixtures: [${ws.dir}/fixtures/shop.sql, ${join(ROOT, 'test/fixtures/schema-classes.sql')}], workload: { seed: 5, transactions: 100 } } }
repository: ${ws.dir}/repo-${major}
backup: { method: dump${use} }
restore: { environment: docker, version: ${major} }
checks: [rowcounts, fingerprints, schema, sequences]
report: { dir: ${ws.dir}/reports, formats: [json] }
`,
  );
}

const RULES: Record<number, string> = {
  17: 'normalised for 15 → 17: view-deparse, domain-not-null-constraint, maintain-privilege',
  18: 'normalised for 15 → 18: view-deparse, domain-not-null-constraint, maintain-privilege, not-null-constraint',
};

for (const major of [17, 18]) {
  test(
    `a 15 source with every object class restored into ${major} passes the schema comparison by definition`,
    { skip: images[15] || images[major] },
    async () => {
      const run = await cli(['drill', await scenario(`schema-upgrade-${major}`, major)], { cwd: ws.dir, env: ws.env });
      const result = await latestResult(join(ws.dir, 'reports'), `schema-upgrade-${major}`);
      const bad = result.restores.flatMap((r) => r.checks).filter((c) => c.status !== 'passed');
      assert.equal(
        run.exitCode,
        0,
        `${bad.map((c) => `${c.id}: ${c.message}`).join('\n')}\n${run.stderr.slice(-2000)}`,
      );
      assert.equal(result.restores[0]!.environment.version, major);
      for (const id of ['schema:objects', 'schema:definitions']) {
        const c = check(result, id)!;
        assert.equal(c.status, 'passed', `${id}: ${c.message}`);
        assert.ok(c.message.endsWith(`(${RULES[major]})`), c.message);
      }
      assert.ok((check(result, 'schema:definitions')!.expected as number) > 200);
      assert.equal(check(result, 'fingerprint:lab.items')?.status, 'passed');
    },
  );
}

test(
  'across majors a real change is still named: a view altered after the restore into 17 fails',
  { skip: images[15] || images[17] },
  async () => {
    const file = await scenario('schema-upgrade-altered', 17, ', use: latest');
    const { result, exitCode } = await runDrill(await loadScenario(file), {
      log: silentLogger(),
      clock: systemClock,
      afterRestore: async (cluster, database) => {
        const client = await cluster.connect(database);
        try {
          await client.query(
            'create or replace view lab.big_items as select id, code, lab.double(qty) as twice from lab.items where qty > 41',
          );
          await client.query('grant maintain on lab.items to shop_reader');
        } finally {
          await client.end();
        }
      },
    });
    assert.equal(exitCode, 1);
    const definitions = check(result, 'schema:definitions')!;
    assert.equal(definitions.status, 'failed');
    assert.match(
      definitions.message,
      /view lab\.big_items: definition: backup ".*qty > 40.*", restored ".*qty > 41.*"/,
    );
    assert.match(
      definitions.message,
      /table lab\.items: acl: backup ".*", restored ".*shop_reader=arm\/postgres.*"/,
      'MAINTAIN granted on its own is not taken for the one ALL implies',
    );
  },
);
