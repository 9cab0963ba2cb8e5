// Docker for tests: is an engine there (skip visibly if not, fail in CI), which images it has, labelled containers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { connectEngine, engineEndpoint, probeEngine, LABEL, type DockerEngine } from '../../src/env/docker-engine.ts';
import { silentLogger } from '../../src/core/log.ts';

export type DockerAvailability = { ok: true } | { ok: false; reason: string };

/** Whether a Docker engine answers where the runtime would look for one. */
export async function dockerAvailable(): Promise<DockerAvailability> {
  const endpoint = engineEndpoint();
  const probe = await probeEngine(endpoint);
  if (probe.reachable === false) return { ok: false, reason: `no Docker engine answers at ${endpoint.description}` };
  try {
    await engine();
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `no Docker engine answers at ${endpoint.description}: ${(error as Error).message}` };
  }
}

/**
 * The skip reason for Docker tests, or false to run them. In CI (`CI` set) a missing engine is not a skip:
 * a failing test that names the reason is registered, and the rest are skipped with the same reason.
 */
export function requireDockerInCi(availability: DockerAvailability): string | false {
  if (availability.ok) return false;
  if (process.env.CI) {
    test('a Docker engine is available (required in CI)', () => {
      assert.fail(`${availability.reason}: CI must run the docker environment tests (see .ci/docker-engine.sh)`);
    });
  }
  return availability.reason;
}

/** The skip reason for a test that needs `image`, or false; in CI a required image that is missing is a failure, not a skip. */
export async function requireImage(image: string, options: { requiredInCi: boolean }): Promise<string | false> {
  if (await imagePresent(image)) return false;
  const reason = `image ${image} is not present (build it with .ci/pg-images.sh or docker pull ${image})`;
  if (process.env.CI && options.requiredInCi) {
    test(`image ${image} is present (required in CI)`, () => assert.fail(reason));
  }
  return reason;
}

let cached: Promise<DockerEngine> | undefined;

/** The engine, as the runtime reaches it (testcontainers configured the same way). */
export function engine(): Promise<DockerEngine> {
  cached ??= connectEngine(silentLogger());
  return cached;
}

/** Whether the engine has `image` locally. */
export async function imagePresent(image: string): Promise<boolean> {
  try {
    await (await engine()).client.container.dockerode.getImage(image).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Ids of every container (running or not) labelled with this run. */
export async function containersOfRun(run: string): Promise<string[]> {
  const list = await (
    await engine()
  ).client.container.dockerode.listContainers({ all: true, filters: { label: [`${LABEL.run}=${run}`] } });
  return list.map((c) => c.Id);
}

/** Start a bare container of `image` with Recoverable's labels, as a run killed with SIGKILL would leave it. */
export async function startLabelledContainer(image: string, labels: Record<string, string>): Promise<string> {
  const e = await engine();
  const container = await e.client.container.dockerode.createContainer({
    Image: image,
    Entrypoint: ['sleep', 'infinity'],
    Labels: { [LABEL.owner]: 'true', ...labels },
    HostConfig: { Init: true, ...(e.hostNetwork ? { NetworkMode: 'host' } : {}) },
  });
  await container.start();
  return container.id;
}

/** Remove a container if it is still there (test cleanup). */
export async function removeIfPresent(id: string): Promise<void> {
  await (
    await engine()
  ).client.container
    .getById(id)
    .remove({ force: true })
    .catch(() => undefined);
}

/**
 * Containers Recoverable labelled whose work dir lies under `workDir` (a test's runs): none may be left after it. One
 * listing with the label in it: a container of another test removed between a listing and an inspect is no error.
 */
export function containersUnder(workDir: string): string[] {
  return execFileSync(
    'docker',
    ['ps', '-a', '--filter', 'label=org.recoverable=true', '--format', '{{.ID}}\t{{.Label "org.recoverable.workdir"}}'],
    { encoding: 'utf8' },
  )
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t'))
    .filter(([, dir]) => (dir ?? '').includes(workDir))
    .map(([id]) => id!);
}
