// `doctor <scenario>` beyond binaries: the url source as its role sees it, the OS user for clusters, the work
// directory, free disk for the next backup, and which backup tools a url source's backup would use.
import { access, constants, statfs } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { RecoverableError } from '../core/errors.ts';
import { clusterOsUser } from '../core/os-user.ts';
import { formatBytes } from '../report/format.ts';
import { configuredWorkRoot, ensureWorkRoot } from '../env/work-root.ts';
import { assertTraversable } from '../env/cluster.ts';
import { discoverInstallations } from '../env/binaries.ts';
import { INCREMENTAL_MIN_MAJOR } from '../scenario/rules.ts';
import { localBackupTools } from '../backup/tool-runtime.ts';
import { LocalRepository } from '../repository/local-repository.ts';
import { openUrlSource } from '../source/url.ts';
import { preflightSource, type SourcePreflight } from '../source/preflight.ts';
import type { Scenario } from '../scenario/types.ts';

/** One finding of the scenario's preflight: fine, or a problem with its fix. */
export interface Finding {
  topic: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

/** What `doctor <scenario>` found about the machine and the source, beyond the binaries. */
export interface ScenarioPreflight {
  findings: Finding[];
  source: SourcePreflight | null;
}

/** Check the OS user, the work directory, the repository's disk and (for a url source) the server and its role. */
export async function preflightScenario(scenario: Scenario): Promise<ScenarioPreflight> {
  const findings: Finding[] = [];
  findings.push(...(await machineFindings()));
  let source: SourcePreflight | null = null;
  if (scenario.source.kind === 'url') {
    try {
      const opened = await openUrlSource(scenario.source.url);
      source = await preflightSource(opened);
      findings.push(...sourceFindings(scenario, source));
    } catch (error) {
      const e = error as RecoverableError;
      findings.push({ topic: 'source', ok: false, detail: e.message, ...(e.hint ? { fix: e.hint } : {}) });
    }
  }
  findings.push(await diskFinding(scenario, source));
  return { findings, source };
}

// Who runs clusters, and whether the work directory is there (or can be made), writable and reachable by them.
async function machineFindings(): Promise<Finding[]> {
  const findings: Finding[] = [];
  let user = null;
  try {
    user = clusterOsUser();
    findings.push({
      topic: 'os user',
      ok: true,
      detail: user
        ? `running as root: clusters run as ${user.name} (uid ${user.uid})`
        : `clusters run as this user (uid ${process.getuid?.() ?? '?'})`,
    });
  } catch (error) {
    const e = error as RecoverableError;
    findings.push({ topic: 'os user', ok: false, detail: e.message, ...(e.hint ? { fix: e.hint } : {}) });
  }
  const root = configuredWorkRoot();
  try {
    await ensureWorkRoot(root);
    await access(root, constants.W_OK);
    if (user) await assertTraversable(root, user);
    findings.push({
      topic: 'work directory',
      ok: true,
      detail: `${root} is writable${user ? ` and ${user.name} can reach it` : ''}`,
    });
  } catch (error) {
    const e = error as RecoverableError;
    findings.push({
      topic: 'work directory',
      ok: false,
      detail: e.message ?? String(error),
      fix: e.hint ?? 'set RECOVERABLE_WORK_DIR to a writable directory',
    });
  }
  return findings;
}

// What the server and its role allow, for the scenario's method (the others are shown, not judged), and which tools back it up.
function sourceFindings(scenario: Scenario, source: SourcePreflight): Finding[] {
  const findings: Finding[] = [];
  findings.push({
    topic: 'source',
    ok: true,
    detail: `PostgreSQL ${source.serverVersion}, database ${source.database}, role ${source.role}${source.superuser ? ' (superuser)' : ''}; wal_level ${source.walLevel}, archive_mode ${source.archiveMode}, archive_command ${source.archiveCommand === '' ? '(none)' : `'${source.archiveCommand}'`}`,
  });
  for (const method of source.methods) {
    const judged = method.method === scenario.backup.method;
    const state = method.ready ? 'ready' : `not ready: ${method.missing.join('; ')}`;
    const detail = `${method.method}${judged ? ' (this scenario)' : ''}: ${state}${method.notes.length ? ` (${method.notes.join('; ')})` : ''}`;
    findings.push({
      topic: `privileges`,
      ok: method.ready || !judged,
      detail,
      ...(judged && !method.ready ? { fix: `run on the source, as a superuser: ${method.missing.join('; ')}` } : {}),
    });
  }
  if (scenario.backup.incremental) findings.push(incrementalFinding(source));
  const tools =
    scenario.backup.method === 'dump'
      ? ['pg_dump', 'pg_dumpall']
      : scenario.backup.method === 'basebackup'
        ? ['pg_basebackup']
        : [];
  if (tools.length) {
    const local = localBackupTools({ sourceMajor: source.major, wanted: source.major, tools }, discoverInstallations());
    findings.push({
      topic: 'backup tools',
      ok: true,
      detail: local
        ? `${tools.join(', ')} ${local.version} from ${local.dir}`
        : `no ${tools.join('/')} ${source.major} or newer here: those of postgres:${source.major} in a container on the host's network (needs a Docker engine)`,
    });
  }
  return findings;
}

/** Whether the source can take incremental backups: PostgreSQL 17+ with summarize_wal on, or the fix. */
export function incrementalFinding(source: SourcePreflight): Finding {
  if (source.major < INCREMENTAL_MIN_MAJOR) {
    return {
      topic: 'incremental',
      ok: false,
      detail: `PostgreSQL ${source.major} cannot take incremental backups (${INCREMENTAL_MIN_MAJOR} or newer can)`,
      fix: `upgrade the source to PostgreSQL ${INCREMENTAL_MIN_MAJOR} or newer, or remove backup.incremental`,
    };
  }
  if (source.summarizeWal !== 'on') {
    return {
      topic: 'incremental',
      ok: false,
      detail: `summarize_wal is ${source.summarizeWal ?? 'unknown'}: incremental backups are taken from WAL summaries`,
      fix: 'run on the source, as a superuser: ALTER SYSTEM SET summarize_wal = on; SELECT pg_reload_conf()',
    };
  }
  return { topic: 'incremental', ok: true, detail: 'summarize_wal is on: incremental backups can be taken' };
}

// The repository's filesystem must hold the next backup: as large as the last one, else (none yet) the database.
async function diskFinding(scenario: Scenario, source: SourcePreflight | null): Promise<Finding> {
  let dir = scenario.repository;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const stats = await statfs(dir);
  const free = stats.bavail * stats.bsize;
  const last = (await new LocalRepository(scenario.repository).list().catch(() => [])).at(-1);
  const needed = last?.record.sizeBytes ?? source?.databaseBytes ?? null;
  const basis = last ? `the last backup (${last.record.id})` : source ? 'the database (no backup yet)' : null;
  if (needed === null || basis === null)
    return { topic: 'disk', ok: true, detail: `${formatBytes(free)} free for the repository ${scenario.repository}` };
  const ok = free > needed;
  return {
    topic: 'disk',
    ok,
    detail: `${formatBytes(free)} free for the repository ${scenario.repository}; ${basis} is ${formatBytes(needed)}`,
    ...(ok
      ? {}
      : { fix: 'free space on that filesystem, prune old backups (recoverable prune), or move the repository' }),
  };
}
