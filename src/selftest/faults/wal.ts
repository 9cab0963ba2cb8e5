// Faults in the WAL archive a physical backup restores from: a segment missing, overwritten, cut short, or gone from
// its own window.
import { randomBytes } from 'node:crypto';
import { copyFile, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Fault } from '../fault.ts';
import type { BackupCopy } from '../inject/backup-copy.ts';
import { isSegmentName, lsnToBigInt, nextSegment } from '../../repository/wal-names.ts';
import { normalizeTarget } from '../../scenario/normalize.ts';
import { RecoverableError } from '../../core/errors.ts';

const CONTINUITY = 'wal:continuity';
const REPLAYED_TO_END = 'wal:replayed-to-end';
const latest = normalizeTarget('latest');
const immediate = normalizeTarget('immediate');

function archiveOf(copy: BackupCopy): {
  dir: string;
  physical: NonNullable<BackupCopy['backup']['record']['physical']>;
} {
  const physical = copy.backup.record.physical;
  if (!physical || !copy.walDir)
    throw new RecoverableError('fault-not-injectable', `backup ${copy.backup.record.id} has no WAL archive`);
  return { dir: copy.walDir, physical };
}

export const walSegmentMissing: Fault = {
  id: 'wal-segment-missing',
  family: 'wal',
  injects: "the first WAL segment after the backup's stop segment removed from the archive; restored to latest",
  reason: /WAL gap: [0-9A-F]{24} missing/,
  caughtBy: { basebackup: CONTINUITY, snapshot: CONTINUITY },
  injection: {
    stage: 'archive',
    targets: [latest],
    async apply(copy) {
      const { dir, physical } = archiveOf(copy);
      const victim = nextSegment(physical.stopSegment, physical.walSegmentSize);
      await rm(join(dir, victim));
      return `${victim} removed (stop segment ${physical.stopSegment})`;
    },
  },
};

export const walSegmentCorrupt: Fault = {
  id: 'wal-segment-corrupt',
  family: 'wal',
  injects: 'the newest archived WAL segment overwritten with random bytes of the same size; restored to latest',
  reason: /not this cluster's/,
  caughtBy: { basebackup: CONTINUITY, snapshot: CONTINUITY },
  injection: {
    stage: 'archive',
    targets: [latest],
    async apply(copy) {
      const { dir } = archiveOf(copy);
      const victim =
        copy.history?.end.lastSegment ??
        (await readdir(dir))
          .filter((n) => isSegmentName(n))
          .sort()
          .at(-1);
      if (!victim) throw new RecoverableError('fault-not-injectable', `the archive ${dir} holds no segment`);
      const size = (await stat(join(dir, victim))).size;
      await writeFile(join(dir, victim), randomBytes(size));
      return `${victim} overwritten with ${size} random bytes`;
    },
  },
};

export const walSegmentTailZeroed: Fault = {
  id: 'wal-segment-tail-zeroed',
  family: 'wal',
  injects:
    "the backup's stop segment zeroed from where the backup ends (its header and the backup's own WAL intact), with WAL archived after it; restored to latest",
  reason: /although the archive holds WAL up to/,
  caughtBy: { basebackup: REPLAYED_TO_END, snapshot: REPLAYED_TO_END },
  injection: {
    stage: 'archive',
    targets: [latest],
    async apply(copy) {
      const { dir, physical } = archiveOf(copy);
      const victim = physical.stopSegment;
      const later = (await readdir(dir)).filter((n) => isSegmentName(n) && n > victim);
      // Nothing archived after the stop segment: a quiet end of replay there would lose nothing to catch.
      if (!later.length)
        throw new RecoverableError('fault-not-injectable', `the archive ${dir} holds no segment after ${victim}`);
      const size = (await stat(join(dir, victim))).size;
      const from = Number(lsnToBigInt(physical.stopLsn) % BigInt(size));
      const handle = await open(join(dir, victim), 'r+');
      try {
        await handle.write(Buffer.alloc(size - from), 0, size - from, from);
      } finally {
        await handle.close();
      }
      return `${victim} zeroed from byte ${from} (the backup's end, ${physical.stopLsn}); ${later.length} segment(s) archived after it`;
    },
  },
};

export const walFork: Fault = {
  id: 'wal-fork',
  family: 'wal',
  injects:
    'a timeline 2 branched off where the backup ends (its history file and its copies of the segments from there), while timeline 1 goes on past that segment, as a clone promoted into the same archive leaves it; restored to latest',
  reason: /WAL forks: .*timeline 1 goes on past/,
  caughtBy: { basebackup: CONTINUITY, snapshot: CONTINUITY },
  injection: {
    stage: 'archive',
    targets: [latest],
    async apply(copy) {
      const { dir, physical } = archiveOf(copy);
      if (physical.timeline !== 1)
        throw new RecoverableError('fault-not-injectable', `the backup is on timeline ${physical.timeline}, not 1`);
      const names = await readdir(dir);
      const branched = names.filter((n) => isSegmentName(n) && n.startsWith('00000001') && n >= physical.stopSegment);
      if (!branched.some((n) => n > physical.stopSegment))
        throw new RecoverableError(
          'fault-not-injectable',
          `the archive ${dir} holds no segment after ${physical.stopSegment}`,
        );
      await writeFile(join(dir, '00000002.history'), `1\t${physical.stopLsn}\tno recovery target specified\n`);
      for (const name of branched) await copyFile(join(dir, name), join(dir, `00000002${name.slice(8)}`));
      return `timeline 2 branched at ${physical.stopLsn} with ${branched.length} segment(s); timeline 1 goes on to ${branched.at(-1)}`;
    },
  },
};

export const walWindowMissing: Fault = {
  id: 'wal-window-missing',
  family: 'wal',
  injects:
    "the backup's start segment (WAL written while the backup ran) removed from the archive; restored to immediate",
  reason: /unusable from the archive alone/,
  caughtBy: { basebackup: CONTINUITY, snapshot: CONTINUITY },
  injection: {
    stage: 'archive',
    targets: [immediate],
    async apply(copy) {
      const { dir, physical } = archiveOf(copy);
      await rm(join(dir, physical.startSegment));
      return `${physical.startSegment} removed (the backup ran from it to ${physical.stopSegment})`;
    },
  },
};
