// Load a drill's scenario in the environment it will run in: the flag's, the scenario's, or Docker as a fallback.
import type { Logger } from '../core/log.ts';
import { RecoverableError } from '../core/errors.ts';
import { loadScenario } from '../scenario/load.ts';
import type { Scenario } from '../scenario/types.ts';
import { chooseEnvironment } from '../env/choose-environment.ts';
import { requireLocalBinaries } from './local-binaries.ts';

// The message of the first missing local binary, or null when a local drill can start.
function localMissing(scenario: Scenario): string | null {
  try {
    requireLocalBinaries(scenario);
    return null;
  } catch (error) {
    if (error instanceof RecoverableError) return error.message;
    throw error;
  }
}

// Whether a Docker engine answers (asked only when the answer matters).
async function engineAnswers(): Promise<boolean> {
  const { engineEndpoint, probeEngine } = await import('../env/docker-engine.ts');
  return (await probeEngine(engineEndpoint())).reachable === true;
}

/** Loads `file` for a drill; a local scenario this machine cannot run moves to Docker when an engine answers, saying so once. */
export async function loadDrillScenario(
  file: string,
  opts: { cwd: string; flag?: 'local' | 'docker' },
  log: Logger,
): Promise<Scenario> {
  const scenario = await loadScenario(file, { cwd: opts.cwd, ...(opts.flag ? { environment: opts.flag } : {}) });
  if (opts.flag || scenario.restore.environment !== 'local') return scenario;
  const missing = localMissing(scenario);
  if (missing === null) return scenario;
  const choice = chooseEnvironment({
    written: scenario.restore.environment,
    localMissing: missing,
    engineAnswers: await engineAnswers(),
  });
  if (choice.fallback === null) return scenario;
  log.info(`${scenario.name}: ${choice.fallback}`);
  return loadScenario(file, { cwd: opts.cwd, environment: choice.environment });
}
