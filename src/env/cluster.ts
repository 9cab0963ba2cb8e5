// A disposable PostgreSQL cluster in a private temporary directory, on a free loopback port, run through a runtime.
import { mkdtemp, chmod, writeFile, appendFile, readFile, rm, mkdir, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { pgClient } from '../core/pg-client.ts';
import { EnvironmentError, InterruptedError, tailLines } from '../core/errors.ts';
import type { OsUser } from '../core/os-user.ts';
import { interruption } from '../core/interrupt.ts';
import type { Logger } from '../core/log.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import type { Runtime } from './runtime.ts';
import { ToolError } from '../core/errors.ts';
import { freeLoopbackPort } from './port.ts';
import { ensureWorkRoot } from './work-root.ts';
import { guardsFor, startupOptions } from '../expectations/session.ts';
import { postmasterPidOf, probeSaysAlive, serverState } from './server-state.ts';

/** How to reach a cluster: loopback TCP with the superuser's generated password. */
export interface ConnectionInfo {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface InitOptions {
  dataChecksums: boolean;
  /** Extra postgresql.conf settings for every start. */
  settings?: Record<string, string>;
  /** Create the (empty) data directory before initdb, e.g. as a btrfs subvolume. */
  prepareDataDir?: (dataDir: string) => Promise<void>;
  /** Paces the waits of stopping and removing the cluster; the system clock unless a test drives it. */
  clock?: Clock;
}

const SUPERUSER = 'postgres';

/**
 * How long a session on a restored cluster waits for a lock before it fails (55P03): a restore may hold a prepared
 * transaction's locks, and no check may wait on them unbounded. A source keeps the guards' lock_timeout 0.
 */
export const RESTORED_LOCK_TIMEOUT = '60s';

/** Make a private (0700) temporary directory under the runtime's work root, owned by the cluster's user. */
export async function privateTempDir(prefix: string, runtime: Runtime): Promise<string> {
  const root = await ensureWorkRoot(runtime.workRoot());
  if (runtime.clusterUser) await assertTraversable(root, runtime.clusterUser);
  const dir = await mkdtemp(join(root, `recoverable-${prefix}-`));
  await chmod(dir, 0o700);
  await runtime.adopt(dir);
  return dir;
}

/** As root, clusters run as another user: every directory above theirs must let that user pass. */
export async function assertTraversable(dir: string, user: OsUser): Promise<void> {
  for (let path = resolve(dir); ; path = dirname(path)) {
    const st = await stat(path);
    const ok = st.uid === user.uid ? st.mode & 0o100 : st.gid === user.gid ? st.mode & 0o010 : st.mode & 0o001;
    if (!ok) {
      throw new EnvironmentError(
        'work-dir-unreachable',
        `PostgreSQL runs as user ${user.name}, who cannot enter ${path} (mode ${(st.mode & 0o777).toString(8)})`,
        {
          hint: `set RECOVERABLE_WORK_DIR to a directory ${user.name} can reach (e.g. /var/tmp), or chmod o+x ${path}`,
        },
      );
    }
    if (path === dirname(path)) return;
  }
}

/** A cluster this process created and will remove: call dispose() (or `await using`). */
export class Cluster {
  readonly runtime: Runtime;
  readonly dir: string;
  readonly dataDir: string;
  readonly socketDir: string;
  readonly logFile: string;
  readonly osUser: OsUser | null;
  readonly connection: ConnectionInfo;
  readonly log: Logger;
  private readonly clock: Clock;
  private disposing: Promise<void> | null = null;
  private lockWait = '0';
  private readonly unregister: () => void;

  private constructor(runtime: Runtime, dir: string, password: string, log: Logger, clock: Clock) {
    this.runtime = runtime;
    this.clock = clock;
    this.dir = dir;
    this.dataDir = join(dir, 'data');
    this.socketDir = join(dir, 'sock');
    this.logFile = join(dir, 'server.log');
    this.osUser = runtime.clusterUser;
    this.connection = { host: '127.0.0.1', port: 0, user: SUPERUSER, password };
    this.log = log;
    this.unregister = interruption.onInterrupt(() => this.dispose());
  }

  /** initdb a new cluster (UTF8, C.UTF-8, password auth over TCP) in a fresh private directory. */
  static async init(runtime: Runtime, options: InitOptions, log: Logger): Promise<Cluster> {
    const dir = await privateTempDir(`pg${runtime.major}`, runtime);
    const cluster = new Cluster(runtime, dir, randomBytes(18).toString('base64url'), log, options.clock ?? systemClock);
    try {
      await cluster.prepareDirs();
      const pwfile = join(dir, 'pwfile');
      await writeFile(pwfile, `${cluster.connection.password}\n`, { mode: 0o600 });
      await runtime.adopt(pwfile);
      if (options.prepareDataDir) {
        await options.prepareDataDir(cluster.dataDir);
        await runtime.adopt(cluster.dataDir);
      }
      const args = [
        '-D',
        cluster.dataDir,
        '-U',
        SUPERUSER,
        '--pwfile',
        pwfile,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
        '--no-sync',
      ];
      if (options.dataChecksums) args.push('--data-checksums');
      await runtime.tool('initdb', args, { asClusterUser: true });
      await rm(pwfile);
      await cluster.writeSettings(options.settings ?? {});
      return cluster;
    } catch (error) {
      await cluster.dispose();
      throw error;
    }
  }

  /** Adopt a data directory at `dir`/data (a restored physical backup), entered as `superuser`; dispose() removes `dir`. */
  static async adopt(
    runtime: Runtime,
    dir: string,
    superuser: string,
    log: Logger,
    clock: Clock = systemClock,
  ): Promise<Cluster> {
    const cluster = new Cluster(runtime, dir, '', log, clock);
    cluster.connection.user = superuser;
    cluster.boundLockWaits();
    await cluster.prepareDirs();
    return cluster;
  }

  private async prepareDirs(): Promise<void> {
    await mkdir(this.socketDir, { mode: 0o700, recursive: true });
    await this.runtime.adopt(this.socketDir);
  }

  /** Settings Recoverable owns live in their own file, included from postgresql.conf. */
  async writeSettings(settings: Record<string, string>): Promise<void> {
    const file = join(this.dataDir, 'recoverable.conf');
    const base: Record<string, string> = {
      listen_addresses: "'127.0.0.1'",
      unix_socket_directories: `'${this.socketDir}'`,
      fsync: 'on',
      logging_collector: 'off',
      log_line_prefix: "'%m [%p] '",
      ...settings,
    };
    const fresh = !existsSync(file);
    await writeFile(
      file,
      Object.entries(base)
        .map(([k, v]) => `${k} = ${v}\n`)
        .join(''),
      { mode: 0o600 },
    );
    await this.runtime.adopt(file);
    if (fresh) await appendFile(join(this.dataDir, 'postgresql.conf'), "\ninclude_if_exists = 'recoverable.conf'\n");
  }

  /** Start the server on a free loopback port and wait until it accepts connections (or not, with wait: false). */
  async start(options: { waitSeconds?: number; wait?: boolean } = {}): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const port = await freeLoopbackPort();
      this.connection.port = port;
      const wait = options.wait === false ? ['-W'] : ['-w', '-t', String(options.waitSeconds ?? 120)];
      try {
        await this.runtime.tool(
          'pg_ctl',
          ['-D', this.dataDir, '-l', this.logFile, ...wait, '-o', `-p ${port}`, 'start'],
          { asClusterUser: true, detached: true, label: 'pg_ctl start' },
        );
        this.log.debug({ port, dataDir: this.dataDir }, 'server started');
        return;
      } catch (error) {
        if (error instanceof InterruptedError) throw error;
        const serverLog = await this.readLog();
        if (attempt < 3 && /could not bind|Address already in use/.test(serverLog)) continue;
        throw new EnvironmentError(
          'server-start-failed',
          `PostgreSQL ${this.runtime.major} did not start: ${tailLines(serverLog, 6) || (error as Error).message}`,
          {
            hint: `read the server log for the cause (kept only with --keep): ${this.logFile}`,
            cause: error,
          },
        );
      }
    }
  }

  /** Stop the server: fast (clean shutdown checkpoint) by default. */
  async stop(mode: 'smart' | 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!existsSync(join(this.dataDir, 'postmaster.pid'))) return;
    await this.runtime.tool('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '120', 'stop'], {
      asClusterUser: true,
      label: 'pg_ctl stop',
    });
  }

  /**
   * Whether the server is running: `pg_ctl status` (works wherever the runtime's processes live). Only its exit 3, a
   * pid file gone, or a postmaster no longer alive (kill -0 on the pid file's first line) mean stopped; a pid file
   * still empty (just created) is a server starting.
   */
  async isRunning(): Promise<boolean> {
    if (!existsSync(join(this.dataDir, 'postmaster.pid'))) return false;
    let statusExit: number | undefined = 0;
    try {
      await this.runtime.tool('pg_ctl', ['-D', this.dataDir, 'status'], {
        asClusterUser: true,
        cleanup: true,
        label: 'pg_ctl status',
      });
    } catch (error) {
      if (!(error instanceof ToolError)) throw error;
      statusExit = error.toolExitCode;
    }
    if (statusExit === 0) return true;
    const state = serverState({ statusExit, pidLine: await this.pidFileFirstLine() });
    if (typeof state === 'string') return state === 'running';
    try {
      await this.signal('0', state.probe);
      return true;
    } catch (error) {
      if (!(error instanceof ToolError)) throw error;
      return probeSaysAlive(error.toolExitCode);
    }
  }

  private async pidFileFirstLine(): Promise<string | null> {
    try {
      return (await readFile(join(this.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]!;
    } catch {
      return null;
    }
  }

  private async postmasterPid(): Promise<number | null> {
    const first = await this.pidFileFirstLine();
    return first === null ? null : postmasterPidOf(first);
  }

  /**
   * Make every later session and tool of this cluster give up waiting for a lock after `timeout` (a restored cluster:
   * a data directory adopted is one from the start; a cluster a dump was restored into becomes one before its checks).
   */
  boundLockWaits(timeout: string = RESTORED_LOCK_TIMEOUT): void {
    this.lockWait = timeout;
  }

  /** The lock_timeout this cluster's sessions carry: '0' (unbounded, a source) unless {@link boundLockWaits} was called. */
  get lockTimeout(): string {
    return this.lockWait;
  }

  // The session guards, with this cluster's lock_timeout in place of theirs.
  private guardOptions(): string {
    return startupOptions({
      ...Object.fromEntries(guardsFor(this.runtime.major).map((guard) => [guard.name, guard.value])),
      lock_timeout: this.lockWait,
    });
  }

  /** A connected client to `database` over the private socket, guarded against the database's and role's settings (the caller ends it). */
  async connect(database = 'postgres'): Promise<pg.Client> {
    const client = pgClient(this.clientConfig(database));
    await client.connect();
    return client;
  }

  /**
   * node-postgres settings for this cluster: the private socket directory, trust inside it, and startup options that
   * neutralise what a restored (or fixture's) ALTER DATABASE/ROLE ... SET would do to Recoverable's own sessions.
   */
  clientConfig(database = 'postgres'): pg.ClientConfig {
    return {
      host: this.socketDir,
      port: this.connection.port,
      user: this.connection.user,
      database,
      application_name: 'recoverable',
      options: this.guardOptions(),
    };
  }

  /** A libpq conninfo for client tools (`-d`), without any password. */
  conninfo(database = 'postgres'): string {
    return `host='${this.socketDir}' port=${this.connection.port} user='${this.connection.user.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}' dbname='${database.replace(/'/g, "\\'")}'`;
  }

  /** libpq environment for tools that take a database name rather than a conninfo (pg_amcheck), guarded as connect() is. */
  toolEnv(): Record<string, string> {
    return {
      PGHOST: this.socketDir,
      PGPORT: String(this.connection.port),
      PGUSER: this.connection.user,
      PGOPTIONS: this.guardOptions(),
    };
  }

  /** The server log so far (empty when there is none yet). */
  async readLog(): Promise<string> {
    try {
      return await readFile(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** Stop the server immediately and remove every file; a second call waits for the first; never throws. */
  dispose(): Promise<void> {
    this.disposing ??= this.disposeOnce();
    return this.disposing;
  }

  private async disposeOnce(): Promise<void> {
    this.unregister();
    if (await this.isRunning()) {
      try {
        await this.runtime.tool('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', '-t', '60', 'stop'], {
          asClusterUser: true,
          label: 'pg_ctl stop',
          cleanup: true,
        });
      } catch (error) {
        this.log.warn({ err: error, dataDir: this.dataDir }, 'a temporary server did not stop in time: killing it');
        await this.kill();
      }
    }
    // A server that just died may still be unlinking its files: retry until the tree is gone.
    for (let attempt = 1; ; attempt++) {
      try {
        await rm(this.dir, { recursive: true, force: true });
        return;
      } catch (error) {
        if (attempt >= 20) {
          this.log.error({ err: error, dir: this.dir }, `could not remove ${this.dir}: remove it by hand`);
          return;
        }
        await this.clock.sleep(100 * attempt);
      }
    }
  }

  // Last resort: SIGKILL the postmaster and wait for it to be gone.
  private async kill(): Promise<void> {
    const pid = await this.postmasterPid();
    if (pid === null) return;
    try {
      await this.signal('KILL', pid);
    } catch {
      return; // already gone
    }
    for (let i = 0; i < 50 && (await this.isRunning()); i++) await this.clock.sleep(100);
  }

  // kill through the shell: a container image may have no kill binary, only the builtin.
  private async signal(signal: string, pid: number): Promise<void> {
    await this.runtime.system('sh', ['-c', `kill -${signal} "$1"`, 'sh', String(pid)], {
      cleanup: true,
      label: `kill -${signal}`,
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
