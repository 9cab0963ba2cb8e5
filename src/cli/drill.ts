// `recoverable drill <scenario...>`: the main job.
import { join } from 'node:path';
import { appendFile } from 'node:fs/promises';
import { loadScenario } from '../scenario/load.ts';
import { runDrill } from '../drill/drill.ts';
import { writeReports } from '../report/write.ts';
import { renderMarkdown } from '../report/markdown.ts';
import { endLine } from '../report/end-line.ts';
import { errorAnnotations, stepSummaryFile } from '../report/github.ts';
import { systemClock } from '../core/clock.ts';
import type { CommandContext } from './context.ts';
import type { RunResult } from '../run/result.ts';

/** Run each scenario's drill; the exit code is the worst of them (3 > 1 > 0). */
export async function handler(args: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const files = args.scenario as string[];
  // Load every scenario first: a bad one stops the run before anything starts.
  const scenarios = [];
  for (const file of files) scenarios.push(await loadScenario(file, { cwd: ctx.cwd }));
  let worst = 0;
  for (const scenario of scenarios) {
    // Every line of this drill names its scenario (and, from runDrill on, its run): several drills share one log.
    const log = ctx.log.child({ scenario: scenario.name });
    log.info(`drill ${scenario.name} (${scenario.path})`);
    const { result, exitCode } = await runDrill(scenario, { log, clock: systemClock });
    const dir = join(scenario.report.dir, result.runId);
    await writeReports(result, dir, scenario.report.formats);
    await publishToGitHub(result, args['step-summary'] !== false);
    process.stdout.write(`${endLine(result)}\nreport: ${dir}\n`);
    worst = rank(exitCode) > rank(worst) ? exitCode : worst;
  }
  return worst;
}

function rank(code: number): number {
  return code === 3 ? 3 : code === 1 ? 2 : code === 0 ? 0 : 1;
}

// Inside GitHub Actions: the summary on the job page, and an annotation per failure on the run.
async function publishToGitHub(result: RunResult, summaryWanted: boolean): Promise<void> {
  if (process.env.GITHUB_ACTIONS !== 'true') return;
  const file = stepSummaryFile(process.env, summaryWanted);
  if (file) await appendFile(file, `${renderMarkdown(result)}\n`);
  for (const line of errorAnnotations(result)) process.stdout.write(`${line}\n`);
}
