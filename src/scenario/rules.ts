// Cross-field rules on a validated raw scenario: each returns the issues it finds, none throw.
import type { ScenarioIssue } from '../core/errors.ts';
import { normalizeTarget } from './normalize.ts';
import type { RawScenario } from './schema.ts';
import { DEFAULT_MANAGED_MAJOR } from './managed-major.ts';
import { redactSecrets } from '../core/redact.ts';

/** One cross-field rule. */
export type ScenarioRule = (scenario: RawScenario) => ScenarioIssue[];

/** `restore.image` picks a Docker image, so it needs the docker environment. */
export function imageNeedsDocker(scenario: RawScenario): ScenarioIssue[] {
  const { image, environment } = scenario.restore;
  if (image === undefined || environment === 'docker') return [];
  return [
    {
      path: 'restore.image',
      problem: `an image applies only to the docker environment, not ${environment}`,
      fix: 'set restore.environment: docker, or remove restore.image',
    },
  ];
}

/** A dump restores only to the moment it was taken: any other target needs WAL replay. */
export function targetsNeedWal(scenario: RawScenario): ScenarioIssue[] {
  if (scenario.backup.method !== 'dump') return [];
  return scenario.restore.targets.flatMap((target, index) => {
    const { kind, label } = normalizeTarget(target);
    if (kind === 'immediate') return [];
    return [
      {
        path: `restore.targets[${index}]`,
        problem: `a dump restores only to its snapshot, so it cannot reach target ${label}`,
        fix: 'use targets: [immediate] or backup.method: basebackup',
      },
    ];
  });
}

/** `backup.snapshot` is required with method snapshot and meaningless otherwise. */
export function snapshotMatchesMethod(scenario: RawScenario): ScenarioIssue[] {
  const { method, snapshot } = scenario.backup;
  if (method === 'snapshot' && snapshot === undefined) {
    return [
      {
        path: 'backup.snapshot',
        problem: 'backup.method snapshot needs to know how to snapshot',
        fix: 'add snapshot: { driver: copy } or snapshot: { command: "...", restoreCommand: "..." }',
      },
    ];
  }
  if (method !== 'snapshot' && snapshot !== undefined) {
    return [
      {
        path: 'backup.snapshot',
        problem: `snapshot settings apply only to backup.method snapshot, not ${method}`,
        fix: 'set backup.method: snapshot, or remove backup.snapshot',
      },
    ];
  }
  return [];
}

/** `backup.external` is required with method external and meaningless otherwise. */
export function externalMatchesMethod(scenario: RawScenario): ScenarioIssue[] {
  const { method, external } = scenario.backup;
  if (method === 'external' && external === undefined) {
    return [
      {
        path: 'backup.external',
        problem: 'backup.method external needs the commands that bring the backup back',
        fix: 'add external: { restoreCommand: "pgbackrest --stanza=main --pg1-path=$RECOVERABLE_PGDATA restore", restoreWal: "pgbackrest --stanza=main archive-get %f \\"%p\\"" }',
      },
    ];
  }
  if (method !== 'external' && external !== undefined) {
    return [
      {
        path: 'backup.external',
        problem: `external settings apply only to backup.method external, not ${method}`,
        fix: 'set backup.method: external, or remove backup.external',
      },
    ];
  }
  return [];
}

/**
 * An external backup is of a real server another tool backs up (a managed source is new on every run), replays that
 * tool's WAL archive through exactly one restore_command, and is chosen by the tool, not by `backup.use`.
 */
export function externalFitsSource(scenario: RawScenario): ScenarioIssue[] {
  const { method, external, use } = scenario.backup;
  if (method !== 'external' || external === undefined) return [];
  const issues: ScenarioIssue[] = [];
  if (scenario.source.managed !== undefined) {
    issues.push({
      path: 'source.managed',
      problem:
        'an external backup is taken by another tool of a real server; a managed source is created anew by each run',
      fix: 'use source: { url: ${DATABASE_URL} } naming the server the tool backs up',
    });
  }
  const { restoreCommand } = scenario.source;
  if (external.restoreWal === undefined && restoreCommand === undefined) {
    issues.push({
      path: 'backup.external.restoreWal',
      problem: "an external backup replays WAL from its tool's archive, and no restore_command for it is given",
      fix: 'add restoreWal: "pgbackrest --stanza=main archive-get %f \\"%p\\"" (or your tool\'s equivalent)',
    });
  }
  if (external.restoreWal !== undefined && restoreCommand !== undefined && external.restoreWal !== restoreCommand) {
    issues.push({
      path: 'source.restoreCommand',
      problem: 'source.restoreCommand and backup.external.restoreWal both name the restore_command, differently',
      fix: 'keep backup.external.restoreWal and remove source.restoreCommand',
    });
  }
  if (scenario.restore.environment === 'docker') {
    issues.push({
      path: 'restore.environment',
      problem:
        "restoreWal runs as the restored server's restore_command, and a container has neither the tool nor its configuration and repository",
      fix: 'use restore.environment: local on a machine where the tool runs',
    });
  }
  if (use !== undefined) {
    issues.push({
      path: 'backup.use',
      problem:
        'the backup tool chooses which of its backups restoreCommand brings back; each drill records its own markers',
      fix: 'remove backup.use and choose the backup in restoreCommand (e.g. pgbackrest --set=...)',
    });
  }
  return issues;
}

