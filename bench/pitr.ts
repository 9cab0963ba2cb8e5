// The PITR section of `npm run bench`: one basebackup, then 8 marked batches of pgbench transactions written after it
// (each marker with the exact expectations just before it, as a managed source records them), drilled alternately to
// the last marker alone and to all 8 markers. The ratio says what each further target costs.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cluster } from '../src/env/cluster.ts';
import { tool, type PgBin } from '../src/env/binaries.ts';
import { run } from '../src/core/exec.ts';
import { pinSession } from '../src/expectations/session.ts';
import { systemIdentifier } from '../src/source/managed.ts';
import { ensureMarkerTable, writeMarker, type MarkerRecord } from '../src/source/markers.ts';
import type { SourceHistory } from '../src/repository/history.ts';
import type { Expectations } from '../src/expectations/capture.ts';
import { DATABASE } from './raw.ts';
import { physicalBackup, physicalDrill, type DrillRun } from './drill-child.ts';
import { archiveInto, attachHistory, snapshotExpectations, switchAndWait, withClient } from './source-wal.ts';
import { backupCopyBytes, type CopyTiming } from './disk.ts';
import { judgeRatio } from './targets.ts';
import { median, say, seconds, sum } from './util.ts';

export const PITR_TARGETS = 8;

export interface PitrOptions {
  rounds: number;
  /** pgbench transactions written after the backup, in all (split over the 8 batches). */
  transactions: number;
}

/** Back up once, write the marked batches, drill 1 target and 8 targets per round; returns every restore's copy. */
export async function pitrBench(
  bin: PgBin,
  source: Cluster,
  work: string,
  options: PitrOptions,
  target: number,
): Promise<CopyTiming[]> {
  const system = await systemIdentifier(source);
  const url = `postgresql://postgres@${encodeURIComponent(source.socketDir)}:${source.connection.port}/${DATABASE}`;
  const perBatch = Math.max(20, Math.floor(options.transactions / PITR_TARGETS));
  say('');
  say(
    `pitr: one basebackup, then ${PITR_TARGETS} batches of pgbench -n -t ${perBatch} -c 2, each followed by its exact expectations and a marker`,
  );
  say(
    `(xid, commit time, LSN, restore point); drilled alternately to marker batch-${PITR_TARGETS} alone and to all ${PITR_TARGETS} markers, every`,
  );
  say("target proved by the server's log, the markers present and absent, row counts and fingerprints.");

  const dir = join(work, 'pitr');
  const repo = join(dir, 'repo');
  await mkdir(dir);
  await archiveInto(source, repo, system);
  await withClient(source, DATABASE, ensureMarkerTable);
  const backup = await physicalBackup(url, dir);
  const history = await writeBatches(bin, source, backup.backupId, system, perBatch);
  await attachHistory(repo, backup.backupId, history);
  const bytes = await backupCopyBytes(repo, backup.backupId);
  await run('sync', []);

  const labels = history.markers.map((m) => m.label);
  const sides = { one: [labels.at(-1)!], all: labels } as const;
  const runs: Record<keyof typeof sides, DrillRun[]> = { one: [], all: [] };
  const copies: CopyTiming[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const side of round % 2 === 1 ? (['one', 'all'] as const) : (['all', 'one'] as const)) {
      const drillDir = join(dir, `drill-${side}-${round}`);
      const drill = await physicalDrill(url, {
        repo,
        dir: drillDir,
        targets: `[${sides[side].map((m) => `{ marker: ${m} }`).join(', ')}]`,
      });
      assertEveryTargetProved(drill, sides[side]);
      runs[side].push(drill);
      for (const restore of drill.restores) {
        // A restore on a shared copy lists the copy as reused: it was made once.
        const copy = restore.phases.find((p) => p.name === 'copy' && !p.reused);
        if (copy) copies.push({ bytes, ms: copy.durationMs });
      }
      say(
        `round ${round}: ${String(sides[side].length).padStart(2)} target(s) ${seconds(drill.totalMs)}${breakdown(drill)}`,
      );
      await rm(drillDir, { recursive: true, force: true, maxRetries: 3 });
      await run('sync', []);
    }
  }
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  const one = median(runs.one.map((d) => d.totalMs));
  const all = median(runs.all.map((d) => d.totalMs));
  say(`pitr: median of ${options.rounds} round(s): 1 target ${seconds(one)}, ${PITR_TARGETS} targets ${seconds(all)}`);
  judgeRatio(`${PITR_TARGETS}-target PITR drill against a 1-target drill of the same backup`, all, one, target);
  sayFloor(runs.all, one);
  return copies;
}

