// `recoverable prune <scenario>`: apply a retention policy to the scenario's backups and the WAL they no longer need.
import { run } from '../core/exec.ts';
import { UsageError } from '../core/errors.ts';
import { LocalRepository } from '../repository/local-repository.ts';
import { applyRetentionPlan, readRepositoryContents, type PruneOutcome } from '../repository/prune.ts';
import {
  archiveName,
  planRetention,
  type PrunedBackup,
  type RetentionPlan,
  type RetentionPolicy,
  type SnapshotRemoval,
  type WalPlan,
} from '../repository/retention.ts';
import { formatBytes } from '../report/format.ts';
import { parseDuration } from '../scenario/duration.ts';
import { loadScenario } from '../scenario/load.ts';
import type { CommandContext } from './context.ts';

export async function handler(args: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  // 1. Read the policy before touching anything.
  const policy = policyOptions(args);
  const dryRun = args['dry-run'] === true;
  const scenario = await loadScenario(String(args.scenario), { cwd: ctx.cwd });
  // 2. Read the repository and plan (pure).
  const repo = new LocalRepository(scenario.repository);
  const contents = await readRepositoryContents(repo);
  const plan = planRetention({
    backups: contents.backups.map((b) => b.record),
    scenario: scenario.name,
    archives: contents.archives,
    now: new Date(),
    policy,
  });
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  out(`${dryRun ? 'dry run: ' : ''}prune ${scenario.name} in ${scenario.repository}: ${describePolicy(args)}`);
  // 3. Show the plan, or apply it and show what happened.
  const failures: string[] = [];
  if (dryRun) {
    for (const line of renderPlan(plan, contents.interrupted)) out(line);
  } else {
    const outcome = await applyRetentionPlan(repo, plan, contents, policy.pruneOrphanWal, {
      run,
      log: ctx.log,
      cwd: ctx.cwd,
    });
    for (const line of renderOutcome(plan, outcome)) out(line);
    failures.push(...outcome.failed.map((f) => `backup ${f.backup.record.id} was not removed: ${f.message}`));
  }
  // 4. Anything that stays against the policy fails the command, naming the backup.
  for (const failure of [...plan.problems, ...failures]) process.stderr.write(`recoverable: ${failure}\n`);
  return plan.problems.length + failures.length > 0 ? 1 : 0;
}

// --keep and --max-age (at least one), --prune-orphan-wal.
function policyOptions(args: Record<string, unknown>): RetentionPolicy {
  const policy: RetentionPolicy = { pruneOrphanWal: args['prune-orphan-wal'] === true };
  if (args.keep === undefined && args['max-age'] === undefined) {
    throw new UsageError('prune needs a retention policy: --keep <N>, --max-age <duration>, or both', {
      hint: 'e.g. `recoverable prune <scenario> --keep 7 --max-age 14d` keeps the 7 newest and every backup younger than 14 days',
    });
  }
  if (args.keep !== undefined) {
    const keep = Number(args.keep);
    if (!Number.isInteger(keep) || keep < 1)
      throw new UsageError(`--keep must be a whole number of at least 1, not "${String(args.keep)}"`);
    policy.keep = keep;
  }
  if (args['max-age'] !== undefined) {
    const age = parseDuration(String(args['max-age']));
    if (!age.ok)
      throw new UsageError(`--max-age: ${age.problem}`, { hint: 'write a number with a unit, e.g. 7d, 12h or 30m' });
    policy.maxAgeMs = age.ms;
  }
  return policy;
}

function describePolicy(args: Record<string, unknown>): string {
  const parts = [
    args.keep !== undefined ? `the ${String(args.keep)} newest` : null,
    args['max-age'] !== undefined ? `those younger than ${String(args['max-age'])}` : null,
  ];
  return `keep ${parts.filter((p) => p !== null).join(' and ')} (the newest always)`;
}

