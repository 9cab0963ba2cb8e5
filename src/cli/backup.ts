// `recoverable backup <scenario>`: take a backup alone, for a schedule; drills restore it with backup.use.
import { loadScenario } from '../scenario/load.ts';
import { openRepository } from '../repository/open-repository.ts';
import { takeBackup } from '../backup/take-backup.ts';
import { systemClock } from '../core/clock.ts';
import { resolveEvidenceKeys } from '../evidence/scenario-keys.ts';
import type { CommandContext } from './context.ts';

export async function handler(args: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const scenario = await loadScenario(String(args.scenario), { cwd: ctx.cwd });
  // A bad or misplaced key stops here (exit 2), before the source is touched.
  const { signer } = resolveEvidenceKeys(scenario, process.env, { takesBackup: true });
  // --full: one full backup; the next incremental ones build on it, so a chain never grows without end.
  const full = args.full === true && scenario.backup.incremental === true;
  if (full) ctx.log.info('--full: taking a full backup, which starts a new incremental chain');
  const taken = full ? { ...scenario, backup: { ...scenario.backup, incremental: false } } : scenario;
  const backup = await takeBackup(taken, openRepository(scenario, { signer }), ctx.log, systemClock);
  // stdout is the id alone: scripts capture it.
  ctx.log.info(
    signer
      ? `backup ${backup.record.id} signed by key ${signer.fingerprint}`
      : `backup ${backup.record.id} is unsigned (no signing key)`,
  );
  process.stdout.write(`${backup.record.id}\n`);
  return 0;
}
