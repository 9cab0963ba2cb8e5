// A local drill of an incremental backup needs pg_combinebackup of the restore's major, checked before anything starts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireLocalBinaries } from '../../../src/drill/local-binaries.ts';
import { scenarioSchema } from '../../../src/scenario/schema.ts';
import { normalizeScenario } from '../../../src/scenario/normalize.ts';
import { EnvironmentError } from '../../../src/core/errors.ts';
import { exitCodeOf } from '../../../src/cli/exit-code.ts';

const dirs: string[] = [];
const saved = process.env.RECOVERABLE_PG_BIN;
after(async () => {
  if (saved === undefined) delete process.env.RECOVERABLE_PG_BIN;
  else process.env.RECOVERABLE_PG_BIN = saved;
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

// A bin directory of a PostgreSQL 17 that has the server tools; pg_combinebackup only when asked.
async function fakeBin(withCombine: boolean): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'recoverable-fake-bin-'));
  dirs.push(dir);
  const tools = ['initdb', 'pg_ctl', 'psql', 'pg_dump', 'pg_dumpall', ...(withCombine ? ['pg_combinebackup'] : [])];
  await writeFile(join(dir, 'postgres'), '#!/bin/sh\necho "postgres (PostgreSQL) 17.7"\n', { mode: 0o755 });
  for (const tool of tools) await writeFile(join(dir, tool), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  return dir;
}

function scenario(incremental: boolean) {
  const raw = scenarioSchema.parse({
    name: 'q',
    source: { managed: { version: 17 } },
    backup: { method: 'basebackup', incremental },
  });
  return normalizeScenario(raw, { path: '/s/q.yaml', sha256: '0', cwd: '/s' });
}

test('an incremental scenario without pg_combinebackup here stops with exit 3 naming it; a full one does not need it', async () => {
  process.env.RECOVERABLE_PG_BIN = await fakeBin(false);
  assert.throws(
    () => requireLocalBinaries(scenario(true)),
    (error: unknown) =>
      error instanceof EnvironmentError &&
      exitCodeOf(error.category) === 3 &&
      /lacks pg_combinebackup/.test(error.message),
  );
  assert.doesNotThrow(() => requireLocalBinaries(scenario(false)));
  process.env.RECOVERABLE_PG_BIN = await fakeBin(true);
  assert.doesNotThrow(() => requireLocalBinaries(scenario(true)));
});
