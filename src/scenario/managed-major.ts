// Which PostgreSQL major a managed source runs when the scenario does not say.

/** The major a managed source runs without `version` when nothing installed decides it (and always in Docker). */
export const DEFAULT_MANAGED_MAJOR = 15;

/** The majors a scenario may name. */
export const SUPPORTED_MAJORS = { min: 13, max: 18 } as const;

/**
 * The major of a managed source without `version`: locally, the newest supported major installed with a server
 * (so a machine with only PostgreSQL 16 runs 16); in Docker, or with nothing installed, {@link DEFAULT_MANAGED_MAJOR}.
 */
export function defaultManagedMajor(environment: 'local' | 'docker', installedServerMajors: readonly number[]): number {
  if (environment === 'docker') return DEFAULT_MANAGED_MAJOR;
  const supported = installedServerMajors.filter(
    (major) => major >= SUPPORTED_MAJORS.min && major <= SUPPORTED_MAJORS.max,
  );
  return supported.length ? Math.max(...supported) : DEFAULT_MANAGED_MAJOR;
}
