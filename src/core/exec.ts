// Run external commands (PostgreSQL tools) with one rich error on failure.
// node:child_process directly: a process wrapper library cost every command ~60 ms of module loading.
import { spawn, type ChildProcess } from 'node:child_process';
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

/** Output kept per stream; more fails the command rather than exhaust memory. */
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;
/** A command stopped (timeout, Ctrl-C) but still alive this long after SIGTERM gets SIGKILL. */
const FORCE_KILL_AFTER_MS = 5_000;

/** Run a command to completion; a non-zero exit throws ToolError carrying the stderr tail. */
export async function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const label = options.label ?? file.split('/').pop() ?? file;
  const ended = await runChild(file, args, options);
  const durationMs = performance.now() - started;
  if (ended.failure !== null) {
    if (!options.cleanup && interruption.signal.aborted) throw new InterruptedError(interruption.reason ?? 'SIGINT');
    throw new ToolError({
      command: label,
      exitCode: ended.exitCode,
      // Output cut at the limit would bury why: the limit is the message then.
      stderrTail: tailLines(ended.overflowed ? ended.failure : ended.stderr || ended.stdout || ended.failure),
      durationMs,
      signal: ended.signal,
      stderr: ended.stderr,
      stdout: ended.stdout,
    });
  }
  return { stdout: ended.stdout, stderr: ended.stderr, durationMs };
}

/** How a child ended: its output, exit code or signal, and why it failed (null when it exited 0). */
interface ChildEnd {
  stdout: string;
  stderr: string;
  exitCode: number | undefined;
  signal: string | undefined;
  failure: string | null;
  /** Stopped for printing more than MAX_OUTPUT_BYTES on a stream. */
  overflowed: boolean;
}

// Children that die with this process unless detached (a crash or process.exit must not orphan a running tool).
const attached = new Set<ChildProcess>();
let exitHookInstalled = false;

function killAttachedOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of attached) child.kill();
  });
}

// Spawn, collect stdout and stderr, stop the child on timeout or Ctrl-C (SIGTERM, then SIGKILL), never reject.
function runChild(file: string, args: readonly string[], options: RunOptions): Promise<ChildEnd> {
  const commandLine = [file, ...args].join(' ');
  return new Promise<ChildEnd>((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        detached: options.detached ?? false,
        stdio: ['pipe', 'pipe', 'pipe'],
        ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
      });
    } catch (error) {
      const failure = spawnFailure(file, error);
      resolve({ stdout: '', stderr: '', exitCode: undefined, signal: undefined, failure, overflowed: false });
      return;
    }
    let failure: string | null = null;
    let overflowed = false;
    let forceKill: NodeJS.Timeout | undefined;
    const stop = (why: string): void => {
      failure ??= why;
      child.kill('SIGTERM');
      forceKill ??= setTimeout(() => child.kill('SIGKILL'), FORCE_KILL_AFTER_MS);
    };
    const overflow = (stream: string) => (): void => {
      overflowed = failure === null;
      stop(`Command's ${stream} exceeded ${MAX_OUTPUT_BYTES} bytes: ${commandLine}`);
    };
    const stdout = collect(child.stdout!, overflow('stdout'));
    const stderr = collect(child.stderr!, overflow('stderr'));
    // A child that exits without reading its input closes the pipe: that is its exit's business, not an error here.
    child.stdin!.on('error', () => undefined);
    if (options.input !== undefined) child.stdin!.end(options.input);
    if (!options.detached) {
      attached.add(child);
      killAttachedOnExit();
    }
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(
            () => stop(`Command timed out after ${options.timeoutMs} milliseconds: ${commandLine}`),
            options.timeoutMs,
          );
    const cancel = options.cleanup ? null : interruption.signal;
    const onCancel = (): void => stop(`Command was canceled: ${commandLine}`);
    if (cancel?.aborted) onCancel();
    else cancel?.addEventListener('abort', onCancel, { once: true });
    let settled = false;
    const settle = (exitCode: number | undefined, signal: string | undefined, why: string | null): void => {
      if (settled) return;
      settled = true;
      attached.delete(child);
      clearTimeout(timer);
      clearTimeout(forceKill);
      cancel?.removeEventListener('abort', onCancel);
      resolve({ stdout: stdout.text(), stderr: stderr.text(), exitCode, signal, failure: why, overflowed });
    };
    // Spawning failed (ENOENT, EACCES): no process ever ran.
    child.on('error', (error) => {
      if (child.pid === undefined) settle(undefined, undefined, spawnFailure(file, error));
    });
    // 'close' comes after the exit and the end of both outputs.
    child.once('close', (code, signal) => {
      const exitCode = code ?? undefined;
      const killedBy = signal ?? undefined;
      const why =
        failure ??
        (killedBy
          ? `Command was killed with ${killedBy}: ${commandLine}`
          : exitCode !== 0
            ? `Command failed with exit code ${exitCode}: ${commandLine}`
            : null);
      settle(exitCode, killedBy, why);
    });
  });
}

// One output stream, kept whole up to MAX_OUTPUT_BYTES; `overflow` is called once when it goes past.
function collect(stream: NodeJS.ReadableStream, overflow: () => void): { text: () => string } {
  const chunks: Buffer[] = [];
  let bytes = 0;
  let over = false;
  stream.on('data', (chunk: Buffer) => {
    if (over) return;
    bytes += chunk.length;
    if (bytes > MAX_OUTPUT_BYTES) {
      over = true;
      overflow();
      return;
    }
    chunks.push(chunk);
  });
  return { text: () => Buffer.concat(chunks).toString('utf8') };
}

function spawnFailure(file: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return `Command failed${code ? ` with ${code}` : ''}: ${file}\n${(error as Error).message}`;
}
