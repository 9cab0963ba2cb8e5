// Read what a drill wrote: the newest result.json of a scenario under a reports directory.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from '../../src/run/result.ts';

/** The newest run result of scenario `name` in `reportsDir`. */
export async function latestResult(reportsDir: string, name: string): Promise<RunResult> {
  for (const run of (await readdir(reportsDir)).sort().reverse()) {
    const result = JSON.parse(await readFile(join(reportsDir, run, 'result.json'), 'utf8')) as RunResult;
    if (result.scenario.name === name) return result;
  }
  throw new Error(`no result for ${name} in ${reportsDir}`);
}
