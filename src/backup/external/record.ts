// A drill of another tool's backup takes no backup: it records the source's identity and, with markers allowed,
// writes marker transactions into the live source (exact expectations at each), then waits for their WAL to be archived.
import type pg from 'pg';
import { pgClient } from '../../core/pg-client.ts';
import { timeId } from '../../core/ids.ts';
import { ScenarioError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { Clock } from '../../core/clock.ts';
import type { Scenario } from '../../scenario/types.ts';
import type { LocalRepository, StoredBackup } from '../../repository/local-repository.ts';
import { writeHistory, type SourceHistory } from '../../repository/history.ts';
import { segmentName } from '../../repository/wal-names.ts';
import { openUrlSource } from '../../source/url.ts';
import { sourceRecord } from '../../source/source-record.ts';
import { ensureMarkerTable, writeMarker, type MarkerRecord } from '../../source/markers.ts';
import { pinSession } from '../../expectations/session.ts';
import type { Expectations } from '../../expectations/capture.ts';
import { capture } from '../managed/basebackup.ts';
import { sourceFacts } from '../basebackup.ts';
import { waitForSourceArchived } from './source-archived.ts';
import { runUserCommand } from './user-command.ts';

/** Markers a drill of an external backup writes; targets name them `marker-1`, `marker-2`. */
export const EXTERNAL_MARKERS = 2;

/** Record a drill of the scenario's external backup in `repo`: identity, markers and end state (no data files). */
export async function recordExternalDrill(
  scenario: Scenario,
  repo: LocalRepository,
  log: Logger,
  clock: Clock,
): Promise<StoredBackup> {
  const spec = scenario.backup.external!;
  if (scenario.source.kind !== 'url')
    throw new ScenarioError('an external backup is of a url source', [
      { path: 'source', problem: 'not a url source', fix: 'use source: { url: ... }' },
    ]);
  const markers = scenario.source.markers;
  const source = await openUrlSource(scenario.source.url);
  const startedAt = clock.date();
  const started = clock.now();
  try {
    const facts = await sourceFacts(source);
    return await repo.writeBackup(timeId(startedAt), async (staged) => {
      const client = pgClient(source.clientConfig());
      await client.connect();
      try {
        // Where the source is now: the external backup restored later must have started before this point.
        const { rows } = await client.query<{ lsn: string; timeline: number }>(
          `select (case when pg_is_in_recovery() then pg_last_wal_replay_lsn() else pg_current_wal_insert_lsn() end)::text as lsn,
                  (select timeline_id from pg_control_checkpoint()) as timeline`,
        );
        const at = rows[0]!;
        const history = markers
          ? await writeDrillMarkers(
              client,
              { id: staged.id, systemIdentifier: facts.systemIdentifier },
              scenario.backup.archiveTimeoutMs,
              log,
              clock,
            )
          : null;
        // The source's archiver is done; the tool may still have to take the files in (Barman's incoming directory).
        if (history && spec.archiveCheck) {
          log.info(
            "running the external archive check: the markers' WAL must be in the tool's archive before any restore",
          );
          await runUserCommand(
            'the external archive check',
            spec.archiveCheck,
            { RECOVERABLE_WAL_SEGMENT: history.end.lastSegment, RECOVERABLE_SYSTEM_IDENTIFIER: facts.systemIdentifier },
            scenario.backup.archiveTimeoutMs,
          );
        }
        const historyFile = history ? await writeHistory(staged.dir, history) : null;
        const segment = segmentName(at.timeline, at.lsn, facts.walSegmentSize);
        const backup = await repo.commit(staged, {
          id: staged.id,
          method: 'external',
          scenario: scenario.name,
          startedAt: startedAt.toISOString(),
          finishedAt: clock.date().toISOString(),
          durationMs: Math.round(clock.now() - started),
          source: sourceRecord(source, facts.systemIdentifier),
          // The backup itself is the tool's: its WAL range is known only once restored (backup_label); these say where the drill began.
          physical: {
            dataDir: '',
            label: 'external',
            startLsn: at.lsn,
            stopLsn: at.lsn,
            timeline: at.timeline,
            startSegment: segment,
            stopSegment: segment,
            walSegmentSize: facts.walSegmentSize,
            systemIdentifier: facts.systemIdentifier,
            dataChecksums: facts.dataChecksums,
            superuser: facts.superuser,
            tablespaces: facts.tablespaces.map((t) => ({
              oid: t.oid,
              name: t.name,
              sourceLocation: t.location,
              path: '',
            })),
            hazards: [],
            toolVersion: 'external restore command',
          },
          external: {
            restoreCommand: spec.restoreCommand,
            restoreWal: spec.restoreWal,
            ...(spec.archiveCheck ? { archiveCheck: spec.archiveCheck } : {}),
            timeoutMs: spec.timeoutMs,
            recordedAtLsn: at.lsn,
          },
          expectationsFile: null,
          historyFile,
        });
        log.info(
          `drill ${backup.record.id} of an external backup recorded at ${at.lsn}${history ? ` with ${history.markers.length} markers, WAL archived through ${history.end.lastSegment}` : ' (no markers: data checks have no exact expectations)'}`,
        );
        return backup;
      } finally {
        await client.end().catch(() => undefined);
      }
    });
  } finally {
    await source.dispose();
  }
}

// Markers need commit times and an archiver; without them the drill could not prove a marker target.
async function requireMarkerSettings(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ commit_ts: string; archive_mode: string; standby: boolean }>(
    "select current_setting('track_commit_timestamp') as commit_ts, current_setting('archive_mode') as archive_mode, pg_is_in_recovery() as standby",
  );
  const r = rows[0]!;
  const problems: string[] = [];
  if (r.standby) problems.push('the source is a standby: markers are written on the primary');
  if (r.commit_ts !== 'on') problems.push('track_commit_timestamp is off on the source: markers need commit times');
  if (r.archive_mode === 'off')
    problems.push("archive_mode is off on the source: the markers' WAL would never reach the tool's archive");
  if (problems.length) {
    throw new ScenarioError(
      `source.markers: ${problems.join('; ')}`,
      problems.map((problem) => ({
        path: 'source.markers',
        problem,
        fix: 'fix the source (track_commit_timestamp = on, archive_mode = on, the primary), or set source.markers: false',
      })),
    );
  }
}

