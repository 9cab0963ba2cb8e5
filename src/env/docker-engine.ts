// The Docker engine behind the docker environment: find it, prepare testcontainers for it, check images, run commands in containers.
import { request, type RequestOptions } from 'node:http';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { EnvironmentError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import type { ContainerRuntimeClient } from 'testcontainers';

/** Labels on every container Recoverable starts, so `recoverable cleanup` can find what a dead run left. */
export const LABEL = {
  owner: 'org.recoverable',
  pid: 'org.recoverable.pid',
  host: 'org.recoverable.host',
  run: 'org.recoverable.run',
  workDir: 'org.recoverable.workdir',
} as const;

/** A dockerode container, as testcontainers' client hands it out. */
export type EngineContainer = ReturnType<ContainerRuntimeClient['container']['getById']>;

/** Where the engine listens, as we can probe it before testcontainers does. */
export interface EngineEndpoint {
  /** For messages: a socket path or DOCKER_HOST. */
  description: string;
  /** How to send it a plain HTTP request; null when we cannot (TLS): testcontainers then finds out alone. */
  http: Pick<RequestOptions, 'socketPath' | 'host' | 'port'> | null;
}

/** A reachable engine and how containers must be networked on it. */
export interface DockerEngine {
  client: ContainerRuntimeClient;
  endpoint: string;
  /** No `bridge` network (e.g. `dockerd --bridge=none`): containers share the host's network. */
  hostNetwork: boolean;
}

const PROBE_TIMEOUT_MS = 5_000;

/** The engine's address: DOCKER_HOST, else the first unix socket that exists where engines usually put it. */
export function engineEndpoint(env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  const dockerHost = env.DOCKER_HOST;
  if (dockerHost) {
    const url = new URL(dockerHost);
    if (url.protocol === 'unix:') return { description: url.pathname, http: { socketPath: url.pathname } };
    const tls = url.protocol === 'https:' || (env.DOCKER_TLS_VERIFY ?? '') !== '';
    if (tls) return { description: dockerHost, http: null };
    return { description: dockerHost, http: { host: url.hostname, port: Number(url.port || 2375) } };
  }
  const candidates = [
    '/var/run/docker.sock',
    ...(env.XDG_RUNTIME_DIR ? [join(env.XDG_RUNTIME_DIR, 'docker.sock')] : []),
    join(homedir(), '.docker', 'run', 'docker.sock'),
    join(homedir(), '.docker', 'desktop', 'docker.sock'),
  ];
  const socket = candidates.find((path) => existsSync(path)) ?? '/var/run/docker.sock';
  return { description: socket, http: { socketPath: socket } };
}

// One GET to the engine's API: the status code, or null when nothing answers.
function engineGet(endpoint: EngineEndpoint, path: string): Promise<number | null> {
  const http = endpoint.http;
  if (!http) return Promise.resolve(null);
  return new Promise((resolve) => {
    const req = request({ ...http, path, method: 'GET', timeout: PROBE_TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(res.statusCode ?? null);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(null));
    req.end();
  });
}

/** Whether an engine answers at `endpoint`, and whether it has a `bridge` network (null: could not ask). */
export async function probeEngine(
  endpoint: EngineEndpoint = engineEndpoint(),
): Promise<{ reachable: boolean | null; hasBridge: boolean | null }> {
  if (!endpoint.http) return { reachable: null, hasBridge: null };
  if ((await engineGet(endpoint, '/_ping')) !== 200) return { reachable: false, hasBridge: null };
  const bridge = await engineGet(endpoint, '/networks/bridge');
  return { reachable: true, hasBridge: bridge === 200 ? true : bridge === 404 ? false : null };
}

/** Settings testcontainers reads on first contact: no reaper (we label and remove our own), loopback host without a bridge. */
export function configureTestcontainers(hasBridge: boolean | null, env: NodeJS.ProcessEnv = process.env): void {
  env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  if (hasBridge === false) env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
}

/** Reach the engine (exit 3 with what to do when it does not answer), testcontainers configured for it. */
export async function connectEngine(log: Logger): Promise<DockerEngine> {
  const endpoint = engineEndpoint();
  const probe = await probeEngine(endpoint);
  if (probe.reachable === false) throw engineUnreachable(endpoint.description);
  configureTestcontainers(probe.hasBridge);
  const { getContainerRuntimeClient } = await import('testcontainers');
  try {
    const client = await getContainerRuntimeClient();
    log.debug(
      {
        endpoint: endpoint.description,
        hasBridge: probe.hasBridge,
        engine: client.info.containerRuntime.serverVersion,
      },
      'docker engine reached',
    );
    return { client, endpoint: endpoint.description, hostNetwork: probe.hasBridge === false };
  } catch (cause) {
    throw engineUnreachable(endpoint.description, cause);
  }
}

function engineUnreachable(where: string, cause?: unknown): EnvironmentError {
  return new EnvironmentError('docker-unreachable', `Docker engine is not reachable at ${where}`, {
    hint: 'start it (e.g. `systemctl start docker` or `dockerd`), or use restore.environment: local',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** An image present in the engine: what to name in reports. */
export interface PresentImage {
  name: string;
  /** RepoDigests[0] when the image came from a registry, else its local Id. */
  digest: string;
}

/** Make sure `image` is in the engine: inspect first, pull (bounded) only when it is missing; exit 3 if it cannot be had. */
export async function ensureImage(
  engine: DockerEngine,
  image: string,
  options: { log: Logger; pullTimeoutMs: number },
): Promise<PresentImage> {
  const present = await inspectImage(engine, image);
  if (present) return present;
  options.log.info({ image }, `image ${image} is not present: pulling it`);
  let cause: unknown;
  try {
    const { ImageName } = await import('testcontainers');
    await withTimeout(
      engine.client.image.pull(ImageName.fromString(image)),
      options.pullTimeoutMs,
      `pull did not finish within ${options.pullTimeoutMs} ms`,
    );
  } catch (error) {
    cause = error;
  }
  // A pull can "finish" with the failure only inside its progress stream: ask the engine again.
  const pulled = await inspectImage(engine, image);
  if (pulled) return pulled;
  options.log.debug({ image, err: cause }, 'pull failed');
  throw new EnvironmentError('docker-image-missing', `image ${image} is not present and could not be pulled`, {
    hint: `\`docker pull ${image}\`, or build one with PostgreSQL on PATH and set restore.image`,
    ...(cause === undefined ? {} : { cause }),
  });
}

// The image's identity, or null when the engine does not have it.
async function inspectImage(engine: DockerEngine, image: string): Promise<PresentImage | null> {
  try {
    const info = await engine.client.container.dockerode.getImage(image).inspect();
    return { name: image, digest: info.RepoDigests?.[0] ?? info.Id };
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return null;
    throw new EnvironmentError('docker-unreachable', `could not inspect image ${image}: ${(error as Error).message}`, {
      hint: 'check that the Docker engine is healthy (`docker info`)',
      cause: error,
    });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EnvironmentError('docker-pull-timeout', message)), ms);
  });
  promise.catch(() => undefined); // a pull abandoned at the timeout must not become an unhandled rejection
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What a command run in a container produced. */
export interface ExecOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Run a command in a running container and collect its output as bytes (multi-byte characters survive chunking). */
export async function execInContainer(
  engine: DockerEngine,
  containerId: string,
  command: readonly string[],
  options: { user: string; env?: Record<string, string>; cwd?: string; signal?: AbortSignal; clock?: Clock },
): Promise<ExecOutcome> {
  const clock = options.clock ?? systemClock;
  const container = engine.client.container.getById(containerId);
  const exec = await container.exec({
    Cmd: [...command],
    AttachStdout: true,
    AttachStderr: true,
    User: options.user,
    ...(options.env ? { Env: Object.entries(options.env).map(([k, v]) => `${k}=${v}`) } : {}),
    ...(options.cwd ? { WorkingDir: options.cwd } : {}),
  });
  const stream = await exec.start({
    Detach: false,
    Tty: false,
    ...(options.signal ? { abortSignal: options.signal } : {}),
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on('data', (chunk: Buffer) => out.push(chunk));
  const stderr = new PassThrough().on('data', (chunk: Buffer) => err.push(chunk));
  engine.client.container.dockerode.modem.demuxStream(stream, stdout, stderr);
  try {
    await new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
  } finally {
    stream.destroy();
  }
  // The stream can end a moment before the engine records the exit code.
  let info = await exec.inspect();
  for (let i = 0; info.Running && i < 50; i++) {
    await clock.sleep(20);
    info = await exec.inspect();
  }
  return {
    exitCode: info.ExitCode ?? -1,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
  };
}

/** Remove a container, running or not; a container already gone is fine. */
export async function removeContainer(engine: DockerEngine, containerId: string): Promise<void> {
  try {
    await engine.client.container.getById(containerId).remove({ force: true, v: true });
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 404) return;
    // 409: removal already in progress (a second dispose, or `recoverable cleanup` at the same time)
    if (status === 409) return;
    throw error;
  }
}
