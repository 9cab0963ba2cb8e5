// Raw (validated) scenario → the normalized Scenario the rest of Recoverable reads.
import { resolve } from 'node:path';
import type { RawCheck, RawScenario, RawTarget } from './schema.ts';
import { DEFAULT_MANAGED_MAJOR } from './managed-major.ts';
import type {
  CheckSpec,
  EvidenceSpec,
  KeySourceSpec,
  Scenario,
  SnapshotSpec,
  SourceSpec,
  Target,
  TargetSpec,
} from './types.ts';

/** Where the scenario came from: its absolute path, its SHA-256, and the directory relative paths resolve against. */
export interface ScenarioOrigin {
  path: string;
  sha256: string;
  cwd: string;
}

const SQL_NAME_MAX = 60;

/** Turns a validated raw scenario into a {@link Scenario}: tagged unions, milliseconds, absolute paths. */
export function normalizeScenario(raw: RawScenario, origin: ScenarioOrigin): Scenario {
  const { backup, restore } = raw;
  return {
    name: raw.name,
    path: origin.path,
    sha256: origin.sha256,
    source: normalizeSource(raw.source, origin.cwd),
    repository: resolve(origin.cwd, raw.repository),
    ...(raw.encryption === undefined ? {} : { encryption: { key: keySourceOf(raw.encryption.key, origin.cwd) } }),
    backup: {
      method: backup.method,
      jobs: backup.jobs,
      archiveTimeoutMs: backup.archiveTimeout,
      ...(backup.incremental ? { incremental: true } : {}),
      ...(backup.use === undefined ? {} : { use: backup.use }),
      ...(backup.snapshot === undefined ? {} : { snapshot: normalizeSnapshot(backup.snapshot) }),
      // One restore_command for another tool's WAL archive: the external block's, or the source's (rules refuse two).
      ...(backup.external === undefined
        ? {}
        : {
            external: {
              restoreCommand: backup.external.restoreCommand,
              restoreWal: backup.external.restoreWal ?? raw.source.restoreCommand ?? '',
              ...(backup.external.archiveCheck === undefined ? {} : { archiveCheck: backup.external.archiveCheck }),
              timeoutMs: backup.external.timeout,
            },
          }),
    },
    restore: {
      environment: restore.environment,
      ...(restore.image === undefined ? {} : { image: restore.image }),
      ...(restore.version === undefined ? {} : { version: restore.version }),
      noOwner: restore.noOwner,
      noPrivileges: restore.noPrivileges,
      targets: restore.targets.map(normalizeTarget),
      ...(restore.matrix === undefined ? {} : { matrix: { version: [...restore.matrix.version] } }),
      ...(restore.upgrade === undefined ? {} : { upgrade: { to: restore.upgrade.to, mode: restore.upgrade.mode } }),
    },
    checks: raw.checks.map(normalizeCheck),
    objectives: {
      ...(raw.objectives.rto === undefined ? {} : { rtoMs: raw.objectives.rto }),
      ...(raw.objectives.rpo === undefined ? {} : { rpoMs: raw.objectives.rpo }),
    },
    report: { dir: resolve(origin.cwd, raw.report.dir), formats: [...new Set(raw.report.formats)] },
    evidence: normalizeEvidence(raw.evidence, origin.cwd),
  };
}

// Key files resolve against the scenario's directory like every other path.
function normalizeEvidence(raw: RawScenario['evidence'], cwd: string): EvidenceSpec {
  return {
    ...(raw.signingKey === undefined ? {} : { signingKey: keySourceOf(raw.signingKey, cwd) }),
    ...(raw.verifyKey === undefined ? {} : { verifyKey: keySourceOf(raw.verifyKey, cwd) }),
    require: raw.require,
  };
}