/** `source.restoreCommand` replays another tool's archive of a real server: url sources only. */
export function restoreCommandNeedsUrl(scenario: RawScenario): ScenarioIssue[] {
  if (scenario.source.restoreCommand === undefined || scenario.source.url !== undefined) return [];
  return [
    {
      path: 'source.restoreCommand',
      problem: 'restoreCommand applies only to a url source',
      fix: 'remove source.restoreCommand, or use source.url',
    },
  ];
}

/** A managed source always writes markers, so `markers: false` would be silently ignored. */
export function managedHasMarkers(scenario: RawScenario): ScenarioIssue[] {
  if (scenario.source.managed === undefined || scenario.source.markers !== false) return [];
  return [
    {
      path: 'source.markers',
      problem: 'a managed source always writes markers (Recoverable owns its workload)',
      fix: 'remove source.markers',
    },
  ];
}

/** `restore.version` and `restore.matrix.version` both choose the version: keep one. */
export function oneRestoreVersion(scenario: RawScenario): ScenarioIssue[] {
  const { version, matrix } = scenario.restore;
  if (version === undefined || matrix === undefined) return [];
  return [
    {
      path: 'restore.matrix',
      problem: 'restore.version and restore.matrix.version both choose the restore version',
      fix: 'keep one of them',
    },
  ];
}

/** A physical backup (basebackup, snapshot) restores only into the major version it was taken from. */
export function physicalKeepsMajor(scenario: RawScenario): ScenarioIssue[] {
  const { managed } = scenario.source;
  if (managed === undefined || scenario.backup.method === 'dump') return [];
  const from = managed.version ?? DEFAULT_MANAGED_MAJOR;
  const { version, matrix } = scenario.restore;
  const chosen = version === undefined ? [] : [{ path: 'restore.version', version }];
  const each = (matrix?.version ?? []).map((v, index) => ({ path: `restore.matrix.version[${index}]`, version: v }));
  return [...chosen, ...each]
    .filter((entry) => entry.version !== from)
    .map((entry) => ({
      path: entry.path,
      problem: `a ${scenario.backup.method} of PostgreSQL ${from} cannot be restored into PostgreSQL ${entry.version}`,
      fix: `use restore.upgrade: { to: ${entry.version} } for a pg_upgrade rehearsal, backup.method: dump to rehearse through a dump, or restore into ${from}`,
    }));
}

/** `restore.upgrade` runs pg_upgrade on a restored physical backup, into a newer major, one restore per target. */
export function upgradeFitsBackup(scenario: RawScenario): ScenarioIssue[] {
  const { upgrade, matrix } = scenario.restore;
  if (upgrade === undefined) return [];
  if (scenario.backup.method === 'dump') {
    return [
      {
        path: 'restore.upgrade',
        problem: 'pg_upgrade rehearses physical backups; a dump is rehearsed by restoring it into the newer major',
        fix: `use restore.version: ${upgrade.to} with a dump, or backup.method: basebackup`,
      },
    ];
  }
  const issues: ScenarioIssue[] = [];
  if (matrix !== undefined)
    issues.push({
      path: 'restore.matrix',
      problem: 'restore.upgrade and restore.matrix both choose the version a restore ends in',
      fix: 'keep one of them',
    });
  const { managed } = scenario.source;
  const from = managed === undefined ? undefined : (managed.version ?? DEFAULT_MANAGED_MAJOR);
  if (from !== undefined && upgrade.to <= from) {
    issues.push({
      path: 'restore.upgrade.to',
      problem: `pg_upgrade upgrades into a newer major: ${upgrade.to} is not newer than the source's ${from}`,
      fix: `set restore.upgrade.to above ${from} (e.g. ${Math.min(from + 2, 18)})`,
    });
  }
  return issues;
}

/** Each restore target and matrix version appears once. */
export function noDuplicates(scenario: RawScenario): ScenarioIssue[] {
  const labels = scenario.restore.targets.map((target) => normalizeTarget(target).label);
  const versions = (scenario.restore.matrix?.version ?? []).map(String);
  return [...repeats(labels, 'restore.targets', 'target'), ...repeats(versions, 'restore.matrix.version', 'version')];
}

