// The disposable place a restore runs in: this machine's binaries or a container, behind one Runtime.
import type { Logger } from '../core/log.ts';
import type { RestoreResult } from '../run/result.ts';
import { requireBinaries } from './binaries.ts';
import { EnvironmentError } from '../core/errors.ts';
import { LocalRuntime } from './local-runtime.ts';
import type { Runtime } from './runtime.ts';
import type { DockerNetwork } from './docker-runtime.ts';

export interface RestoreEnvironment {
  runtime: Runtime;
  /** With `upgradeTo`: the newer major's tools beside the restore's (same machine, or same container). */
  upgradeRuntime?: Runtime;
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
  /** A pg_upgrade rehearsal into this major: both majors' binaries must be there (exit 3 naming the missing one). */
  upgradeTo?: number;
}

/** The tools a pg_upgrade rehearsal needs of the newer major. */
export const UPGRADE_TOOLS = ['initdb', 'pg_ctl', 'postgres', 'pg_upgrade'];

/** The default image of a pg_upgrade rehearsal: both majors in one, e.g. postgres:15-17 (.ci/pg-images.sh builds it). */
export function upgradeImage(from: number, to: number): string {
  return `postgres:${from}-${to}`;
}

/** Open an environment; the caller disposes it (a container is removed, a local one has nothing to remove). */
export async function openEnvironment(request: EnvironmentRequest, log: Logger): Promise<RestoreEnvironment> {
  if (request.kind === 'local') {
    const runtime = new LocalRuntime(requireBinaries(request.version, request.tools));
    const upgradeRuntime =
      request.upgradeTo === undefined ? undefined : new LocalRuntime(requireBinaries(request.upgradeTo, UPGRADE_TOOLS));
    return {
      runtime,
      ...(upgradeRuntime ? { upgradeRuntime } : {}),
      summary: { kind: 'local', version: runtime.major },
      dispose: async () => {},
    };
  }
  // Loaded only when asked for: testcontainers is heavy and most drills run locally.
  const { startDockerRuntime } = await import('./docker-runtime.ts');
  if (request.upgradeTo !== undefined) return openUpgradeContainer(request, request.upgradeTo, log);
  const runtime = await startDockerRuntime({
    image: request.image ?? `postgres:${request.version}`,
    mounts: request.mounts,
    log,
    runLabel: request.runLabel,
    ...(request.network ? { network: request.network } : {}),
  });
  return {
    runtime,
    summary: {
      kind: 'docker',
      version: runtime.major,
      image: runtime.image,
      imageDigest: runtime.imageDigest,
      network: runtime.network,
    },
    dispose: () => runtime.dispose(),
  };
}

// One container of an image holding both majors: the restore runs the older one's tools, pg_upgrade the newer one's.
async function openUpgradeContainer(request: EnvironmentRequest, to: number, log: Logger): Promise<RestoreEnvironment> {
  const { startDockerRuntime } = await import('./docker-runtime.ts');
  const { pinMajor } = await import('./pinned-major.ts');
  const image = request.image ?? upgradeImage(request.version, to);
  const base = await startDockerRuntime({
    image,
    mounts: request.mounts,
    log,
    runLabel: request.runLabel,
    ...(request.network ? { network: request.network } : {}),
  }).catch((error: unknown) => {
    throw missingUpgradeImage(error, image, request.version, to);
  });
  try {
    const runtime = await pinMajor(base, request.version, image);
    const upgradeRuntime = await pinMajor(base, to, image);
    const missing = UPGRADE_TOOLS.filter((t) => !upgradeRuntime.has(t));
    if (missing.length)
      throw new EnvironmentError(
        'docker-image-unusable',
        `image ${image}: PostgreSQL ${to} lacks ${missing.join(', ')}`,
        { hint: `build an image with both majors' servers: ${UPGRADE_IMAGE_BUILD}` },
      );
    return {
      runtime,
      upgradeRuntime,
      summary: {
        kind: 'docker',
        version: runtime.major,
        image: base.image,
        imageDigest: base.imageDigest,
        network: base.network,
      },
      dispose: () => base.dispose(),
    };
  } catch (error) {
    await base.dispose();
    throw error;
  }
}

const UPGRADE_IMAGE_BUILD =
  'bash .ci/pg-images.sh (recoverable/postgres:<from>-<to>, tagged postgres:<from>-<to>), or from the official images as the README\'s "pg_upgrade rehearsals" shows';

/** A missing two-major image exits 3 naming how to build it (it cannot be pulled from anywhere). */
export function missingUpgradeImage(error: unknown, image: string, from: number, to: number): unknown {
  if (!(error instanceof EnvironmentError) || error.code !== 'docker-image-missing') return error;
  return new EnvironmentError(
    'docker-image-missing',
    `image ${image} (PostgreSQL ${from} and ${to} for pg_upgrade) is not present`,
    {
      hint: `build it: PG_IMAGES_UPGRADES="${from}-${to}" ${UPGRADE_IMAGE_BUILD}; or set restore.image to an image holding both majors`,
      cause: error,
    },
  );
}
