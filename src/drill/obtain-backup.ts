// The backup a drill restores: taken now from the scenario's source, or one already in the repository.
import type { Scenario } from '../scenario/types.ts';
import type { Logger } from '../core/log.ts';
import type { Clock } from '../core/clock.ts';
import { recordExternalDrill } from '../backup/external/record.ts';
import { takeBackup } from '../backup/take-backup.ts';
import type { LocalRepository, StoredBackup } from '../repository/local-repository.ts';
import { openRepository } from '../repository/open-repository.ts';
import { scenarioIdentity } from '../repository/source-identity.ts';
import type { SigningKey } from '../evidence/keys.ts';

/** The backup to restore: `backup.use` picks a stored one, otherwise a new one is taken (and signed by `signer`, when set). */
export async function obtainBackup(
  scenario: Scenario,
  log: Logger,
  clock: Clock,
  signer: SigningKey | null = null,
): Promise<{ backup: StoredBackup; repo: LocalRepository; taken: boolean }> {
  const repo = openRepository(scenario, { signer });
  if (scenario.backup.use) {
    // Only this scenario's own backups: same name, method and source (another's is refused, exit 2).
    const backup = await repo.resolve(scenario.backup.use, scenarioIdentity(scenario));
    log.info(`restoring stored backup ${backup.record.id} (taken ${backup.record.startedAt})`);
    return { backup, repo, taken: false };
  }
  // Another tool's backup: this drill records the source and its markers; the tool's restore command brings the data.
  if (scenario.backup.method === 'external')
    return { backup: await recordExternalDrill(scenario, repo, log, clock), repo, taken: false };
  return { backup: await takeBackup(scenario, repo, log, clock), repo, taken: true };
}