// A managed source always has markers: Recoverable owns its workload.
function normalizeSource(raw: RawScenario['source'], cwd: string): SourceSpec {
  if (raw.managed) {
    const { managed } = raw;
    return {
      kind: 'managed',
      version: managed.version ?? DEFAULT_MANAGED_MAJOR,
      database: managed.database,
      fixtures: managed.fixtures.map((fixture) => resolve(cwd, fixture)),
      workload: { seed: managed.workload.seed, transactions: managed.workload.transactions },
      dataChecksums: managed.dataChecksums,
      tablespaces: managed.tablespaces,
      markers: true,
    };
  }
  return {
    kind: 'url',
    url: raw.url ?? '',
    ...(raw.restoreCommand === undefined ? {} : { restoreCommand: raw.restoreCommand }),
    markers: raw.markers ?? false,
  };
}

// Built-in driver, or the user's commands with the timeout in milliseconds.
function normalizeSnapshot(raw: NonNullable<RawScenario['backup']['snapshot']>): SnapshotSpec {
  if ('driver' in raw) return { driver: raw.driver, timeoutMs: raw.timeout, allowStandby: raw.allowStandby };
  return {
    command: raw.command,
    restoreCommand: raw.restoreCommand,
    ...(raw.deleteCommand === undefined ? {} : { deleteCommand: raw.deleteCommand }),
    timeoutMs: raw.timeout,
    allowStandby: raw.allowStandby,
  };
}

/** Normalizes one raw target and gives it its label (`immediate`, `xid:1234`, `lsn:0/1A2B3C (exclusive)`); `{ latest: true }` is `latest`. */
export function normalizeTarget(raw: RawTarget): Target {
  if (typeof raw === 'string') return { kind: raw, checks: [], label: raw };
  const spec = targetSpec(raw);
  return { ...spec, checks: (raw.checks ?? []).map(normalizeCheck), label: targetLabel(spec) };
}

// The tagged form of an object target.
function targetSpec(raw: Exclude<RawTarget, string>): TargetSpec {
  if ('immediate' in raw) return { kind: 'immediate' };
  if ('latest' in raw) return { kind: 'latest' };
  if ('time' in raw) return { kind: 'time', time: raw.time, inclusive: raw.inclusive };
  if ('lsn' in raw) return { kind: 'lsn', lsn: raw.lsn.toUpperCase(), inclusive: raw.inclusive };
  if ('xid' in raw) return { kind: 'xid', xid: raw.xid, inclusive: raw.inclusive };
  if ('name' in raw) return { kind: 'name', name: raw.name };
  return { kind: 'marker', marker: raw.marker, inclusive: raw.inclusive, via: raw.via };
}

// `kind:value`, marked when the target's own transaction is excluded.
function targetLabel(spec: TargetSpec): string {
  switch (spec.kind) {
    case 'immediate':
    case 'latest':
      return spec.kind;
    case 'name':
      return `name:${spec.name}`;
    default: {
      const value =
        spec.kind === 'time'
          ? spec.time
          : spec.kind === 'lsn'
            ? spec.lsn
            : spec.kind === 'xid'
              ? String(spec.xid)
              : `${spec.marker}${spec.via === 'xid' ? '' : ` via ${spec.via}`}`;
      return `${spec.kind}:${value}${spec.inclusive ? '' : ' (exclusive)'}`;
    }
  }
}

// The tagged form of a check; a SQL check is named after its query unless named.
function normalizeCheck(raw: RawCheck): CheckSpec {
  if (typeof raw === 'string') return raw === 'amcheck' ? { kind: 'amcheck', heapallindexed: true } : { kind: raw };
  if ('amcheck' in raw) return { kind: 'amcheck', heapallindexed: raw.amcheck.heapallindexed };
  const { query, expect, database, name } = raw.sql;
  return {
    kind: 'sql',
    query,
    expect,
    ...(database === undefined ? {} : { database }),
    name: name ?? shortQuery(query),
  };
}

// The query on one line, trimmed to 60 characters.
function shortQuery(query: string): string {
  const line = query.replace(/\s+/g, ' ').trim();
  return line.length <= SQL_NAME_MAX ? line : `${line.slice(0, SQL_NAME_MAX - 3)}...`;
}

type RawKeySource = NonNullable<RawScenario['evidence']['signingKey']>;

// A key's source with its file made absolute (relative to the scenario's directory of resolution).
function keySourceOf(source: RawKeySource, cwd: string): KeySourceSpec {
  return 'file' in source ? { file: resolve(cwd, source.file) } : { env: source.env };
}
