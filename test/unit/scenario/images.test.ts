// Which major and image the dump step runs pg_dump in, and which image a restore runs in: pure rules the plan shares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dumpImage, dumpMajor, restoreImage } from '../../../src/scenario/images.ts';
import { planDrill, restoreImage as plannedRestoreImage } from '../../../src/drill/plan.ts';
import { scenarioSchema } from '../../../src/scenario/schema.ts';
import { normalizeScenario } from '../../../src/scenario/normalize.ts';

function scenario(raw: Record<string, unknown>) {
  return normalizeScenario(scenarioSchema.parse({ name: 'p', ...raw }), { path: '/s/p.yaml', sha256: '0', cwd: '/s' });
}
const dump = (restore: Record<string, unknown>, source: unknown = { managed: { version: 15 } }) =>
  scenario({ source, backup: { method: 'dump' }, restore: { environment: 'docker', ...restore } });
const URL_SOURCE = { url: 'postgresql://u@db.example/app' };

test("pg_dump's major: the source's, or the oldest restore target's when newer (never older than the source)", () => {
  assert.equal(dumpMajor(dump({}), 15), 15);
  assert.equal(dumpMajor(dump({ version: 17 }), 15), 17);
  assert.equal(dumpMajor(dump({ matrix: { version: [18, 17] } }), 15), 17, 'the oldest target reads its archive');
  assert.equal(dumpMajor(dump({ matrix: { version: [15, 18] } }), 15), 15);
  // A url server is newer than the scenario's restore.version: pg_dump refuses an older client.
  assert.equal(dumpMajor(dump({ version: 15 }, URL_SOURCE), 16), 16);
  assert.equal(dumpMajor(dump({}, URL_SOURCE), 16), 16);
});

test("pg_dump's image: the restore's own image of that major, postgres:<major> by default or across a matrix", () => {
  assert.equal(dumpImage(dump({ version: 17 }), 15), 'postgres:17');
  assert.equal(dumpImage(dump({ version: 17, image: 'acme/postgres:17-ext' }), 15), 'acme/postgres:17-ext');
  assert.equal(dumpImage(dump({ matrix: { version: [18, 17] } }), 15), 'postgres:17');
  // A matrix names each image by its major: one image could not hold both.
  assert.equal(dumpImage(dump({ matrix: { version: [18, 17] }, image: 'acme/postgres:18' }), 15), 'postgres:17');
  assert.equal(dumpImage(dump({}), 15), 'postgres:15');
});

test('a restore image: the scenario image, one holding both majors of an upgrade, else postgres:<major>', () => {
  const basebackup = (restore: Record<string, unknown>) =>
    scenario({
      source: { managed: { version: 15 } },
      backup: { method: 'basebackup' },
      restore: { environment: 'docker', ...restore },
    });
  assert.equal(restoreImage(basebackup({}), 15), 'postgres:15');
  assert.equal(restoreImage(basebackup({ image: 'acme/pg:15' }), 15), 'acme/pg:15');
  assert.equal(restoreImage(basebackup({ upgrade: { to: 17 } }), 15), 'postgres:15-17');
  assert.equal(restoreImage(dump({ matrix: { version: [15, 17] } }), 17), 'postgres:17');
});

test('the image a docker dump runs pg_dump in is one the drill plan lists, and both name restore images alike', () => {
  for (const restore of [
    { version: 17 },
    { version: 17, image: 'acme/postgres:17-ext' },
    { matrix: { version: [17, 18] } },
  ]) {
    const s = dump(restore);
    const planned = planDrill(s).images.map((i) => i.image);
    assert.ok(planned.includes(dumpImage(s, 15)), `${dumpImage(s, 15)} in ${planned.join(', ')}`);
    for (const major of [15, 17, 18]) assert.equal(restoreImage(s, major), plannedRestoreImage(s, major));
  }
});
