// `recoverable archive-wal <path> <name>`: PostgreSQL's archive_command; silent on success, exit 1 on a conflict.
import { resolve } from 'node:path';
import { UsageError } from '../core/errors.ts';
import { WalArchive } from '../repository/wal-archive.ts';
import { loadKey, type RepositoryKey } from '../repository/cipher/key.ts';
import type { CommandContext } from './context.ts';

// Kept tiny: the server runs this once per segment, so start-up time is archiving latency.
export async function handler(args: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const root = repositoryOption(args, ctx.cwd);
  const archive = new WalArchive(root, systemOption(args), { key: keyFileOption(args, ctx.cwd, root) });
  await archive.archive(resolve(ctx.cwd, String(args.path)), String(args.name));
  return 0;
}

/** `--key-file <path>`: the repository's encryption key (64 hex digits); the key itself never goes on a command line. */
export function keyFileOption(args: Record<string, unknown>, cwd: string, repository: string): RepositoryKey | null {
  const value = args['key-file'];
  if (value === undefined || value === '') return null;
  return loadKey({ file: resolve(cwd, String(value)) }, repository);
}

/** The repository directory from `--repository`, else RECOVERABLE_REPOSITORY (archive_command/restore_command). */
export function repositoryOption(
  args: Record<string, unknown>,
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const value =
    typeof args.repository === 'string' && args.repository !== '' ? args.repository : env.RECOVERABLE_REPOSITORY;
  if (!value)
    throw new UsageError('no repository: pass --repository <dir> or set RECOVERABLE_REPOSITORY', {
      hint: "e.g. archive_command = 'recoverable archive-wal %p %f --repository /var/lib/recoverable/repo'",
    });
  return resolve(cwd, value);
}

/** `--system <id>`: the cluster's own WAL directory inside the repository. */
export function systemOption(args: Record<string, unknown>): string | undefined {
  const value = args.system;
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(String(value)))
    throw new UsageError(`--system must be a database system identifier (digits), got "${String(value)}"`, {
      hint: 'see pg_controldata: "Database system identifier"',
    });
  return String(value);
}
