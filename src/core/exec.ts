// Run external commands (PostgreSQL tools) with one rich error on failure.
import { execa, type Options, type ResultPromise } from 'execa';
import { ToolError, tailLines, InterruptedError } from './errors.ts';
import type { OsUser } from './os-user.ts';
import { interruption } from './interrupt.ts';

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Run as this OS user (PostgreSQL refuses root). */
  user?: OsUser | null;
  input?: string;
  timeoutMs?: number;
  /** Detach into its own process group (servers that must outlive a Ctrl-C until we stop them). */
  detached?: boolean;
  /** A short name for messages, defaults to the binary's base name. */
  label?: string;
  /** Cleanup commands must run even after Ctrl-C: they are not cancelled by the interruption. */
  cleanup?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Run a command to completion; a non-zero exit throws ToolError carrying the stderr tail. */
export async function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const label = options.label ?? file.split('/').pop() ?? file;
  const child = execa(file, args, toExecaOptions(options));
  const result = await child;
  const durationMs = performance.now() - started;
  if (result.failed) {
    if (!options.cleanup && interruption.signal.aborted) throw new InterruptedError(interruption.reason ?? 'SIGINT');
    throw new ToolError({
      command: label,
      exitCode: result.exitCode,
      stderrTail: tailLines(String(result.stderr ?? '') || String(result.stdout ?? '') || (result.shortMessage ?? '')),
      durationMs,
      signal: result.signal,
      stderr: String(result.stderr ?? ''),
      stdout: String(result.stdout ?? ''),
    });
  }
  return { stdout: String(result.stdout), stderr: String(result.stderr), durationMs };
}

/** Start a command without waiting (e.g. a streaming pipeline); the caller awaits it. */
export function spawn(file: string, args: readonly string[], options: RunOptions = {}): ResultPromise {
  return execa(file, args, { ...toExecaOptions(options), reject: true });
}

function toExecaOptions(options: RunOptions): Options {
  const env: Record<string, string> = { ...options.env };
  return {
    cwd: options.cwd,
    env,
    extendEnv: true,
    reject: false,
    stripFinalNewline: false,
    input: options.input,
    timeout: options.timeoutMs,
    detached: options.detached ?? false,
    cancelSignal: options.cleanup ? undefined : interruption.signal,
    uid: options.user?.uid,
    gid: options.user?.gid,
    maxBuffer: 256 * 1024 * 1024,
  } as Options;
}
