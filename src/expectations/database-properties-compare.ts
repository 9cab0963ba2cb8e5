// Compare the restored database's own properties with the backup's: one result per property, both sides named.
import type { CheckResult, Exactness } from '../run/result.ts';
import { fail, pass } from '../run/check.ts';
import type { DatabaseLocale, DatabaseProperties } from './database-properties.ts';

export interface DatabaseCompareOptions {
  /** Which aspects the scenario asked for: `schema` covers the database's properties, `roles` its per-role settings. */
  kinds: ReadonlySet<string>;
  exactness: Exactness;
  durationMs: number;
}

interface Property {
  id: string;
  kind: 'schema' | 'roles';
  /** How the property is named in a message. */
  noun: string;
  show: (p: DatabaseProperties) => string;
  /** What is compared (a list compares item by item, whatever its items contain). */
  value?: (p: DatabaseProperties) => unknown;
}

const PROPERTIES: readonly Property[] = [
  { id: 'database:owner', kind: 'schema', noun: 'owner', show: (p) => p.owner },
  { id: 'database:locale', kind: 'schema', noun: 'encoding and locale', show: (p) => locale(p.locale) },
  {
    id: 'database:settings',
    kind: 'schema',
    noun: 'settings (ALTER DATABASE ... SET)',
    show: (p) => list(p.settings),
    value: (p) => p.settings,
  },
  {
    id: 'database:privileges',
    kind: 'schema',
    noun: 'privileges (GRANT ... ON DATABASE)',
    show: (p) => list(p.privileges),
    value: (p) => p.privileges,
  },
  {
    id: 'database:comment',
    kind: 'schema',
    noun: 'comment',
    show: (p) => (p.comment === null ? 'none' : JSON.stringify(p.comment)),
  },
  {
    id: 'database:options',
    kind: 'schema',
    noun: 'connection limit, connections allowed, template',
    show: (p) =>
      `connection limit ${p.connectionLimit === -1 ? 'unlimited' : p.connectionLimit}, ${p.allowConnections ? 'allows' : 'refuses'} connections, ${p.isTemplate ? '' : 'not '}a template`,
  },
  { id: 'database:tablespace', kind: 'schema', noun: 'default tablespace', show: (p) => p.tablespace },
  {
    id: 'database:role-settings',
    kind: 'roles',
    noun: 'role settings in this database (ALTER ROLE ... IN DATABASE ... SET)',
    show: (p) => list(p.roleSettings),
    value: (p) => p.roleSettings,
  },
];

/** Compare the database's properties; `expected` is absent in expectations stored before they were captured. */
export function compareDatabaseProperties(
  database: string,
  expected: DatabaseProperties | undefined,
  actual: DatabaseProperties | undefined,
  options: DatabaseCompareOptions,
): CheckResult[] {
  const wanted = PROPERTIES.filter((p) => options.kinds.has(p.kind));
  const tablespaces = options.kinds.has('schema');
  if (wanted.length === 0 && !tablespaces) return [];
  if (!expected) {
    return [
      {
        id: 'database:properties',
        kind: 'schema',
        status: 'skipped',
        exactness: 'not-available',
        message: `the backup's expectations hold no properties of database ${database} (taken by an older Recoverable): owner, settings, grants, comment and locale were not compared; take a new backup`,
        durationMs: 0,
      },
    ];
  }
  if (!actual) {
    return [
      {
        id: 'database:properties',
        kind: 'schema',
        status: 'errored',
        exactness: 'not-available',
        message: `the properties of the restored database ${database} could not be read`,
        durationMs: 0,
      },
    ];
  }
  const share = Math.round(options.durationMs / (wanted.length + 1));
  const results = wanted.map((p) => {
    const backup = p.show(expected);
    const restored = p.show(actual);
    const same = p.value ? JSON.stringify(p.value(expected)) === JSON.stringify(p.value(actual)) : backup === restored;
    return same
      ? pass(p.kind, p.id, options.exactness, backup, restored, `database ${database} ${p.noun}: ${restored}`, share)
      : fail(
          p.kind,
          p.id,
          options.exactness,
          backup,
          restored,
          `database ${database} ${p.noun} differs: backup ${backup}, restored ${restored}`,
          share,
        );
  });
  if (tablespaces) results.push(compareRelationTablespaces(expected, actual, options.exactness, share));
  return results;
}

/** Every relation that had a tablespace of its own must be in the same-named tablespace after the restore. */
export function compareRelationTablespaces(
  expected: DatabaseProperties,
  actual: DatabaseProperties,
  exactness: Exactness,
  durationMs: number,
): CheckResult {
  const id = 'schema:tablespaces';
  const got = new Map(actual.relationTablespaces.map((r) => [r.relation, r.tablespace]));
  const want = new Map(expected.relationTablespaces.map((r) => [r.relation, r.tablespace]));
  // A relation the restore put in the database's default tablespace is listed on neither side: name it by that default.
  const where = (map: Map<string, string>, relation: string, fallback: string): string =>
    map.get(relation) ?? `${fallback} (the database default)`;
  const moved = [...new Set([...want.keys(), ...got.keys()])]
    .sort()
    .filter((r) => want.get(r) !== got.get(r))
    .map((r) => `${r}: backup ${where(want, r, expected.tablespace)}, restored ${where(got, r, actual.tablespace)}`);
  if (moved.length === 0) {
    const spaces = [...new Set(expected.relationTablespaces.map((r) => r.tablespace))];
    return pass(
      'schema',
      id,
      exactness,
      Object.fromEntries(want),
      Object.fromEntries(got),
      want.size
        ? `all ${want.size} relations outside the default tablespace are in the same tablespace (${spaces.join(', ')})`
        : 'no relation has a tablespace of its own, in the backup or the restore',
      durationMs,
    );
  }
  return fail(
    'schema',
    id,
    exactness,
    Object.fromEntries(want),
    Object.fromEntries(got),
    `relations in another tablespace than in the backup: ${moved.slice(0, 8).join('; ')}${moved.length > 8 ? ` and ${moved.length - 8} more` : ''}`,
    durationMs,
  );
}

function locale(l: DatabaseLocale): string {
  const provider =
    l.provider === 'libc'
      ? 'libc'
      : `${l.provider} ${l.locale ?? '?'}${l.icuRules ? ` rules ${JSON.stringify(l.icuRules)}` : ''}`;
  return `${l.encoding}, collate ${l.collate}, ctype ${l.ctype}, provider ${provider}`;
}

function list(items: readonly string[]): string {
  return items.length ? items.join('; ') : 'none';
}
