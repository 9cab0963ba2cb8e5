// Where the managed source runs: beside the restore (this machine's binaries, or a container of its major).
import { dirname } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { Scenario } from '../../scenario/types.ts';
import type { Logger } from '../../core/log.ts';
import type { Runtime } from '../../env/runtime.ts';
import type { LocalRepository } from '../../repository/local-repository.ts';
import { openEnvironment } from '../../env/environment.ts';
import { SERVER_TOOLS } from '../tools.ts';

/** The runtime for a managed source; a container sees the repository (read-write) and the fixtures (read-only). */
export async function managedRuntime(
  scenario: Scenario,
  repo: LocalRepository,
  tools: readonly string[],
  log: Logger,
): Promise<{ runtime: Runtime; dispose: () => Promise<void> }> {
  const spec = scenario.source;
  // Cannot happen: every caller checks the source is managed first.
  if (spec.kind !== 'managed') throw new Error('managedRuntime needs a managed source');
  const fixtureDirs = [...new Set(spec.fixtures.map((f) => dirname(f)))];
  await mkdir(repo.root, { recursive: true, mode: 0o755 });
  const environment = await openEnvironment(
    {
      kind: scenario.restore.environment,
      version: spec.version,
      mounts: [{ path: repo.root, readOnly: false }, ...fixtureDirs.map((path) => ({ path, readOnly: true }))],
      tools: [...SERVER_TOOLS, ...tools],
      runLabel: `source-${scenario.name}-${process.pid}`,
    },
    log,
  );
  return { runtime: environment.runtime, dispose: () => environment.dispose() };
}
