// `recoverable verify-wal --from <segment>`: is every segment from there on (or to --to) in the repository's archive?
import { UsageError } from '../core/errors.ts';
import { WalArchive } from '../repository/wal-archive.ts';
import { verifyWalContinuity, type WalContinuityOptions } from '../repository/wal-continuity.ts';
import { DEFAULT_WAL_SEGMENT_SIZE, isSegmentName } from '../repository/wal-names.ts';
import { keyFileOption, repositoryOption, systemOption } from './archive-wal.ts';
import type { CommandContext } from './context.ts';

export async function handler(args: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const system = systemOption(args);
  const root = repositoryOption(args, ctx.cwd);
  // The key decrypts timeline history files; segments are judged by name.
  const key = keyFileOption(args, ctx.cwd, root);
  const archive = system ? WalArchive.forSystem(root, system, { key }) : new WalArchive(root, undefined, { key });
  const options: WalContinuityOptions = { startSegment: String(args.from), segSize: await segmentSize(archive) };
  if (typeof args.to === 'string') options.endSegment = args.to;
  if (args.timeline !== undefined) options.timeline = timelineOption(args.timeline);
  const result = await verifyWalContinuity(archive, options);
  process.stdout.write(`${result.message}\n`);
  return result.ok ? 0 : 1;
}

// Every complete segment is exactly wal_segment_size bytes: read it off the first one archived (a damaged one: the default).
async function segmentSize(archive: WalArchive): Promise<number> {
  const first = (await archive.list()).find(isSegmentName);
  const size = first ? await archive.size(first) : null;
  return size !== null && size >= 1024 * 1024 && (size & (size - 1)) === 0 ? size : DEFAULT_WAL_SEGMENT_SIZE;
}

function timelineOption(value: unknown): number {
  const timeline = Number(value);
  if (!Number.isInteger(timeline) || timeline < 1)
    throw new UsageError(`--timeline must be a positive integer, not "${String(value)}"`);
  return timeline;
}
