// Read what a drill wrote: the newest result.json of a scenario under a reports directory.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { CheckResult, RunResult } from '../../src/run/result.ts';

/** The newest run result of scenario `name` in `reportsDir`. */
export async function latestResult(reportsDir: string, name: string): Promise<RunResult> {
  for (const run of (await readdir(reportsDir)).sort().reverse()) {
    const result = JSON.parse(await readFile(join(reportsDir, run, 'result.json'), 'utf8')) as RunResult;
    if (result.scenario.name === name) return result;
  }
  throw new Error(`no result for ${name} in ${reportsDir}`);
}

/** The check `id` of a run (run-level or any restore's); the assertion names the ids there are when it is missing. */
export function checkIn(result: RunResult, id: string): CheckResult {
  const found = [...result.checks, ...result.restores.flatMap((r) => r.checks)].find((c) => c.id === id);
  assert.ok(found, `a check ${id} in ${JSON.stringify(result.restores.flatMap((r) => r.checks.map((c) => c.id)))}`);
  return found;
}
