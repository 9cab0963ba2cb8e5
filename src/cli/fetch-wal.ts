// `recoverable fetch-wal <name> <path>`: PostgreSQL's restore_command; exit 1 without a word when the file is not archived.
import { resolve } from 'node:path';
import { WalArchive } from '../repository/wal-archive.ts';
import { keyFileOption, repositoryOption, systemOption } from './archive-wal.ts';
import type { CommandContext } from './context.ts';

// The server asks for files that may not exist (the next segment, `.history` of timelines to come): that is exit 1, not an error.
export async function handler(args: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const system = systemOption(args);
  const root = repositoryOption(args, ctx.cwd);
  const key = keyFileOption(args, ctx.cwd, root);
  const archive = system ? WalArchive.forSystem(root, system, { key }) : new WalArchive(root, undefined, { key });
  return (await archive.fetch(String(args.name), resolve(ctx.cwd, String(args.path)))) ? 0 : 1;
}
