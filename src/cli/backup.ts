// `recoverable backup <scenario>`: take a backup alone, for a schedule; drills restore it with backup.use.
import { loadScenario } from '../scenario/load.ts';
import { openRepository } from '../repository/open-repository.ts';
import { takeBackup } from '../drill/obtain-backup.ts';
import { systemClock } from '../core/clock.ts';
import { resolveEvidenceKeys } from '../evidence/scenario-keys.ts';
import type { CommandContext } from './context.ts';

export async function handler(args: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const scenario = await loadScenario(String(args.scenario), { cwd: ctx.cwd });
  // A bad or misplaced key stops here (exit 2), before the source is touched.
  const { signer } = resolveEvidenceKeys(scenario, process.env, { takesBackup: true });
  const backup = await takeBackup(scenario, openRepository(scenario, { signer }), ctx.log, systemClock);
  // stdout is the id alone: scripts capture it.
  ctx.log.info(signer ? `backup ${backup.record.id} signed by key ${signer.fingerprint}` : `backup ${backup.record.id} is unsigned (no signing key)`);
  process.stdout.write(`${backup.record.id}\n`);
  return 0;
}
