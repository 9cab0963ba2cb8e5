// `recoverable drill <scenario...>`: the main job.
import { join } from 'node:path';
import { loadDrillScenario } from '../drill/drill-environment.ts';
import { runDrill } from '../drill/drill.ts';
import { writeReports } from '../report/write.ts';
import { systemClock } from '../core/clock.ts';
import type { CommandContext } from './context.ts';

/** Run each scenario's drill; the exit code is the worst of them (3 > 1 > 0). */
export async function handler(args: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const files = args.scenario as string[];
  const flag = args.environment as 'local' | 'docker' | undefined;
  // Load every scenario first: a bad one stops the run before anything starts.
  const scenarios = [];
  for (const file of files) scenarios.push(await loadDrillScenario(file, { cwd: ctx.cwd, ...(flag ? { flag } : {}) }, ctx.log));
  let worst = 0;
  for (const scenario of scenarios) {
    ctx.log.info(`drill ${scenario.name} (${scenario.path})`);
    const { result, exitCode } = await runDrill(scenario, { log: ctx.log, clock: systemClock });
    const dir = join(scenario.report.dir, result.runId);
    await writeReports(result, dir, scenario.report.formats);
    process.stdout.write(`${result.verdict.toUpperCase()} ${scenario.name}: ${result.summary}\nreport: ${dir}\n`);
    worst = rank(exitCode) > rank(worst) ? exitCode : worst;
  }
  return worst;
}

function rank(code: number): number {
  return code === 3 ? 3 : code === 1 ? 2 : code === 0 ? 0 : 1;
}