// What no sharing can save: each further target's own checks and its stop + pg_checksums, so the lowest ratio a drill
// that proves every target exactly can reach on this data.
function sayFloor(drills: readonly DrillRun[], one: number): void {
  const perTarget = (name: string): number =>
    median(
      drills.flatMap((d) =>
        d.restores.map((r) => sum(r.phases.filter((p) => p.name === name && !p.reused).map((p) => p.durationMs))),
      ),
    );
  const checks = perTarget('checks');
  const settle = perTarget('checksums');
  const further = (PITR_TARGETS - 1) * (checks + settle);
  say(
    `pitr: each target's own proof costs a median ${seconds(checks + settle)} (checks ${seconds(checks)}, stop + pg_checksums ${seconds(settle)}); the ${PITR_TARGETS - 1} further targets' alone add ${seconds(further)} to the 1-target drill's ${seconds(one)}, so with every target proved exactly the ratio cannot go below ${((one + further) / one).toFixed(2)}x`,
  );
}

// The marked batches, archived to their last segment: the history a managed source would have recorded.
async function writeBatches(
  bin: PgBin,
  source: Cluster,
  backupId: string,
  system: string,
  perBatch: number,
): Promise<SourceHistory> {
  return withClient(source, DATABASE, async (client) => {
    await pinSession(client);
    const markers: MarkerRecord[] = [];
    let expectations: Expectations | null = null;
    for (let batch = 1; batch <= PITR_TARGETS; batch++) {
      await run(tool(bin, 'pgbench'), ['-n', '-t', String(perBatch), '-c', '2', source.conninfo(DATABASE)]);
      expectations = await snapshotExpectations(client);
      markers.push(await writeMarker(client, `batch-${batch}`, expectations));
    }
    // A commit after the last marker, as a managed source writes, then everything archived.
    const end = await writeMarker(client, 'end', null);
    const { segment } = await switchAndWait(client);
    return {
      formatVersion: 1,
      backupId,
      systemIdentifier: system,
      markers,
      end: { expectations: expectations!, lastCommitTime: end.time, lsn: end.lsn, lastSegment: segment },
    };
  });
}

// A drill that passed but proved less than every target would make the ratio meaningless: refuse it.
function assertEveryTargetProved(drill: DrillRun, markers: readonly string[]): void {
  if (drill.verdict !== 'passed')
    throw new Error(
      `the pitr drill's verdict is ${drill.verdict}: ${drill.restores.flatMap((r) => r.checks.filter((c) => c.status === 'failed' || c.status === 'errored').map((c) => `${r.target}: ${c.id}: ${c.message}`)).join('; ')}`,
    );
  const targets = drill.restores.map((r) => r.target);
  const expected = markers.map((m) => `marker:${m}`);
  if (JSON.stringify(targets) !== JSON.stringify(expected))
    throw new Error(`the pitr drill restored to ${targets.join(', ')}, expected ${expected.join(', ')}`);
  for (const restore of drill.restores) {
    const passed = (id: string) => restore.checks.some((c) => c.id === id && c.status === 'passed');
    const hashed = restore.checks.some((c) => c.kind === 'fingerprints' && c.status === 'passed');
    if (!passed('recovery:target') || !passed('markers') || !hashed)
      throw new Error(
        `the pitr drill's restore to ${restore.target} did not prove its target, markers and fingerprints`,
      );
  }
}

// Where a drill's time went, summed over its restores (what a shared copy spent once, once): how many copies, and the
// copy, replay and checks phases.
function breakdown(drill: DrillRun): string {
  const total = (name: string) =>
    sum(drill.restores.flatMap((r) => r.phases.filter((p) => p.name === name && !p.reused).map((p) => p.durationMs)));
  const copiesMade = drill.restores.filter((r) => r.phases.some((p) => p.name === 'copy' && !p.reused)).length;
  return ` (${copiesMade} cop${copiesMade === 1 ? 'y' : 'ies'} ${seconds(total('copy'))}, WAL replay ${seconds(total('WAL replay'))}, checksums ${seconds(total('checksums'))}, checks ${seconds(total('checks'))})`;
}