/** Marker transactions with exact expectations before each, an end marker, then a WAL switch archived by the source. */
export async function writeDrillMarkers(
  client: pg.Client,
  drill: { id: string; systemIdentifier: string },
  archiveTimeoutMs: number,
  log: Logger,
  clock: Clock,
): Promise<SourceHistory> {
  await requireMarkerSettings(client);
  await pinSession(client);
  await ensureMarkerTable(client);
  const markers: MarkerRecord[] = [];
  let expectations: Expectations | null = null;
  // Labels carry the drill's id: a source keeps every drill's markers, and each label is unique there.
  for (let n = 1; n <= EXTERNAL_MARKERS; n++) {
    expectations = await capture(client);
    markers.push(await writeMarker(client, `${drill.id}/marker-${n}`, expectations));
  }
  const end = await writeMarker(client, `${drill.id}/end`, null);
  const { rows } = await client.query<{ segment: string }>('select pg_walfile_name(pg_switch_wal()) as segment');
  const lastSegment = rows[0]!.segment;
  log.info(`wrote ${markers.length} markers into the source; waiting for its archiver to archive ${lastSegment}`);
  await waitForSourceArchived(client, lastSegment, archiveTimeoutMs, clock);
  return {
    formatVersion: 1,
    backupId: drill.id,
    systemIdentifier: drill.systemIdentifier,
    markers,
    end: { expectations: expectations!, lastCommitTime: end.time, lsn: end.lsn, lastSegment },
  };
}
