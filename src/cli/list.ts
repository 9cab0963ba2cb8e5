// `recoverable list <scenario>`: the backups in the repository, oldest first, and whether each one's WAL is all archived.
import { loadScenario } from '../scenario/load.ts';
import type { LocalRepository, StoredBackup } from '../repository/local-repository.ts';
import {
  describeIdentity,
  identityDifferences,
  recordIdentity,
  scenarioIdentity,
} from '../repository/source-identity.ts';
import { readHistory } from '../repository/history.ts';
import { WalArchive } from '../repository/wal-archive.ts';
import { openRepository } from '../repository/open-repository.ts';
import { verifyWalContinuity, type WalContinuity } from '../repository/wal-continuity.ts';
import { isSegmentName, parseSegmentName } from '../repository/wal-names.ts';
import type { PhysicalDetails } from '../repository/backup-record.ts';
import { formatBytes, formatDuration } from '../report/format.ts';
import type { CommandContext } from './context.ts';

/** The WAL a physical or snapshot backup reads, and whether the archive holds all of it. */
export interface WalStatus {
  /** The archive directory read (`wal/<system>/` or the flat `wal/`). */
  archive: string;
  startSegment: string;
  stopSegment: string;
  /** The last segment recorded by markers after the backup (its history), when there is one. */
  historyEndSegment: string | null;
  /** The newest complete segment in the archive (what restoring to latest reaches). */
  archiveLastSegment: string | null;
  /** Every segment from the start to the archive's end (and at least to the stop and history end) is archived. */
  continuous: boolean;
  missing: string[];
  message: string;
}

export async function handler(args: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const scenario = await loadScenario(String(args.scenario), { cwd: ctx.cwd });
  // With the scenario's key, encrypted histories and timeline files are read too (the records never need it).
  const repo = openRepository(scenario);
  // The scenario's backups (as prune scopes them); the repository may be shared with other scenarios.
  const identity = scenarioIdentity(scenario);
  const all = await repo.list();
  const backups = all.filter((b) => b.record.scenario === scenario.name);
  // What backup.use would refuse: taken by this scenario's name but of another source or method.
  const foreign = backups.map((b) => identityDifferences(identity, recordIdentity(b.record)));
  const statuses: Array<WalStatus | null> = [];
  for (const backup of backups) statuses.push(await walStatus(repo, backup));
  if (args.json) {
    const listed = backups.map((b, i) => ({
      ...b.record,
      restorable: foreign[i]!.length === 0,
      ...(foreign[i]!.length ? { otherSource: foreign[i] } : {}),
      wal: statuses[i] ?? null,
    }));
    process.stdout.write(`${JSON.stringify(listed, null, 2)}\n`);
    return 0;
  }
  const lines =
    backups.length === 0
      ? [`no backups of ${describeIdentity(identity)} in ${scenario.repository}`]
      : renderList(backups, statuses, foreign);
  const others = otherScenarios(all.filter((b) => b.record.scenario !== scenario.name));
  for (const line of others ? [...lines, others] : lines) process.stdout.write(`${line}\n`);
  return 0;
}

// One line counting the backups of other scenarios in the repository, or null when there are none.
function otherScenarios(others: readonly StoredBackup[]): string | null {
  if (others.length === 0) return null;
  const counts = new Map<string, number>();
  for (const b of others) counts.set(b.record.scenario, (counts.get(b.record.scenario) ?? 0) + 1);
  const named = [...counts].map(([name, n]) => `${name}: ${n}`).join(', ');
  return `not shown: ${others.length} backup${others.length === 1 ? '' : 's'} of other scenarios (${named}); this scenario never restores them`;
}

