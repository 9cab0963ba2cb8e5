// One line on how a physical restore copied the backup, for the human-readable reports.
import type { Phase, RestoreCopy, SharedCopy } from '../run/result.ts';
import { formatBytes, formatDuration } from './format.ts';

const METHOD: Record<RestoreCopy['method'], string> = {
  reflink: 'reflink (copy-on-write, no data written)',
  full: 'full copy',
  mixed: 'partly reflinked',
};

/** e.g. "reflink (copy-on-write, no data written): 1 020 files, 41.2 MiB in 80 ms; a full copy would write 41.2 MiB, about 160 ms at 250.0 MiB/s (…)". */
export function describeCopy(copy: RestoreCopy): string {
  const what = `${METHOD[copy.method]}: ${copy.files} files, ${formatBytes(copy.bytes)}${copy.method === 'mixed' ? ` (${formatBytes(copy.bytesWritten)} written)` : ''} in ${formatDuration(copy.durationMs)}`;
  const full = copy.fullCopy;
  if (!full) return copy.method === 'full' ? what : `${what}; the cost of a full copy could not be measured`;
  const rate = `${formatBytes(full.bytesPerSecond)}/s`;
  if (copy.method === 'full') return `${what} (${rate})`;
  return `${what}; a full copy would write ${formatBytes(copy.bytes)}, about ${formatDuration(full.estimatedMs)} at ${rate} (${full.basis})`;
}

/** e.g. "target 3 of 8 replayed in turn on the copy first restored to immediate (checked read-only while paused in recovery)". */
export function describeSharedCopy(shared: SharedCopy): string {
  const how = shared.checkedInRecovery ? 'checked read-only while paused in recovery' : 'promoted for its checks';
  const where =
    shared.targets > 1
      ? `target ${shared.position} of ${shared.targets} replayed in turn on the copy first restored to ${shared.first}`
      : 'the only target its copy served (replay could not go on to the next, which went on a fresh copy)';
  return `${where} (${how})`;
}

/**
 * A phase's name, marked when it was spent once for several targets of a shared copy, and when it ran beside another
 * phase (its duration is then only the wait after that one), e.g. "pg_verifybackup (beside the copy, 630 ms in all; the wait after it)".
 */
export function phaseName(phase: Phase): string {
  const name = phase.reused ? `${phase.name} (shared)` : phase.name;
  if (!phase.alongside) return name;
  const { phase: beside, ranMs } = phase.alongside;
  return `${name} (beside the ${beside}${ranMs === undefined ? '' : `, ${formatDuration(ranMs)} in all`}; the wait after it)`;
}
