// `recoverable backup <scenario>`: take a backup alone, for a schedule; drills restore it with backup.use.
import { loadScenario } from '../scenario/load.ts';
import { openRepository } from '../repository/open-repository.ts';
import { takeBackup } from '../drill/obtain-backup.ts';
import { systemClock } from '../core/clock.ts';
import type { CommandContext } from './context.ts';

export async function handler(args: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const scenario = await loadScenario(String(args.scenario), { cwd: ctx.cwd });
  const backup = await takeBackup(scenario, openRepository(scenario), ctx.log, systemClock);
  process.stdout.write(`${backup.record.id}\n`);
  return 0;
}