// Issues for every entry that repeats an earlier one.
function repeats(values: string[], path: string, what: string): ScenarioIssue[] {
  return values.flatMap((value, index) => {
    const first = values.indexOf(value);
    if (first === index) return [];
    return [
      { path: `${path}[${index}]`, problem: `${what} ${value} repeats ${path}[${first}]`, fix: 'remove the repeat' },
    ];
  });
}

/** Every cross-field rule, in the order their issues are reported. */
export const scenarioRules: readonly ScenarioRule[] = [
  imageNeedsDocker,
  targetsNeedWal,
  snapshotMatchesMethod,
  externalMatchesMethod,
  externalFitsSource,
  restoreCommandNeedsUrl,
  managedHasMarkers,
  oneRestoreVersion,
  physicalKeepsMajor,
  upgradeFitsBackup,
  noDuplicates,
  encryptionFitsMethod,
  incrementalFitsBackup,
];

/** The first major whose pg_basebackup takes incremental backups (and has pg_combinebackup). */
export const INCREMENTAL_MIN_MAJOR = 17;

/**
 * `backup.incremental` needs a basebackup of PostgreSQL 17+ (a url source's major is checked when it is backed up), no
 * tablespaces (a chain's tablespaces are not re-pointed for pg_combinebackup) and no encryption (the parent's
 * backup_manifest must be readable by pg_basebackup).
 */
export function incrementalFitsBackup(scenario: RawScenario): ScenarioIssue[] {
  if (!scenario.backup.incremental) return [];
  if (scenario.backup.method !== 'basebackup') {
    return [
      {
        path: 'backup.incremental',
        problem: `incremental backups are basebackups, not ${scenario.backup.method}`,
        fix: 'set backup.method: basebackup, or remove backup.incremental',
      },
    ];
  }
  const issues: ScenarioIssue[] = [];
  const { managed } = scenario.source;
  const major = managed ? (managed.version ?? DEFAULT_MANAGED_MAJOR) : null;
  if (major !== null && major < INCREMENTAL_MIN_MAJOR) {
    issues.push({
      path: 'backup.incremental',
      problem: `PostgreSQL ${major} cannot take incremental backups (pg_basebackup --incremental and pg_combinebackup arrived in ${INCREMENTAL_MIN_MAJOR})`,
      fix: `set source.managed.version: ${INCREMENTAL_MIN_MAJOR} or newer, or remove backup.incremental`,
    });
  }
  if (managed && managed.tablespaces.length > 0) {
    issues.push({
      path: 'backup.incremental',
      problem:
        "an incremental chain with tablespaces is not supported (pg_combinebackup would need each backup's tablespaces re-pointed)",
      fix: 'remove source.managed.tablespaces, or remove backup.incremental',
    });
  }
  if (scenario.encryption !== undefined) {
    issues.push({
      path: 'backup.incremental',
      problem:
        "an incremental backup reads its parent's backup_manifest, which an encrypted repository keeps encrypted",
      fix: 'remove encryption, or remove backup.incremental',
    });
  }
  return issues;
}

/**
 * Encryption covers what the repository holds: a snapshot's volumes live outside it, and a managed source in a
 * container archives with a shell cp (no Node there to encrypt), so both are refused rather than left in plaintext.
 */
export function encryptionFitsMethod(scenario: RawScenario): ScenarioIssue[] {
  if (scenario.encryption === undefined) return [];
  const { method } = scenario.backup;
  if (method === 'snapshot') {
    return [
      {
        path: 'encryption',
        problem: 'a snapshot backup lives in volume snapshots outside the repository, which Recoverable cannot encrypt',
        fix: 'remove encryption, or use backup.method: dump or basebackup',
      },
    ];
  }
  if (method === 'basebackup' && scenario.source.managed !== undefined && scenario.restore.environment === 'docker') {
    return [
      {
        path: 'encryption',
        problem: 'a managed source in a container archives its WAL with a shell cp, which cannot encrypt it',
        fix: 'use restore.environment: local for encrypted basebackups of a managed source, or backup.method: dump',
      },
    ];
  }
  return [];
}

/** Runs every rule and returns all their issues. */
export function checkRules(scenario: RawScenario): ScenarioIssue[] {
  return scenarioRules.flatMap((rule) => rule(scenario));
}

/**
 * Secrets come from the environment, never from the file: `written` is `source.url` as written,
 * before `${VAR}` substitution.
 */
export function passwordNotInFile(written: unknown): ScenarioIssue[] {
  if (typeof written !== 'string') return [];
  // A password that is exactly a `${VAR}` reference masks to itself; anything else was written in the file.
  const masked = written.replace(/\$\{[^}]*\}/g, '***');
  if (redactSecrets(masked) === masked) return [];
  return [
    {
      path: 'source.url',
      problem: 'the url contains a password written in the scenario file',
      fix: 'write url: ${DATABASE_URL} and export DATABASE_URL, or use PGPASSWORD or ~/.pgpass',
    },
  ];
}
