// The disposable place a restore runs in: this machine's binaries or a container, behind one Runtime.
import type { Logger } from '../core/log.ts';
import type { RestoreResult } from '../run/result.ts';
import { requireBinaries } from './binaries.ts';
import { LocalRuntime } from './local-runtime.ts';
import type { Runtime } from './runtime.ts';
import type { DockerNetwork } from './docker-runtime.ts';

export interface RestoreEnvironment {
  runtime: Runtime;
  /** What the report says about it. */
  summary: RestoreResult['environment'];
  dispose(): Promise<void>;
}

export interface EnvironmentRequest {
  kind: 'local' | 'docker';
  version: number;
  /** Docker image; default the official postgres:<version>. */
  image?: string;
  /** Host paths the tools must read (the repository), bind-mounted at the same path. */
  mounts: Array<{ path: string; readOnly: boolean }>;
  /** Tools the restore needs (local binaries are checked up front). */
  tools: readonly string[];
  runLabel: string;
  /** Docker only: `none` (default) for restores; `host` for backup tools that must reach a url source's server. */
  network?: DockerNetwork;
}

/** Open an environment; the caller disposes it (a container is removed, a local one has nothing to remove). */
export async function openEnvironment(request: EnvironmentRequest, log: Logger): Promise<RestoreEnvironment> {
  if (request.kind === 'local') {
    const runtime = new LocalRuntime(requireBinaries(request.version, request.tools));
    return { runtime, summary: { kind: 'local', version: runtime.major }, dispose: async () => {} };
  }
  // Loaded only when asked for: testcontainers is heavy and most drills run locally.
  const { startDockerRuntime } = await import('./docker-runtime.ts');
  const runtime = await startDockerRuntime({ image: request.image ?? `postgres:${request.version}`, mounts: request.mounts, log, runLabel: request.runLabel, ...(request.network ? { network: request.network } : {}) });
  return {
    runtime,
    summary: { kind: 'docker', version: runtime.major, image: runtime.image, imageDigest: runtime.imageDigest, network: runtime.network },
    dispose: () => runtime.dispose(),
  };
}
