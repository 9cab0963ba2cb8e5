// The scenario's repository, with its encryption key when the scenario names one.
import type { Scenario } from '../scenario/types.ts';
import { LocalRepository, type RepositoryOptions } from './local-repository.ts';
import { loadKey } from './cipher/key.ts';

/** Open the repository a scenario backs up into and restores from (a bad or missing key: exit 2); `signer` signs what it commits. */
export function openRepository(
  scenario: Pick<Scenario, 'repository' | 'encryption'>,
  options: Pick<RepositoryOptions, 'signer'> = {},
): LocalRepository {
  return new LocalRepository(scenario.repository, {
    ...options,
    key: scenario.encryption ? loadKey(scenario.encryption.key, scenario.repository) : null,
  });
}
