// Where a drill restores: the scenario's environment, the --environment flag, or Docker when local PostgreSQL is missing.

/** What decides the environment: what the scenario says, the flag, and what this machine has. */
export interface EnvironmentFacts {
  /** `restore.environment` as written (or defaulted) in the scenario. */
  written: 'local' | 'docker';
  /** `drill --environment`, when given: honoured as is, never overridden. */
  flag?: 'local' | 'docker';
  /** Why the local binaries cannot run this scenario (the error's message), or null when they can. */
  localMissing: string | null;
  /** Whether a Docker engine answers. */
  engineAnswers: boolean;
}

/** The environment chosen, and the one log line saying why when it is not the scenario's. */
export interface EnvironmentChoice {
  environment: 'local' | 'docker';
  fallback: string | null;
}

/**
 * Decides where a drill runs: the flag wins; a scenario written for local whose PostgreSQL is not installed here
 * runs in Docker when an engine answers; otherwise the scenario's own (a missing local install then exits 3).
 */
export function chooseEnvironment(facts: EnvironmentFacts): EnvironmentChoice {
  if (facts.flag) return { environment: facts.flag, fallback: null };
  if (facts.written === 'docker' || facts.localMissing === null || !facts.engineAnswers)
    return { environment: facts.written, fallback: null };
  return {
    environment: 'docker',
    fallback: `no local PostgreSQL can run this scenario (${facts.localMissing}): running it in Docker instead, as with --environment docker (--environment local insists on local)`,
  };
}
