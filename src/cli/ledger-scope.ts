// Which ledger and which scenario `history` and `status` read: a scenario file, or --repository and a scenario name.
import { resolve } from 'node:path';
import { UsageError } from '../core/errors.ts';
import { loadScenario } from '../scenario/load.ts';

/** A repository's ledger, narrowed to one scenario or open to all of them (`scenario` null). */
export interface LedgerScope {
  repository: string;
  scenario: string | null;
}

/** Read the positional `scenario` and `--repository`: a file names both; with --repository it is a scenario name. */
export async function ledgerScope(args: Record<string, unknown>, cwd: string): Promise<LedgerScope> {
  const given = args.scenario === undefined ? null : String(args.scenario);
  if (args.repository !== undefined) return { repository: resolve(cwd, String(args.repository)), scenario: given };
  if (given === null) {
    throw new UsageError('name a scenario file, or a repository with --repository', {
      hint: 'e.g. `recoverable status scenarios/nightly.yaml --max-age 26h` or `recoverable status --repository /backups/repo nightly --max-age 26h`',
    });
  }
  const scenario = await loadScenario(given, { cwd });
  return { repository: scenario.repository, scenario: scenario.name };
}
