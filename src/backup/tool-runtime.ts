// Where a url source's backup tools run: this machine's when they can read the server, else a container of the
// server's major on the host's network (a machine with only Docker can still back up a real server).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../core/log.ts';
import { EnvironmentError } from '../core/errors.ts';
import { discoverInstallations, type PgBin } from '../env/binaries.ts';
import { LocalRuntime } from '../env/local-runtime.ts';
import { openEnvironment } from '../env/environment.ts';
import { engineEndpoint, probeEngine } from '../env/docker-engine.ts';
import type { Runtime } from '../env/runtime.ts';
import { parseConnection } from '../source/connection-string.ts';

/** A runtime for backup tools, and how to let it go. */
export interface BackupToolRuntime {
  runtime: Runtime;
  /** For the log and `doctor`: which tools, from where. */
  describe: string;
  dispose(): Promise<void>;
}

export interface BackupToolRequest {
  /** The server's major: the tools must be at least this. */
  sourceMajor: number;
  /** The major to prefer (pg_dump of the restore's major for a rehearsal); never below sourceMajor. */
  wanted: number;
  tools: readonly string[];
  /** Host directories the tools write or read: the repository, a socket directory. */
  mounts: Array<{ path: string; readOnly: boolean }>;
  runLabel: string;
}

/** The installed bin directory that can read the server, closest to the wanted major; null when none here can. */
export function localBackupTools(
  request: Pick<BackupToolRequest, 'sourceMajor' | 'wanted' | 'tools'>,
  installed: readonly PgBin[],
): PgBin | null {
  const usable = installed
    .filter((b) => b.major >= request.sourceMajor && request.tools.every((t) => existsSync(join(b.dir, t))))
    .sort((a, b) => Math.abs(a.major - request.wanted) - Math.abs(b.major - request.wanted) || a.major - b.major);
  return usable[0] ?? null;
}

/**
 * This machine's tools when some are new enough; otherwise, if a Docker engine answers, the tools of `postgres:<wanted>`
 * in a container on the host's network (it must reach the server as this machine would). Exit 3 naming both ways out.
 */
export async function backupToolRuntime(request: BackupToolRequest, log: Logger): Promise<BackupToolRuntime> {
  const installed = discoverInstallations();
  const local = localBackupTools(request, installed);
  if (local)
    return {
      runtime: new LocalRuntime(local),
      describe: `${request.tools.join(', ')} ${local.version} (${local.dir})`,
      dispose: async () => {},
    };
  const have = installed.length
    ? `installed here: ${installed.map((b) => `${b.major} (${b.dir})`).join(', ')}`
    : 'none is installed here';
  const probe = await probeEngine(engineEndpoint());
  if (probe.reachable === false) {
    throw new EnvironmentError(
      'binaries-missing',
      `${request.tools.join(' and ')} ${request.sourceMajor} or newer is needed for a PostgreSQL ${request.sourceMajor} server; ${have}, and no Docker engine answers to lend a container's`,
      {
        hint: `install postgresql-client-${request.wanted} (or newer), set RECOVERABLE_PG_BIN, or start a Docker engine so postgres:${request.wanted}'s tools are used`,
      },
    );
  }
  const image = `postgres:${request.wanted}`;
  log.info(
    `no ${request.tools.join('/')} ${request.sourceMajor} or newer here (${have}): using those of ${image} in a container on the host's network`,
  );
  const environment = await openEnvironment(
    {
      kind: 'docker',
      version: request.wanted,
      image,
      mounts: request.mounts,
      tools: request.tools,
      runLabel: request.runLabel,
      network: 'host',
    },
    log,
  );
  return {
    runtime: environment.runtime,
    describe: `${request.tools.join(', ')} of ${image} (docker, host network)`,
    dispose: () => environment.dispose(),
  };
}

/** Socket directories a connection string names (`host=/run/postgresql`): a container needs them mounted to connect. */
export function socketDirectories(url: string): string[] {
  const parsed = parseConnection(url);
  if (!parsed.ok) return [];
  return (parsed.keywords.host ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h.startsWith('/'));
}
