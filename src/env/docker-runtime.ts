// The docker runtime: PostgreSQL tools of an image, run in a container that sees the work dir at the same path as this machine.
import { mkdtemp, chmod, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { ensureWorkRoot } from './work-root.ts';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { GenericContainer } from 'testcontainers';
import { EnvironmentError, InterruptedError, ToolError, tailLines } from '../core/errors.ts';
import { interruption } from '../core/interrupt.ts';
import type { RunResult } from '../core/exec.ts';
import type { Logger } from '../core/log.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import type { OsUser } from '../core/os-user.ts';
import { CONTAINER_TOOLS, type Runtime, type ToolOptions } from './runtime.ts';
import {
  LABEL,
  connectEngine,
  ensureImage,
  execInContainer,
  removeContainer,
  type DockerEngine,
  type ExecOutcome,
} from './docker-engine.ts';

/** A directory of this machine to show the container at the same path. */
export interface DockerMount {
  path: string;
  readOnly: boolean;
}

export interface DockerRuntimeOptions {
  /** Any image with PostgreSQL on PATH, e.g. `postgres:17`. */
  image: string;
  /** Directories the tools must read or write besides the work dir (repository, backups). */
  mounts?: DockerMount[];
  log: Logger;
  /** Names the run on the container (`org.recoverable.run`); random when not given. */
  runLabel?: string;
  /** How long a missing image may take to pull (default 10 minutes). */
  pullTimeoutMs?: number;
  /**
   * `none` (the default): the container has only its own loopback, so nothing in it can reach this host or anything
   * else; tools run through `docker exec` and the host reaches the server through the socket in the work dir.
   * `host` exists for tests that must show the isolation check catches a server that can reach out.
   */
  network?: DockerNetwork;
  /** Paces the retries of cleanup and exec; the system clock unless a test drives it. */
  clock?: Clock;
}

/** The container's network: none at all, or (tests only) the host's. */
export type DockerNetwork = 'none' | 'host';

const CLUSTER_USER = 'postgres';
// The name given to an ordinary host user's uid in the container when the image has none for it.
const HOST_USER = 'recoverable';
const SHM_BYTES = 1024 * 1024 * 1024;

// What the container says about itself once it runs.
interface ContainerIdentity {
  major: number;
  version: string;
  clusterUser: OsUser;
  tools: Set<string>;
}

/** Start a container of `options.image` for one run's tools; exit 3 when the engine or the image is not there. Call dispose(). */
export async function startDockerRuntime(options: DockerRuntimeOptions): Promise<DockerRuntime> {
  const engine = await connectEngine(options.log);
  const image = await ensureImage(engine, options.image, {
    log: options.log,
    pullTimeoutMs: options.pullTimeoutMs ?? 600_000,
  });
  const workDir = await makeWorkDir();
  const runtime = new DockerRuntime(
    engine,
    options.image,
    image.digest,
    workDir,
    options.runLabel ?? `run-${randomBytes(6).toString('hex')}`,
    options.log,
    options.network ?? 'none',
    options.clock ?? systemClock,
  );
  try {
    await runtime.boot(options.mounts ?? []);
    return runtime;
  } catch (error) {
    await runtime.dispose();
    throw error;
  }
}

// Who runs Recoverable here, unless root (whose clusters run as the image's postgres).
function hostUser(): { uid: number; gid: number } | null {
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  return uid === undefined || gid === undefined || uid === 0 ? null : { uid, gid };
}

// The host side of the work dir: 0755 so the container's postgres (another uid) can reach the private dirs made inside it.
async function makeWorkDir(): Promise<string> {
  const dir = await mkdtemp(join(await ensureWorkRoot(), 'recoverable-docker-'));
  await chmod(dir, 0o755);
  return dir;
}

/** One container running `sleep` under an init, in which every tool runs via `docker exec`; dispose() removes it and its work dir. */
export class DockerRuntime implements Runtime {
  readonly kind = 'docker' as const;
  /** The image as asked for, e.g. `postgres:17`. */
  readonly image: string;
  /** The engine's identity of that image: RepoDigests[0], else its Id. */
  readonly imageDigest: string;
  readonly runLabel: string;
  private readonly engine: DockerEngine;
  private readonly workDir: string;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly unregister: () => void;
  private id: string | null = null;
  private identity: ContainerIdentity | null = null;
  private disposing: Promise<void> | null = null;
  private startup = 0;

  /** The container's network mode: `none` unless a test asked for the host's. */
  readonly network: DockerNetwork;

  constructor(
    engine: DockerEngine,
    image: string,
    imageDigest: string,
    workDir: string,
    runLabel: string,
    log: Logger,
    network: DockerNetwork,
    clock: Clock = systemClock,
  ) {
    this.network = network;
    this.clock = clock;
    this.engine = engine;
    this.image = image;
    this.imageDigest = imageDigest;
    this.workDir = workDir;
    this.runLabel = runLabel;
    this.log = log;
    this.unregister = interruption.onInterrupt(() => this.dispose());
  }

  /** The container's id (null before it was created). */
  get containerId(): string | null {
    return this.id;
  }

  /** Milliseconds from creating the container until it answered its first exec (for RTO phases and logs). */
  get startupMs(): number {
    return this.startup;
  }

  get major(): number {
    return this.known().major;
  }

  get version(): string {
    return this.known().version;
  }

  get clusterUser(): OsUser {
    return this.known().clusterUser;
  }

  /** Create and start the container, then learn its PostgreSQL version, postgres uid and tools. */
  async boot(mounts: readonly DockerMount[]): Promise<void> {
    const started = performance.now();
    const container = await this.containerSpec(mounts);
    try {
      await container.start();
    } catch (error) {
      if (this.disposing) throw new InterruptedError(interruption.reason ?? 'SIGINT');
      throw new EnvironmentError(
        'docker-start-failed',
        `a container of ${this.image} did not start: ${(error as Error).message}`,
        {
          hint: 'check the engine (`docker info`) and that the image runs `sleep` (any Linux image with coreutils does)',
          cause: error,
        },
      );
    }
    // Ctrl-C while the engine was starting it: dispose() ran before the id was known to it.
    if (this.disposing) {
      if (this.id) await removeContainer(this.engine, this.id).catch(() => undefined);
      throw new InterruptedError(interruption.reason ?? 'SIGINT');
    }
    this.identity = await this.learnIdentity();
    this.startup = performance.now() - started;
    this.log.debug(
      { image: this.image, container: this.id, startupMs: Math.round(this.startupMs), network: this.network },
      `docker runtime ready: ${this.describe()}`,
    );
  }

  // The container: sleep forever under an init (it reaps the servers pg_ctl daemonizes), work dir and mounts at their own paths.
  private async containerSpec(mounts: readonly DockerMount[]): Promise<GenericContainer> {
    const { GenericContainer } = await import('testcontainers');
    // The subclass below has its own `this`; the runtime it reports to is this one.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const runtime = this;
    // The only way to ask testcontainers for an init process and to learn the id before start() returns.
    class RecoverableContainer extends GenericContainer {
      withInit(): this {
        this.hostConfig.Init = true;
        return this;
      }
      protected override async containerCreated(containerId: string): Promise<void> {
        runtime.id = containerId;
      }
    }
    const container = new RecoverableContainer(this.image)
      .withInit()
      .withEntrypoint(['sleep', 'infinity'])
      .withLabels({
        [LABEL.owner]: 'true',
        [LABEL.pid]: String(process.pid),
        [LABEL.host]: hostname(),
        [LABEL.run]: this.runLabel,
        [LABEL.workDir]: this.workDir,
      })
      .withBindMounts([
        { source: this.workDir, target: this.workDir, mode: 'rw' },
        ...mounts.map((m) => ({
          source: m.path,
          target: m.path,
          mode: m.readOnly ? ('ro' as const) : ('rw' as const),
        })),
      ])
      .withSharedMemorySize(SHM_BYTES);
    // No network at all: a restore can never reach production; the host connects through the socket in the work dir.
    container.withNetworkMode(this.network);
    return container;
  }

  // Version, the cluster user's uid/gid and the available tools, asked of the container (uids differ between images: 999,
  // 100...). Run by an ordinary host user, the clusters run as that user (added to the container's passwd if it lacks
  // the uid): what they write in the work dir and the repository stays the host user's to read and remove.
  private async learnIdentity(): Promise<ContainerIdentity> {
    const host = hostUser();
    const user = host ? await this.adoptHostUser(host) : CLUSTER_USER;
    const script = `postgres --version; id -u ${user}; id -g ${user}; for t in ${CONTAINER_TOOLS.join(' ')}; do command -v "$t" >/dev/null 2>&1 && echo "tool $t"; done; true`;
    const out = await this.exec(['sh', '-c', script], 'root', {});
    const lines = out.stdout.split('\n');
    const match = /\(PostgreSQL\) (\d+)(?:\.(\d+))?/.exec(lines[0] ?? '');
    const uid = Number(lines[1]);
    const gid = Number(lines[2]);
    if (!match || !Number.isInteger(uid) || !Number.isInteger(gid) || lines[1] === '' || lines[2] === '') {
      throw new EnvironmentError(
        'docker-image-unusable',
        `image ${this.image} has no PostgreSQL server on PATH or no user ${CLUSTER_USER}: ${tailLines(out.stderr || out.stdout, 3)}`,
        {
          hint: 'use an image with PostgreSQL on PATH and a postgres user (e.g. the official postgres:<major>) and set restore.image',
        },
      );
    }
    const tools = new Set(lines.filter((l) => l.startsWith('tool ')).map((l) => l.slice(5)));
    return {
      major: Number(match[1]),
      version: `${match[1]}.${match[2] ?? '0'}`,
      clusterUser: { uid, gid, name: user },
      tools,
    };
  }

  // The host user's uid and gid as a user of the container (initdb needs a passwd entry); returns its name there.
  private async adoptHostUser(host: { uid: number; gid: number }): Promise<string> {
    const entry = `^[^:]*:[^:]*:${host.uid}:`;
    const script = `grep -q '^[^:]*:[^:]*:${host.gid}:' /etc/group || echo '${HOST_USER}:x:${host.gid}:' >> /etc/group
grep -q '${entry}' /etc/passwd || echo '${HOST_USER}:x:${host.uid}:${host.gid}:${HOST_USER}:/tmp:/bin/sh' >> /etc/passwd
grep '${entry}' /etc/passwd | head -n 1 | cut -d: -f1`;
    const out = await this.exec(['sh', '-c', script], 'root', {});
    const name = out.stdout.trim();
    if (!name)
      throw new EnvironmentError(
        'docker-image-unusable',
        `image ${this.image}: could not add uid ${host.uid} to its /etc/passwd: ${tailLines(out.stderr || out.stdout, 3)}`,
        { hint: 'use an image with a shell, grep and a writable /etc/passwd (the official postgres:<major> has them)' },
      );
    return name;
  }

  has(name: string): boolean {
    return this.known().tools.has(name);
  }

  /** Server-side tools run as the cluster user; client tools as the container's root, who can read the mounted repository (for an ordinary host user, as that user, whose files it reads and writes). */
  tool(name: string, args: readonly string[], options: ToolOptions = {}): Promise<RunResult> {
    const user = options.asClusterUser || hostUser() ? this.clusterUser.name : 'root';
    return this.run([name, ...args], user, options, options.label ?? name);
  }

  /** Run a system command (cp, kill, chown) as the container's root. */
  system(file: string, args: readonly string[], options: ToolOptions = {}): Promise<RunResult> {
    return this.run([file, ...args], 'root', options, options.label ?? file);
  }

  async adopt(path: string, recursive = false): Promise<void> {
    const { uid, gid } = this.clusterUser;
    await this.system('chown', [...(recursive ? ['-R', '-h'] : []), `${uid}:${gid}`, path], { label: 'chown' });
  }

  workRoot(): string {
    return this.workDir;
  }

  describe(): string {
    return `docker ${this.image} (PostgreSQL ${this.identity?.version ?? 'unknown'})`;
  }

  // Same contract as run() in core/exec.ts: a non-zero exit throws ToolError; Ctrl-C throws InterruptedError unless cleaning up.
  private async run(command: string[], user: string, options: ToolOptions, label: string): Promise<RunResult> {
    if (!options.cleanup && interruption.signal.aborted) throw new InterruptedError(interruption.reason ?? 'SIGINT');
    const started = performance.now();
    const { command: full, inputFile } = await this.withInput(command, user, options.input);
    let outcome: ExecOutcome;
    try {
      outcome = await this.exec(full, user, {
        ...(options.env ? { env: options.env } : {}),
        ...(options.cwd ? { cwd: options.cwd } : {}),
        ...(options.cleanup ? {} : { signal: interruption.signal }),
      });
    } catch (error) {
      if (!options.cleanup && interruption.signal.aborted) throw new InterruptedError(interruption.reason ?? 'SIGINT');
      throw new EnvironmentError(
        'docker-exec-failed',
        `could not run ${label} in the container of ${this.image}: ${(error as Error).message}`,
        {
          hint: 'the container may have been removed (e.g. by `recoverable cleanup --all`) or the engine stopped; run again',
          cause: error,
        },
      );
    } finally {
      if (inputFile) await rm(inputFile, { force: true });
    }
    const durationMs = performance.now() - started;
    if (outcome.exitCode !== 0) {
      throw new ToolError({
        command: label,
        exitCode: outcome.exitCode,
        stderrTail: tailLines(outcome.stderr || outcome.stdout),
        durationMs,
        stderr: outcome.stderr,
        stdout: outcome.stdout,
      });
    }
    return { stdout: outcome.stdout, stderr: outcome.stderr, durationMs };
  }

  // Exec has no stdin here: hand input over as a private file in the work dir, redirected by a shell.
  private async withInput(
    command: string[],
    user: string,
    input: string | undefined,
  ): Promise<{ command: string[]; inputFile: string | null }> {
    if (input === undefined) return { command, inputFile: null };
    const file = join(this.workDir, `.input-${randomBytes(8).toString('hex')}`);
    await writeFile(file, input, { mode: 0o600 });
    if (user !== 'root')
      await this.exec(['chown', `${this.clusterUser.uid}:${this.clusterUser.gid}`, file], 'root', {});
    return { command: ['sh', '-c', 'f=$1; shift; exec "$@" < "$f"', 'sh', file, ...command], inputFile: file };
  }

  private async exec(
    command: readonly string[],
    user: string,
    options: { env?: Record<string, string>; cwd?: string; signal?: AbortSignal },
  ): Promise<ExecOutcome> {
    if (!this.id) throw new EnvironmentError('docker-not-started', `the container of ${this.image} is not running`);
    return execInContainer(this.engine, this.id, command, { user, clock: this.clock, ...options });
  }

  private known(): ContainerIdentity {
    if (!this.identity)
      throw new EnvironmentError('docker-not-started', `the container of ${this.image} has not started yet`);
    return this.identity;
  }

  /** Remove the container and the work dir; safe twice, also on Ctrl-C; never throws. */
  dispose(): Promise<void> {
    this.disposing ??= this.disposeOnce();
    return this.disposing;
  }

  private async disposeOnce(): Promise<void> {
    this.unregister();
    if (this.id) {
      // Files the container's users own may be out of reach of an unprivileged host user: delete them from inside.
      if (process.getuid?.() !== 0)
        await this.exec(['find', this.workDir, '-mindepth', '1', '-delete'], 'root', {}).catch(() => undefined);
      try {
        await removeContainer(this.engine, this.id);
      } catch (error) {
        this.log.error(
          { err: error, container: this.id },
          `could not remove container ${this.id}: run \`recoverable cleanup\``,
        );
      }
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await rm(this.workDir, { recursive: true, force: true });
        return;
      } catch (error) {
        if (attempt >= 10) {
          this.log.error({ err: error, dir: this.workDir }, `could not remove ${this.workDir}: remove it by hand`);
          return;
        }
        await this.clock.sleep(100 * attempt);
      }
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
