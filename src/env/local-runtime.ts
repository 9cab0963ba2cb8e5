// The local runtime: PostgreSQL binaries found on this machine; as root, servers run as `postgres`.
import { existsSync } from 'node:fs';
import { chown } from 'node:fs/promises';
import { configuredWorkRoot } from './work-root.ts';
import { run, type RunResult } from '../core/exec.ts';
import { clusterOsUser, type OsUser } from '../core/os-user.ts';
import { tool, type PgBin } from './binaries.ts';
import type { Runtime, ToolOptions } from './runtime.ts';

export class LocalRuntime implements Runtime {
  readonly kind = 'local' as const;
  readonly bin: PgBin;
  readonly clusterUser: OsUser | null;

  constructor(bin: PgBin) {
    this.bin = bin;
    this.clusterUser = clusterOsUser();
  }

  get major(): number {
    return this.bin.major;
  }

  get version(): string {
    return this.bin.version;
  }

  has(name: string): boolean {
    return existsSync(tool(this.bin, name));
  }

  tool(name: string, args: readonly string[], options: ToolOptions = {}): Promise<RunResult> {
    return run(tool(this.bin, name), args, {
      ...common(options),
      user: options.asClusterUser ? this.clusterUser : null,
      label: options.label ?? name,
    });
  }

  system(file: string, args: readonly string[], options: ToolOptions = {}): Promise<RunResult> {
    return run(file, args, { ...common(options), label: options.label ?? file });
  }

  async adopt(path: string, recursive = false): Promise<void> {
    const user = this.clusterUser;
    if (!user) return;
    if (recursive) await run('chown', ['-R', '-h', `${user.uid}:${user.gid}`, path], { label: 'chown' });
    else await chown(path, user.uid, user.gid);
  }

  workRoot(): string {
    return configuredWorkRoot();
  }

  describe(): string {
    return `local PostgreSQL ${this.bin.version} (${this.bin.dir})`;
  }
}

// Options run() understands, without the runtime-only ones.
function common(options: ToolOptions): {
  env?: Record<string, string>;
  input?: string;
  detached?: boolean;
  cleanup?: boolean;
  cwd?: string;
} {
  return {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.input !== undefined ? { input: options.input } : {}),
    ...(options.detached ? { detached: true } : {}),
    ...(options.cleanup ? { cleanup: true } : {}),
  };
}
