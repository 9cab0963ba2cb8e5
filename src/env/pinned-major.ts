// One PostgreSQL major of an image that holds several: its tools by their full path, the container shared.
import { join } from 'node:path';
import { EnvironmentError, ToolError } from '../core/errors.ts';
import type { RunResult } from '../core/exec.ts';
import type { OsUser } from '../core/os-user.ts';
import { CONTAINER_TOOLS, type Runtime, type ToolOptions } from './runtime.ts';

/** Where Debian and the official images install a major's binaries. */
export function majorBinDir(major: number): string {
  return `/usr/lib/postgresql/${major}/bin`;
}

/**
 * A Runtime for `major` inside another runtime's container (an image holding two majors for pg_upgrade): tools run
 * from `/usr/lib/postgresql/<major>/bin`, whatever PATH finds first; files, users and the work root are the base's.
 * Exit 3 when the image lacks that major's server.
 */
export async function pinMajor(base: Runtime, major: number, image: string): Promise<Runtime> {
  const dir = majorBinDir(major);
  const script = `"${dir}/postgres" --version; for t in ${CONTAINER_TOOLS.join(' ')}; do [ -x "${dir}/$t" ] && echo "tool $t"; done; true`;
  let out: RunResult;
  try {
    out = await base.system('sh', ['-c', script], { label: `PostgreSQL ${major} in ${image}` });
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    out = { stdout: error.stdout ?? '', stderr: error.stderr ?? '', durationMs: 0 };
  }
  const lines = out.stdout.split('\n');
  const match = /\(PostgreSQL\) (\d+)(?:\.(\d+))?/.exec(lines[0] ?? '');
  if (!match || Number(match[1]) !== major) {
    throw new EnvironmentError(
      'docker-image-unusable',
      `image ${image} has no PostgreSQL ${major} server in ${dir}: ${(out.stderr || out.stdout).trim().split('\n').slice(-2).join(' | ') || 'nothing there'}`,
      {
        hint: `a pg_upgrade rehearsal needs an image holding both majors: build one with .ci/pg-images.sh (recoverable/postgres:<from>-<to>, see the README's "pg_upgrade rehearsals"), or set restore.image to such an image`,
      },
    );
  }
  const tools = new Set(lines.filter((l) => l.startsWith('tool ')).map((l) => l.slice(5)));
  return new PinnedMajorRuntime(base, major, `${match[1]}.${match[2] ?? '0'}`, dir, tools, image);
}

/** A Runtime for one major of a multi-major image; `binDir` is where its tools are. */
export class PinnedMajorRuntime implements Runtime {
  readonly kind: Runtime['kind'];
  readonly major: number;
  readonly version: string;
  private readonly base: Runtime;
  /** The major's bin directory inside the container. */
  readonly binDir: string;
  private readonly tools: Set<string>;
  private readonly image: string;

  constructor(base: Runtime, major: number, version: string, dir: string, tools: Set<string>, image: string) {
    this.kind = base.kind;
    this.base = base;
    this.major = major;
    this.version = version;
    this.binDir = dir;
    this.tools = tools;
    this.image = image;
  }

  get clusterUser(): OsUser | null {
    return this.base.clusterUser;
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  tool(name: string, args: readonly string[], options: ToolOptions = {}): Promise<RunResult> {
    return this.base.tool(join(this.binDir, name), args, { ...options, label: options.label ?? name });
  }

  system(file: string, args: readonly string[], options?: ToolOptions): Promise<RunResult> {
    return this.base.system(file, args, options);
  }

  adopt(path: string, recursive?: boolean): Promise<void> {
    return this.base.adopt(path, recursive);
  }

  workRoot(): string {
    return this.base.workRoot();
  }

  describe(): string {
    return `docker ${this.image} (PostgreSQL ${this.version}, ${this.binDir})`;
  }
}
