// Where a disposable cluster's PostgreSQL tools run: this machine's binaries, or a container's.
import type { RunResult } from '../core/exec.ts';
import type { OsUser } from '../core/os-user.ts';

export interface ToolOptions {
  env?: Record<string, string>;
  input?: string;
  label?: string;
  /** Servers started by pg_ctl must outlive a Ctrl-C until we stop them. */
  detached?: boolean;
  /** Cleanup commands still run after an interruption. */
  cleanup?: boolean;
  /** Server-side tools (initdb, pg_ctl, pg_checksums) run as the cluster's user. */
  asClusterUser?: boolean;
  /** Working directory (pg_upgrade writes its scripts there); the tools' default otherwise. */
  cwd?: string;
}

/** One PostgreSQL major's tools and the place they run; clusters and restores go through it. */
export interface Runtime {
  readonly kind: 'local' | 'docker';
  readonly major: number;
  /** e.g. "15.18". */
  readonly version: string;
  /** The user that owns data directories and runs servers (null: the invoking user). */
  readonly clusterUser: OsUser | null;
  /** Whether the runtime has this PostgreSQL tool. */
  has(tool: string): boolean;
  /** Run a PostgreSQL tool of this runtime's version. */
  tool(name: string, args: readonly string[], options?: ToolOptions): Promise<RunResult>;
  /** Run a system command (cp, kill) where the data lives; privileged where the runtime can be. */
  system(file: string, args: readonly string[], options?: ToolOptions): Promise<RunResult>;
  /** Give `path` (and, if asked, everything under it) to the cluster user. */
  adopt(path: string, recursive?: boolean): Promise<void>;
  /** Directory under which private cluster directories are made (visible at the same path to the tools). */
  workRoot(): string;
  /** One line for logs and reports, e.g. "local PostgreSQL 15.18 (/usr/lib/postgresql/15/bin)". */
  describe(): string;
}

/** The tools a container runtime's `has()` answers for, looked up once when it starts (by PATH, or in a pinned major's bin directory). */
export const CONTAINER_TOOLS = [
  'initdb',
  'pg_ctl',
  'postgres',
  'psql',
  'pg_dump',
  'pg_dumpall',
  'pg_restore',
  'pg_amcheck',
  'pg_checksums',
  'pg_verifybackup',
  'pg_waldump',
  'pg_controldata',
  'pg_upgrade',
  'pg_basebackup',
];
