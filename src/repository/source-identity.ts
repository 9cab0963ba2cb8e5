// Which source a backup came from, and whether a scenario may restore it (pure).
import type { Scenario } from '../scenario/types.ts';
import { databaseOf, keywordsOf, serverOf } from '../source/connection-string.ts';
import type { BackupMethod, BackupRecord } from './backup-record.ts';

/**
 * A scenario's own backups: same scenario name, method and source. A managed source is its scenario's
 * (a new cluster each time); a url source is its server and database.
 */
export interface SourceIdentity {
  scenario: string;
  method: BackupMethod;
  kind: 'managed' | 'url';
  database: string;
  /** url sources: host or socket directory and port; absent when a record does not say. */
  server?: string;
}

/** The identity of the backups a scenario takes. */
export function scenarioIdentity(scenario: Scenario): SourceIdentity {
  const base = { scenario: scenario.name, method: scenario.backup.method };
  if (scenario.source.kind === 'managed') return { ...base, kind: 'managed', database: scenario.source.database };
  const keywords = keywordsOf(scenario.source.url);
  return { ...base, kind: 'url', database: databaseOf(keywords), server: serverOf(keywords) };
}

/** The identity a stored backup records. */
export function recordIdentity(record: BackupRecord): SourceIdentity {
  return {
    scenario: record.scenario,
    method: record.method,
    kind: record.source.kind,
    database: record.source.database,
    ...(record.source.server === undefined ? {} : { server: record.source.server }),
  };
}

/** How `found` differs from `wanted`, one phrase per field; empty when it is the same source. */
export function identityDifferences(wanted: SourceIdentity, found: SourceIdentity): string[] {
  const differences: string[] = [];
  if (found.scenario !== wanted.scenario) differences.push(`scenario "${found.scenario}", not "${wanted.scenario}"`);
  if (found.method !== wanted.method) differences.push(`a ${found.method}, not a ${wanted.method}`);
  if (found.kind !== wanted.kind) differences.push(`a ${found.kind} source, not a ${wanted.kind} one`);
  if (found.database !== wanted.database) differences.push(`database "${found.database}", not "${wanted.database}"`);
  if (wanted.kind === 'url' && found.kind === 'url' && found.server !== wanted.server)
    differences.push(`server ${found.server ?? '(not recorded)'}, not ${wanted.server}`);
  return differences;
}

/** One line naming a source: `scenario "pitr" (managed source, database app, basebackup)`. */
export function describeIdentity(identity: SourceIdentity): string {
  const where = identity.kind === 'managed' ? 'managed source' : `server ${identity.server ?? '(not recorded)'}`;
  return `scenario "${identity.scenario}" (${where}, database ${identity.database}, ${identity.method})`;
}
