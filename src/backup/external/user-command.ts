// The user's own commands (a snapshot's restoreCommand, another tool's restore): inputs as environment variables only.
import { run } from '../../core/exec.ts';
import { RecoverableError, ToolError, tailLines } from '../../core/errors.ts';
import { redactSecrets } from '../../core/redact.ts';

/** The user's command exited badly: the drill fails naming the command, its exit code and its stderr (redacted). */
export class UserCommandError extends RecoverableError {
  /** What the command printed last on stderr (or stdout), secrets masked. */
  readonly stderrTail: string;
  readonly commandExitCode: number | undefined;

  constructor(what: string, error: ToolError, timeoutMs: number) {
    const tail = redactSecrets(tailLines(error.stderr.trim() || error.stdout.trim() || error.stderrTail, 6)).trim();
    const timedOut = error.toolExitCode === undefined && error.durationMs >= timeoutMs;
    const how = timedOut
      ? `did not finish within ${timeoutMs / 1000} s and was killed`
      : error.toolExitCode === undefined
        ? 'was killed'
        : `exited with code ${error.toolExitCode}`;
    super('user-command-failed', `${what} ${how}${tail ? `: ${tail}` : ''}`, {
      cause: error,
      hint: 'run the command by hand with the same environment variables to see why',
    });
    this.stderrTail = tail;
    this.commandExitCode = error.toolExitCode;
  }
}

/** Run `command` with `sh -c`, its inputs in `env` (never spliced into the string); a failure is a {@link UserCommandError}. */
export async function runUserCommand(
  what: string,
  command: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<void> {
  try {
    await run('sh', ['-c', command], { env, timeoutMs, label: what });
  } catch (error) {
    if (error instanceof ToolError) throw new UserCommandError(what, error, timeoutMs);
    throw error;
  }
}
