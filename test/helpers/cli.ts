// Run the real command line in a child process, as a user would.
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const NODE = `${ROOT}node_modules/.bin/node`;
export const MAIN = `${ROOT}src/cli/main.ts`;

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Run `recoverable <args>` to completion; never throws on a non-zero exit. */
export async function cli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; user?: string } = {},
): Promise<CliResult> {
  const child = startCli(args, options);
  const r = await child;
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Start `recoverable <args>` without waiting (for interruption tests). */
export function startCli(args: string[], options: { cwd?: string; env?: Record<string, string>; user?: string } = {}) {
  const command = options.user ? ['runuser', '-u', options.user, '--', NODE, MAIN, ...args] : [NODE, MAIN, ...args];
  return execa(command[0]!, command.slice(1), {
    cwd: options.cwd ?? ROOT,
    // Tests run inside a CI job too: no drill writes to that job's summary unless a test asks for it.
    env: { RECOVERABLE_LOG_LEVEL: 'info', GITHUB_ACTIONS: '', GITHUB_STEP_SUMMARY: '', ...options.env },
    reject: false,
    all: false,
  });
}
