// Faults in what a restore is asked for: a target the archive cannot reach.
import type { Fault } from '../fault.ts';
import { normalizeTarget } from '../../scenario/normalize.ts';

export const targetBeyondArchive: Fault = {
  id: 'target-beyond-archive',
  family: 'targets',
  injects: 'a recovery target time (2099-01-01) later than anything the archive holds',
  reason: /recovery ended before configured recovery target was reached/,
  caughtBy: { basebackup: 'recovery:target', snapshot: 'recovery:target' },
  injection: { stage: 'target', targets: [normalizeTarget({ time: '2099-01-01T00:00:00Z', inclusive: true })] },
};