/** A table of backups; physical ones get a second line with their WAL range and its state, another source's a line saying so. */
export function renderList(
  backups: readonly StoredBackup[],
  statuses: ReadonlyArray<WalStatus | null>,
  foreign: ReadonlyArray<readonly string[]> = [],
): string[] {
  const rows = backups.map((b) => [
    b.record.id,
    b.record.method,
    `PostgreSQL ${b.record.source.serverVersion}`,
    b.record.startedAt,
    formatBytes(b.record.sizeBytes),
    formatDuration(b.record.durationMs),
  ]);
  const header = ['id', 'method', 'source', 'taken', 'size', 'took'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (row: string[]): string =>
    row
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const lines = [line(header)];
  rows.forEach((row, i) => {
    lines.push(line(row));
    const other = foreign[i] ?? [];
    if (other.length) lines.push(`  another source (backup.use never picks it): ${other.join('; ')}`);
    const incremental = backups[i]!.record.physical?.incremental;
    if (incremental)
      lines.push(
        `  incremental on ${incremental.parent} (restores as ${[...incremental.chain, backups[i]!.record.id].join(' ← ')} through pg_combinebackup)`,
      );
    const status = statuses[i];
    if (status)
      lines.push(
        `  WAL ${status.startSegment} → ${status.stopSegment}, archive ${status.archive} ends at ${status.archiveLastSegment ?? '(empty)'}: ${status.continuous ? 'all present' : 'INCOMPLETE'} (${status.message})`,
      );
  });
  return lines;
}

// Continuity from the start segment to the end of the archive (PITR to latest), and at least to what the backup promises.
async function walStatus(repo: LocalRepository, backup: StoredBackup): Promise<WalStatus | null> {
  const physical = backup.record.physical;
  // Another tool's backup replays from that tool's archive, which Recoverable does not read.
  if (!physical || backup.record.external) return null;
  const archive = WalArchive.forSystem(repo.root, physical.systemIdentifier, { key: repo.key });
  // A history that is missing or altered is reported, never read as "no markers".
  const history = await readHistory(repo, backup).then(
    (h) => ({ h, problem: null }),
    (error: Error) => ({ h: null, problem: error.message }),
  );
  const promised = history.h?.end.lastSegment ?? physical.stopSegment;
  const status: WalStatus = {
    archive: archive.dir,
    startSegment: physical.startSegment,
    stopSegment: physical.stopSegment,
    historyEndSegment: history.h?.end.lastSegment ?? null,
    archiveLastSegment: lastSegment(await archive.list(), physical.walSegmentSize),
    continuous: false,
    missing: [],
    message: '',
  };
  const checks = [await continuity(archive, physical, promised), await continuity(archive, physical, undefined)];
  status.continuous = checks.every((c) => c.ok) && history.problem === null;
  status.missing = [...new Set(checks.flatMap((c) => c.missing))];
  status.message = [history.problem, (checks.find((c) => !c.ok) ?? checks[1]!).message]
    .filter((m) => m !== null)
    .join('; ');
  return status;
}

// One continuity check; a check that cannot run (bad names, unreadable history) counts as not continuous.
async function continuity(
  archive: WalArchive,
  physical: PhysicalDetails,
  endSegment: string | undefined,
): Promise<Pick<WalContinuity, 'ok' | 'missing' | 'message'>> {
  try {
    return await verifyWalContinuity(archive, {
      startSegment: physical.startSegment,
      segSize: physical.walSegmentSize,
      ...(endSegment ? { endSegment } : {}),
    });
  } catch (error) {
    return { ok: false, missing: [], message: `cannot check the WAL: ${(error as Error).message}` };
  }
}

// The complete segment furthest along the WAL stream (the newer timeline on a tie), or null.
function lastSegment(names: readonly string[], segSize: number): string | null {
  let best: { name: string; segNo: bigint; timeline: number } | null = null;
  for (const name of names) {
    if (!isSegmentName(name)) continue;
    let parsed;
    try {
      parsed = parseSegmentName(name, segSize);
    } catch {
      continue;
    }
    if (!best || parsed.segNo > best.segNo || (parsed.segNo === best.segNo && parsed.timeline > best.timeline))
      best = { name, segNo: parsed.segNo, timeline: parsed.timeline };
  }
  return best?.name ?? null;
}
