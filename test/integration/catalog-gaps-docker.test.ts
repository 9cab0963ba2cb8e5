// Across majors the new comparisons compare only what the source changed: a 15 source with changed initial
// privileges, text search objects, operator classes, an extension in its own schema, large objects' and a
// tablespace's metadata and a subscription, dumped and restored into 17 and 18 in Docker, passes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cli, ROOT } from '../helpers/cli.ts';
import { latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { dockerAvailable, requireDockerInCi, requireImage } from '../helpers/docker.ts';

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

for (const major of [17, 18]) {
  test(
    `a 15 source with what pg_dump carries beyond plain objects restored into ${major} passes`,
    { skip: images[15] || images[major] },
    async () => {
      const name = `catalog-upgrade-${major}`;
      const file = await ws.scenario(
        `${name}.yaml`,
        `name: ${name}
source:
  managed:
    version: 15
    fixtures: [${ws.dir}/fixtures/shop.sql, ${join(ROOT, 'test/fixtures/catalog-gaps.sql')}]
    workload: { seed: 5, transactions: 30 }
    tablespaces: [catalog_ts]
repository: ${ws.dir}/repo-${major}
backup: { method: dump }
restore: { environment: docker, version: ${major} }
checks: [rowcounts, fingerprints, schema, sequences, large-objects, roles]
report: { dir: ${ws.dir}/reports, formats: [json] }
`,
      );
      const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
      const result = await latestResult(join(ws.dir, 'reports'), name);
      const checks = result.restores.flatMap((r) => r.checks);
      const bad = checks.filter((c) => c.status !== 'passed' && c.status !== 'skipped');
      assert.deepEqual(
        bad.map((c) => `${c.id}: ${c.message}`),
        [],
        run.stderr.slice(-2000),
      );
      assert.equal(result.restores[0]!.environment.version, major);
      const objects = checks.find((c) => c.id === 'schema:objects')!.message;
      for (const counted of ['privileges: 5', 'text search configuration: 1', 'operator class: 1', 'subscription: 1'])
        assert.ok(objects.includes(counted), `${counted} in ${objects}`);
      for (const id of ['large-objects:metadata', 'tablespaces', 'sequence:public.ticket_no'])
        assert.equal(checks.find((c) => c.id === id)?.status, 'passed', id);
    },
  );
}
