// Run the archive_command a managed source uses, as its server would, on one segment.
import type { Runtime } from '../../env/runtime.ts';
import { ToolError } from '../../core/errors.ts';
import { archiveCommand, containerArchiveCommand } from '../../source/archive-command.ts';

/** The command line a server substitutes for one file: %p the path, %f the name, %% a percent sign. */
export function expandArchiveCommand(command: string, path: string, name: string): string {
  return command.replace(/%([pf%])/g, (_, key: string) => (key === 'p' ? path : key === 'f' ? name : '%'));
}

/** How the archive command ended: accepted (exit 0) or refused, with what it printed. */
export interface ArchiveAttempt {
  accepted: boolean;
  exitCode: number | undefined;
  output: string;
}

/** Archive `path` as `name` into `repository` with the command a managed source in `runtime` is configured with. */
export async function archiveAsServer(
  runtime: Runtime,
  repository: string,
  system: string,
  path: string,
  name: string,
): Promise<ArchiveAttempt> {
  const command =
    runtime.kind === 'local' ? archiveCommand(repository, system) : containerArchiveCommand(repository, system);
  try {
    const { stdout, stderr } = await runtime.system('sh', ['-c', expandArchiveCommand(command, path, name)], {
      label: 'archive_command',
    });
    return { accepted: true, exitCode: 0, output: `${stderr}${stdout}`.trim() };
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    return { accepted: false, exitCode: error.toolExitCode, output: `${error.stderr}${error.stdout}`.trim() };
  }
}
