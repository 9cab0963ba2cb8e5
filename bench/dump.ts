// The dump section of `npm run bench`: a dump drill against the raw tools doing the same work (verified as the drill
// is), against the bare pg_dump + pg_restore (nothing verified), and with an encrypted repository for its cost.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Cluster } from '../src/env/cluster.ts';
import type { PgBin } from '../src/env/binaries.ts';
import { run } from '../src/core/exec.ts';
import { rawRound, DATABASE, type RawTiming } from './raw.ts';
import { drillRound, timeAvailable, type DrillRun } from './drill-child.ts';
import { judgeRatio } from './targets.ts';
import { median, mib, printPhaseTable, say, seconds, signed, sum } from './util.ts';

export interface DumpOptions {
  rounds: number;
  jobs: number;
  verbose: boolean;
  /** Each round also drills with an encrypted repository, to measure its cost. */
  encryption: boolean;
}

/** The dump section's targets: against the raw tools (as before) and against the bare restore. */
export interface DumpTargets {
  raw: number;
  bare: number;
}

type Side = 'raw' | 'bare' | 'recoverable' | 'encrypted';

/** Run the dump rounds against `source` and print the comparisons. */
export async function dumpBench(
  bin: PgBin,
  source: Cluster,
  work: string,
  options: DumpOptions,
  targets: DumpTargets,
): Promise<void> {
  const { jobs } = options;
  say('');
  say(
    `dump: raw tools and drill: snapshot + row counts + fingerprints, pg_dumpall --globals-only, pg_dump -Fd -j ${jobs}; restore into a disposable`,
  );
  say(
    `cluster (initdb --data-checksums + start), globals, createdb, pg_restore -j ${jobs}, ANALYZE, counts + fingerprints, stop + remove.`,
  );
  say(
    'bare: the same without snapshot, expectations, ANALYZE, counts or fingerprints: pg_dumpall + pg_dump, initdb + start, globals, createdb, pg_restore, stop + remove.',
  );

  const raw: RawTiming[] = [];
  const bare: RawTiming[] = [];
  const drills: DrillRun[] = [];
  const encrypted: DrillRun[] = [];
  // Same transport as the raw side (the private socket, trust); a URL, because a conninfo source does not connect (see the notes).
  const url = `postgresql://postgres@${encodeURIComponent(source.socketDir)}:${source.connection.port}/${DATABASE}`;
  // The key lives outside every repository, as the scenario rules require.
  const keyFile = join(work, 'bench.key');
  await writeFile(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  const sides: Side[] = options.encryption
    ? ['raw', 'bare', 'recoverable', 'encrypted']
    : ['raw', 'bare', 'recoverable'];
  for (let round = 1; round <= options.rounds; round++) {
    // Alternate which side goes first, so drift (cache, other load) does not favour one.
    for (const side of round % 2 === 1 ? sides : [...sides].reverse()) {
      const dir = join(work, `${side}-${round}`);
      await mkdir(dir);
      if (side === 'raw' || side === 'bare') {
        const timing = await rawRound(bin, source, dir, jobs, side === 'raw');
        (side === 'raw' ? raw : bare).push(timing);
        say(
          `round ${round}: ${side === 'raw' ? 'raw tools  ' : 'bare       '} ${seconds(timing.totalMs)}${
            options.verbose
              ? ` (${Object.entries(timing.steps)
                  .map(([k, v]) => `${k} ${seconds(v)}`)
                  .join(', ')})`
              : ''
          }`,
        );
      } else {
        const drill = await drillRound(url, dir, jobs, side === 'encrypted' ? keyFile : undefined);
        if (drill.verdict !== 'passed') throw new Error(`the ${side} drill's verdict is ${drill.verdict}`);
        (side === 'encrypted' ? encrypted : drills).push(drill);
        const rss = drill.maxRssKb === null ? '' : `, peak RSS ${mib(drill.maxRssKb)}`;
        if (side === 'encrypted')
          say(
            `round ${round}: encrypted   ${seconds(drill.totalMs)}${rss} (decrypt ${seconds(drill.phases.find((p) => p.name === 'decrypt')?.durationMs ?? 0)})`,
          );
        else say(`round ${round}: recoverable ${seconds(drill.totalMs)}${rss}`);
        if (options.verbose && side === 'recoverable')
          say(
            `  (backup ${seconds(drill.backupMs)}, ${drill.phases.map((p) => `${p.name} ${seconds(p.durationMs)}`).join(', ')})`,
          );
      }
      await rm(dir, { recursive: true, force: true });
      await run('sync', []); // the next side starts with no dirty pages of this one
    }
  }

  const rawMedian = median(raw.map((r) => r.totalMs));
  const drillMedian = median(drills.map((d) => d.totalMs));
  say('');
  say(
    `dump: median of ${options.rounds} round(s): raw tools ${seconds(rawMedian)}, bare ${seconds(median(bare.map((r) => r.totalMs)))}, recoverable drill ${seconds(drillMedian)}`,
  );
  say(
    timeAvailable
      ? `recoverable peak RSS (GNU time: node and the tools it waited for): ${mib(Math.max(...drills.map((d) => d.maxRssKb ?? 0)))}`
      : 'recoverable peak RSS: not measured (/usr/bin/time is not installed)',
  );
  printPhases(raw, drills, drillMedian / rawMedian > targets.raw);
  judgeRatio('dump drill against the raw tools', drillMedian, rawMedian, targets.raw);
  judgeRatio(
    'verified dump drill against the bare pg_dump + pg_restore',
    drillMedian,
    median(bare.map((r) => r.totalMs)),
    targets.bare,
  );
  if (encrypted.length) printEncryptionCost(drills, encrypted);
}

// What encryption at rest adds to the same drill: encrypting at commit (inside the total) and decrypting before restore.
function printEncryptionCost(plain: DrillRun[], encrypted: DrillRun[]): void {
  const plainMedian = median(plain.map((d) => d.totalMs));
  const encryptedMedian = median(encrypted.map((d) => d.totalMs));
  const decrypt = median(encrypted.map((d) => d.phases.find((p) => p.name === 'decrypt')?.durationMs ?? 0));
  say(
    `encryption at rest: median drill ${seconds(encryptedMedian)} encrypted against ${seconds(plainMedian)} plain (${signed(encryptedMedian - plainMedian)}, ${((encryptedMedian / plainMedian - 1) * 100).toFixed(1)}%), of which decrypting the backup ${seconds(decrypt)}`,
  );
}

// Phase by phase, medians: the drill's result.json phases against the raw steps that do the same work.
function printPhases(raw: RawTiming[], drills: DrillRun[], over: boolean): void {
  const phase = (d: DrillRun, name: string): number => d.phases.find((p) => p.name === name)?.durationMs ?? 0;
  const rows: Array<[string, (r: RawTiming) => number, (d: DrillRun) => number]> = [
    ['backup (snapshot, counts, dumps)', (r) => r.steps.backup ?? 0, (d) => d.backupMs],
    ['fetch/verify (manifest)', () => 0, (d) => phase(d, 'fetch/verify')],
    ['environment (initdb + start)', (r) => r.steps.environment ?? 0, (d) => phase(d, 'environment')],
    ['restore globals', (r) => r.steps['restore globals'] ?? 0, (d) => phase(d, 'restore globals')],
    ['pg_restore', (r) => r.steps.pg_restore ?? 0, (d) => phase(d, 'pg_restore')],
    ['analyze', (r) => r.steps.analyze ?? 0, (d) => phase(d, 'analyze')],
    ['checks (counts + fingerprints)', (r) => r.steps.checks ?? 0, (d) => phase(d, 'checks')],
    [
      'rest (createdb, stop+remove, process start, reports)',
      (r) =>
        r.totalMs -
        sum(
          Object.entries(r.steps)
            .filter(([k]) => !['createdb', 'dispose'].includes(k))
            .map(([, v]) => v),
        ),
      (d) => d.totalMs - d.backupMs - sum(d.phases.map((p) => p.durationMs)),
    ],
  ];
  say('');
  const gaps = printPhaseTable(rows, raw, drills);
  if (!over) return;
  const budget = median(raw.map((r) => r.totalMs)) * 0.02;
  for (const [name, gap] of gaps.sort((a, b) => b[1] - a[1]).filter(([, g]) => g > budget))
    say(`hint: ${name} costs ${signed(gap)} more than the raw tools`);
}
