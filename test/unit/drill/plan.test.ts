// The drill plan: which majors, tools and images a scenario needs, worked out without any process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planDrill, restoreImage, RESTORE_TOOLS, PHYSICAL_RESTORE_TOOLS } from '../../../src/drill/plan.ts';
import { scenarioSchema } from '../../../src/scenario/schema.ts';
import { normalizeScenario } from '../../../src/scenario/normalize.ts';

function scenario(raw: Record<string, unknown>) {
  return normalizeScenario(scenarioSchema.parse({ name: 'p', ...raw }), { path: '/s/p.yaml', sha256: '0', cwd: '/s' });
}
const managed = (version: number) => ({ managed: { version } });
const URL_SOURCE = { url: 'postgresql://u@db.example/app' };

test("a local dump drill of a managed source needs the source's server and dump tools, then pg_restore of each restore major", () => {
  const plan = planDrill(
    scenario({
      source: managed(15),
      backup: { method: 'dump' },
      restore: { environment: 'local', matrix: { version: [15, 17] } },
    }),
  );
  assert.equal(plan.environment, 'local');
  assert.equal(plan.sourceMajor, 15);
  assert.deepEqual(plan.restoreMajors, [15, 17]);
  assert.deepEqual(
    plan.binaries.map((b) => [b.major, b.purpose]),
    [
      [15, 'source'],
      [15, 'restore'],
      [17, 'restore'],
    ],
  );
  assert.deepEqual(plan.binaries[0]!.tools, ['initdb', 'pg_ctl', 'postgres', 'psql', 'pg_dump', 'pg_dumpall']);
  assert.deepEqual(plan.binaries[1]!.tools, RESTORE_TOOLS);
  assert.ok(RESTORE_TOOLS.includes('pg_restore'));
  assert.deepEqual(plan.images, []);
});

test('a physical restore needs no pg_restore; an incremental one needs pg_combinebackup', () => {
  const full = planDrill(
    scenario({ source: managed(17), backup: { method: 'basebackup' }, restore: { environment: 'local' } }),
  );
  assert.deepEqual(full.binaries.find((b) => b.purpose === 'restore')?.tools, PHYSICAL_RESTORE_TOOLS);
  assert.ok(!PHYSICAL_RESTORE_TOOLS.includes('pg_restore'));
  const incremental = planDrill(
    scenario({
      source: managed(17),
      backup: { method: 'basebackup', incremental: true },
      restore: { environment: 'local' },
    }),
  );
  assert.ok(incremental.binaries.find((b) => b.purpose === 'restore')?.tools.includes('pg_combinebackup'));
});

test("the restore majors: the matrix, else restore.version, else the managed source's; a url source's is unknown before connecting", () => {
  assert.deepEqual(
    planDrill(scenario({ source: managed(16), restore: { environment: 'local', version: 17 } })).restoreMajors,
    [17],
  );
  assert.deepEqual(planDrill(scenario({ source: managed(16), restore: { environment: 'local' } })).restoreMajors, [16]);
  const url = planDrill(scenario({ source: URL_SOURCE, restore: { environment: 'local' } }));
  assert.deepEqual(url.restoreMajors, []);
  assert.equal(url.sourceMajor, null);
  assert.deepEqual(url.binaries, []);
});

test("a pg_upgrade rehearsal needs the newer major's upgrade tools locally, or one image holding both majors", () => {
  const local = planDrill(
    scenario({
      source: managed(15),
      backup: { method: 'basebackup' },
      restore: { environment: 'local', upgrade: { to: 17 } },
    }),
  );
  assert.deepEqual(local.binaries.at(-1), {
    major: 17,
    tools: ['initdb', 'pg_ctl', 'postgres', 'pg_upgrade'],
    purpose: 'upgrade',
  });
  const docker = planDrill(
    scenario({
      source: managed(15),
      backup: { method: 'basebackup' },
      restore: { environment: 'docker', upgrade: { to: 17 } },
    }),
  );
  // The source still runs in its own major's official image.
  assert.deepEqual(docker.images, [
    { image: 'postgres:15-17', major: 15, purpose: 'upgrade', upgradeTo: 17 },
    { image: 'postgres:15', major: 15, purpose: 'source' },
  ]);
  assert.deepEqual(docker.binaries, []);
});

test("docker images: postgres:<major> per restore major, the scenario's image unless a matrix names them, the source's own when restored elsewhere", () => {
  const matrix = planDrill(
    scenario({
      source: managed(15),
      backup: { method: 'dump' },
      restore: { environment: 'docker', image: 'mine:1', matrix: { version: [16, 17] } },
    }),
  );
  assert.deepEqual(
    matrix.images.map((i) => [i.image, i.purpose]),
    [
      ['postgres:16', 'restore'],
      ['postgres:17', 'restore'],
      ['postgres:15', 'source'],
    ],
  );
  const own = scenario({ source: managed(17), restore: { environment: 'docker', image: 'mine:1' } });
  assert.deepEqual(
    planDrill(own).images.map((i) => i.image),
    ['mine:1', 'postgres:17'],
  );
  assert.equal(restoreImage(own, 17), 'mine:1');
  const plain = planDrill(scenario({ source: managed(17), restore: { environment: 'docker' } }));
  assert.deepEqual(
    plain.images.map((i) => i.image),
    ['postgres:17'],
  );
});

test('with machine facts, the plan names what is missing: majors not installed, images not held, an engine that does not answer', () => {
  const local = scenario({
    source: managed(15),
    backup: { method: 'dump' },
    restore: { environment: 'local', matrix: { version: [15, 17] } },
  });
  assert.deepEqual(planDrill(local, { installedMajors: [15], engineAnswers: null, images: null }).missing, {
    majors: [17],
    images: [],
    engine: false,
  });
  assert.deepEqual(planDrill(local).missing, { majors: [], images: [], engine: false });
  const docker = scenario({ source: managed(17), restore: { environment: 'docker', matrix: { version: [16, 17] } } });
  assert.deepEqual(planDrill(docker, { installedMajors: [], engineAnswers: false, images: ['postgres:17'] }).missing, {
    majors: [],
    images: ['postgres:16'],
    engine: true,
  });
});
