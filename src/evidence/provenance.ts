// Provenance of a run: who, where, which CI job, which tool, scenario, backup, images and PostgreSQL versions.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { MANIFEST_FILE } from '../repository/manifest.ts';
import type { Provenance, RunResult } from '../run/result.ts';

/** The CI job this process runs in, from the variables GitHub Actions, GitLab CI and most others set; null outside CI. */
export function ciOf(env: NodeJS.ProcessEnv): Provenance['ci'] | null {
  const pick = (fields: Record<string, string | undefined>): Record<string, string> =>
    Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => Boolean(e[1])));
  if (env.GITHUB_ACTIONS === 'true') {
    const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
    const jobUrl =
      env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
        ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
        : undefined;
    return {
      system: 'github-actions',
      ...pick({ runId: env.GITHUB_RUN_ID, repository: env.GITHUB_REPOSITORY, revision: env.GITHUB_SHA, jobUrl }),
    };
  }
  if (env.GITLAB_CI === 'true') {
    return {
      system: 'gitlab-ci',
      ...pick({
        runId: env.CI_JOB_ID,
        pipelineId: env.CI_PIPELINE_ID,
        repository: env.CI_PROJECT_PATH,
        revision: env.CI_COMMIT_SHA,
        jobUrl: env.CI_JOB_URL,
      }),
    };
  }
  if (env.CI && env.CI !== 'false' && env.CI !== '0') {
    return {
      system:
        env.CI_NAME ?? (env.BUILDKITE ? 'buildkite' : env.CIRCLECI ? 'circleci' : env.JENKINS_URL ? 'jenkins' : 'ci'),
      ...pick({
        runId: env.BUILD_ID ?? env.BUILDKITE_BUILD_ID ?? env.CIRCLE_BUILD_NUM,
        revision: env.GIT_COMMIT ?? env.BUILDKITE_COMMIT ?? env.CIRCLE_SHA1,
      }),
    };
  }
  return null;
}

// The OS user running the drill; a uid without a passwd entry is named by its number.
function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}

/** SHA-256 of a backup's manifest.json, or null when it cannot be read. */
export async function manifestDigest(backupDir: string): Promise<string | null> {
  try {
    return createHash('sha256')
      .update(await readFile(join(backupDir, MANIFEST_FILE)))
      .digest('hex');
  } catch {
    return null;
  }
}

/** The run's provenance, from its result and this process (user, host, CI variables). */
export function collectProvenance(
  result: RunResult,
  options: { toolVersion: string; env?: NodeJS.ProcessEnv; user?: string; host?: string },
): Provenance {
  const ci = ciOf(options.env ?? process.env);
  const backup = result.backup;
  const images = new Map<string, string | undefined>();
  for (const restore of result.restores) {
    const { image, imageDigest } = restore.environment;
    if (image && !images.get(image)) images.set(image, imageDigest);
  }
  return {
    user: options.user ?? osUser(),
    host: options.host ?? hostname(),
    ...(ci ? { ci } : {}),
    toolVersion: options.toolVersion,
    scenarioSha256: result.scenario.sha256,
    ...(backup
      ? {
          backup: {
            id: backup.id,
            ...(backup.manifestSha256 ? { manifestSha256: backup.manifestSha256 } : {}),
            signed: backup.signature?.signed ?? false,
            ...(backup.signature?.keyFingerprint ? { keyFingerprint: backup.signature.keyFingerprint } : {}),
          },
        }
      : {}),
    images: [...images].map(([image, digest]) => ({ image, ...(digest ? { digest } : {}) })),
    postgres: {
      ...(backup ? { source: backup.sourceVersion } : {}),
      ...(backup?.sourceServerVersion ? { sourceServer: backup.sourceServerVersion } : {}),
      restores: result.restores.map((r) => ({ target: r.target, version: r.environment.version })),
    },
  };
}