/** What a dry run would do, one line per backup and per WAL archive. */
export function renderPlan(plan: RetentionPlan, interrupted: readonly string[]): string[] {
  const lines = interrupted.map((id) => `would finish removing backup ${id} (an earlier removal was interrupted)`);
  for (const backup of plan.delete) lines.push(...backupLines('would remove', backup));
  for (const kept of plan.keep)
    lines.push(
      `keep          ${kept.record.id}  ${kept.record.method}  ${formatBytes(kept.record.sizeBytes)}  (${kept.reason})`,
    );
  lines.push(...otherScenarioLines(plan), ...plan.wal.flatMap((wal) => walLines('would remove', wal)));
  lines.push(totalLine('would remove', plan.delete, plan.wal), 'dry run: nothing was removed');
  return lines;
}

/** What prune did: removed, kept, failed. */
export function renderOutcome(plan: RetentionPlan, outcome: PruneOutcome): string[] {
  const lines = outcome.finished.map((id) => `finished removing backup ${id} (an earlier removal was interrupted)`);
  for (const backup of outcome.removed) lines.push(...backupLines('removed', backup));
  for (const failure of outcome.failed)
    lines.push(`NOT removed   ${failure.backup.record.id}  ${failure.backup.record.method}  (${failure.message})`);
  for (const kept of plan.keep)
    lines.push(
      `kept          ${kept.record.id}  ${kept.record.method}  ${formatBytes(kept.record.sizeBytes)}  (${kept.reason})`,
    );
  lines.push(...otherScenarioLines(plan), ...outcome.wal.flatMap((wal) => walLines('removed', wal)));
  lines.push(totalLine('removed', outcome.removed, outcome.wal));
  return lines;
}

function backupLines(verb: string, backup: PrunedBackup): string[] {
  const r = backup.record;
  const lines = [
    `${verb.padEnd(13)} ${r.id}  ${r.method}  ${formatBytes(r.sizeBytes)}  taken ${r.startedAt}  (${backup.reason})`,
  ];
  const snapshot = describeSnapshot(backup.snapshot);
  if (snapshot) lines.push(`              ${snapshot}`);
  return lines;
}

function describeSnapshot(removal: SnapshotRemoval): string | null {
  if (removal.kind === 'command') return `snapshot ${removal.snapshotName}: deleteCommand \`${removal.command}\``;
  if (removal.kind === 'btrfs') return `btrfs subvolume delete ${removal.subvolumes.join(' ')}`;
  return null;
}

function otherScenarioLines(plan: RetentionPlan): string[] {
  const count = plan.otherScenarios.length;
  return count === 0
    ? []
    : [
        `not considered: ${count} backup${count === 1 ? '' : 's'} of other scenarios (kept, and so is the WAL they read)`,
      ];
}

// One line per archive: what goes (first … last, total size) and why.
function walLines(verb: string, wal: WalPlan): string[] {
  const name = archiveName(wal);
  if (wal.delete.length + wal.keep.length === 0) return [];
  if (wal.delete.length === 0)
    return [
      `${name}: nothing removed, ${wal.keep.length} file${wal.keep.length === 1 ? '' : 's'} kept (${wal.reason})`,
    ];
  const names = wal.delete.map((f) => f.name).sort();
  const span = names.length === 1 ? names[0] : `${names[0]} … ${names[names.length - 1]}`;
  return [
    `${name}: ${verb} ${wal.delete.length} file${wal.delete.length === 1 ? '' : 's'}, ${formatBytes(sum(wal.delete))} (${span}); ${wal.keep.length} kept (${wal.reason})`,
  ];
}

function totalLine(verb: string, backups: readonly PrunedBackup[], wal: readonly WalPlan[]): string {
  const files = wal.flatMap((w) => w.delete);
  const backupBytes = backups.reduce((n, b) => n + b.record.sizeBytes, 0);
  return `total: ${verb} ${backups.length} backup${backups.length === 1 ? '' : 's'} (${formatBytes(backupBytes)}) and ${files.length} WAL file${files.length === 1 ? '' : 's'} (${formatBytes(sum(files))})`;
}

function sum(files: ReadonlyArray<{ size: number }>): number {
  return files.reduce((n, f) => n + f.size, 0);
}
