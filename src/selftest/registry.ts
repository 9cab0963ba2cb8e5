// Every fault the self-test injects, and the choice of which to run.
import { UsageError } from '../core/errors.ts';
import { appliesTo, type BackupMethod, type EnvironmentKind, type Fault } from './fault.ts';
import { dumpTampered, dumpTruncated, rolesMissing } from './faults/dump-files.ts';
import { walFork, walSegmentCorrupt, walSegmentMissing, walSegmentTailZeroed, walWindowMissing } from './faults/wal.ts';
import { archiveOverwrite } from './faults/archiving.ts';
import { backupFileTampered, backupLabelDeleted, backupLabelEdited, standbySignal } from './faults/physical-files.ts';
import { tablespaceMapMissing, tablespaceMissing } from './faults/tablespaces.ts';
import { heapPageCorrupt, indexPageCorrupt } from './faults/pages.ts';
import { aliasColumnRowChanged } from './faults/rows.ts';
import { targetBeyondArchive } from './faults/targets.ts';
import { tablePermissionDenied, tableUnreadable } from './faults/source.ts';
import {
  databaseSettingLost,
  functionBodyChanged,
  indexPredicateChanged,
  roleMembershipLost,
  viewDefinitionChanged,
} from './faults/definitions.ts';
import { expectationsMissing, foreignBackup, historyMissing, signedManifestTampered } from './faults/evidence.ts';

/** Every registered fault, in the order the matrix lists them: by stage, from the source to the restored cluster. */
export const FAULTS: readonly Fault[] = [
  tableUnreadable,
  tablePermissionDenied,
  foreignBackup,
  dumpTruncated,
  dumpTampered,
  rolesMissing,
  historyMissing,
  expectationsMissing,
  signedManifestTampered,
  backupFileTampered,
  backupLabelDeleted,
  backupLabelEdited,
  standbySignal,
  tablespaceMapMissing,
  tablespaceMissing,
  walSegmentMissing,
  walSegmentCorrupt,
  walSegmentTailZeroed,
  walFork,
  walWindowMissing,
  archiveOverwrite,
  targetBeyondArchive,
  heapPageCorrupt,
  indexPageCorrupt,
  aliasColumnRowChanged,
  viewDefinitionChanged,
  functionBodyChanged,
  indexPredicateChanged,
  databaseSettingLost,
  roleMembershipLost,
];

/**
 * The faults to run for `method` in `environment`, all of them or only those named (in registry order). Names are
 * checked by the caller with {@link checkFaultNames} first.
 */
export function faultsFor(method: BackupMethod, environment: EnvironmentKind, only?: readonly string[]): Fault[] {
  return FAULTS.filter((f) => appliesTo(f, method, environment) && (!only || only.includes(f.id)));
}

/** Refuse unknown names (listing the known ones) and names that apply to none of the chosen methods here. */
export function checkFaultNames(
  only: readonly string[],
  methods: readonly BackupMethod[],
  environment: EnvironmentKind,
): void {
  const known = FAULTS.map((f) => f.id);
  const unknown = only.filter((name) => !known.includes(name));
  if (unknown.length) {
    throw new UsageError(`unknown fault${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, {
      hint: `known faults: ${known.join(', ')}`,
    });
  }
  const idle = only.filter(
    (name) =>
      !methods.some((m) =>
        appliesTo(
          FAULTS.find((f) => f.id === name)!,
          m,
          environment,
        ),
      ),
  );
  if (idle.length) {
    const where = (name: string): string => {
      const fault = FAULTS.find((f) => f.id === name)!;
      return `${name} applies to ${Object.keys(fault.caughtBy).join(', ')}${fault.environments ? ` in ${fault.environments.join(', ')}` : ''}`;
    };
    throw new UsageError(
      `no chosen method (${methods.join(', ')}, ${environment}) has fault${idle.length > 1 ? 's' : ''} ${idle.join(', ')}`,
      { hint: `${idle.map(where).join('; ')}: pick a --method it applies to` },
    );
  }
}
