// Compare schema objects by definition: which are missing, which are unexpected, and which changed, with both sides.
import type { CheckResult, Exactness } from '../run/result.ts';
import { fail, pass } from '../run/check.ts';
import type { Expectations, SchemaObject } from './types.ts';
import { normaliseForUpgrade } from './schema-upgrade-rules.ts';
import { excerpt } from './schema-excerpt.ts';
import { OPTIONS_NOT_READABLE } from './schema-database-objects.ts';
import { coveredObjects, uncovered, uncoveredNote, type CoverageAspect } from './coverage.ts';

// Coverage aspects compared by the schema checks.
const SCHEMA_ASPECTS: ReadonlySet<CoverageAspect> = new Set<CoverageAspect>([
  'initial-privileges',
  'text-search',
  'operator-classes',
  'conversions-methods-transforms',
  'extension-schemas',
  'subscriptions',
  'extension-members',
]);

/** Aspects a restore was told not to bring back (pg_restore --no-owner / --no-privileges). */
export interface NotRestored {
  owners?: boolean;
  privileges?: boolean;
}

export interface SchemaCompareOptions {
  exactness: Exactness;
  durationMs: number;
  notRestored?: NotRestored;
  /** The backup's view definitions as the restored server deparses them (restores into another major). */
  deparsedHere?: Readonly<Record<string, string>>;
}

/** One aspect of one object that differs: the backup's value and the restored one (null: absent on that side). */
export interface DefinitionDifference {
  object: string;
  aspect: string;
  expected: string | null;
  actual: string | null;
}

const SHOWN = 8;

/** `schema:objects` (presence) and `schema:definitions` (every aspect of every object present on both sides). */
export function compareSchemaObjects(
  expected: Expectations,
  actual: Expectations,
  options: SchemaCompareOptions,
): CheckResult[] {
  const { exactness, durationMs } = options;
  if (!expected.schemaObjects || !actual.schemaObjects) {
    const message = !expected.schemaObjects
      ? "the backup's expectations hold no object definitions (captured before definitions were recorded): take a new backup to compare the schema by definition"
      : "the restored database's object definitions were not captured";
    return [
      { id: 'schema:objects', kind: 'schema', status: 'errored', exactness: 'not-available', message, durationMs },
    ];
  }
  const from = major(expected.serverVersion);
  const to = major(actual.serverVersion);
  // Kinds the backup did not capture are left out on both sides; the result says what was not compared.
  const notCovered = uncoveredNote(uncovered(expected).filter((a) => SCHEMA_ASPECTS.has(a)));
  const members = comparableMembers(expected, actual, from !== to);
  const unread = unreadableMappingOptions(expected.schemaObjects);
  const normalised = normaliseForUpgrade(
    members.keep(coveredObjects(unread.strip(expected.schemaObjects), expected)),
    members.keep(coveredObjects(unread.strip(actual.schemaObjects), expected)),
    from,
    to,
    {
      deparsedHere: options.deparsedHere ?? {},
    },
  );
  // The reasons are in the rules (schema-upgrade-rules.ts); the report names which ones applied.
  const notes = normalised.applied.length
    ? [`normalised for ${from} → ${to}: ${normalised.applied.map((rule) => rule.id).join(', ')}`]
    : [];
  if (notCovered) notes.push(notCovered);
  const want = withoutUnrestored(normalised.expected, options.notRestored, notes);
  const got = withoutUnrestored(normalised.actual, options.notRestored, notes);
  // What was left out stands apart from the normalisations, which read last.
  const suffix = `${members.note ? ` (${members.note})` : ''}${notes.length ? ` (${notes.join('; ')})` : ''}`;
  const checks = [
    presence(want, got, exactness, durationMs, suffix),
    definitions(want, got, exactness, durationMs, suffix),
  ];
  for (const c of checks)
    if (c.status === 'failed' && /extension member /.test(c.message)) c.message += ` (${MEMBERS_LOST})`;
  return unread.result ? [...checks, { ...unread.result, durationMs }] : checks;
}

// Options of a user mapping the backup role could not read: pg_dump could not dump them either. Neither side's are
// compared, and a result says so: never a match.
function unreadableMappingOptions(objects: readonly SchemaObject[]): {
  strip: (objects: SchemaObject[]) => SchemaObject[];
  result?: Omit<CheckResult, 'durationMs'>;
} {
  const names = new Set(
    objects.filter((o) => o.definition['option names'] === OPTIONS_NOT_READABLE).map((o) => o.name),
  );
  const strip = (list: SchemaObject[]): SchemaObject[] =>
    list.map((o) => {
      if (!names.has(o.name)) return o;
      const { 'option names': _unread, ...definition } = o.definition;
      return { ...o, definition };
    });
  if (!names.size) return { strip };
  return {
    strip,
    result: {
      id: 'schema:user-mapping-options',
      kind: 'schema',
      status: 'skipped',
      exactness: 'not-available',
      expected: [...names],
      message: `options of ${[...names].join(', ')} not compared: the backup role could not read them (pg_user_mappings shows them only to the mapped user, the server's owner or a superuser), so pg_dump could not dump them either; take the backup as a superuser to carry them`,
    },
  };
}

const MEMBERS_LOST =
  'an extension member differs: a dump carries only CREATE EXTENSION, so a member changed on the source comes back as the extension script makes it';

// Extension members are what the extension's script makes them only for the same script: the same major and the
// same extension version on both sides. Members of others are not compared, and the result says which.
function comparableMembers(
  expected: Expectations,
  actual: Expectations,
  acrossMajors: boolean,
): { keep: (objects: SchemaObject[]) => SchemaObject[]; note: string } {
  const versions = new Set(actual.extensions);
  const moved = acrossMajors ? [] : expected.extensions.filter((e) => !versions.has(e)).map((e) => e.split(' ')[0]!);
  // An extension in another schema renames every member: the extension's own schema aspect says it once.
  const schemaOf = (objects: readonly SchemaObject[] | undefined): Map<string, string | undefined> =>
    new Map(
      (objects ?? [])
        .filter((o) => o.kind === 'extension')
        .map((o) => [o.name.slice('extension '.length), o.definition.schema]),
    );
  const here = schemaOf(actual.schemaObjects);
  const relocated = [...schemaOf(expected.schemaObjects)]
    .filter(([name, schema]) => here.has(name) && here.get(name) !== schema)
    .map(([name]) => name);
  const skipped = new Set([...moved, ...relocated]);
  const extensionOf = (o: SchemaObject): string => o.name.slice('extension member '.length).split(': ')[0]!;
  const keep = (objects: SchemaObject[]): SchemaObject[] =>
    objects.filter((o) => o.kind !== 'extension member' || (!acrossMajors && !skipped.has(extensionOf(o))));
  const note = acrossMajors
    ? 'extension members not compared: the restored server runs another major, whose extension scripts may differ'
    : [
        moved.length ? `members of ${moved.join(', ')} not compared: the restored extension version differs` : '',
        relocated.length
          ? `members of ${relocated.join(', ')} not compared: the restored extension is in another schema`
          : '',
      ]
        .filter(Boolean)
        .join('; ');
  return { keep, note };
}

// Presence: objects of the backup that did not come back, and objects the backup did not have.
function presence(
  want: SchemaObject[],
  got: SchemaObject[],
  exactness: Exactness,
  durationMs: number,
  suffix: string,
): CheckResult {
  const have = new Map(got.map((o) => [o.name, o]));
  const wanted = new Map(want.map((o) => [o.name, o]));
  const missing = want.filter((o) => !have.has(o.name));
  const extra = got.filter((o) => !wanted.has(o.name));
  if (!missing.length && !extra.length) {
    return pass(
      'schema',
      'schema:objects',
      exactness,
      want.length,
      got.length,
      `all ${want.length} schema objects present (${kinds(want)})${suffix}`,
      durationMs,
    );
  }
  const parts = [
    missing.length ? `missing ${missing.length}: ${names(missing)}` : '',
    extra.length ? `unexpected ${extra.length}: ${names(extra)}` : '',
  ].filter(Boolean);
  return fail(
    'schema',
    'schema:objects',
    exactness,
    { count: want.length, missing: byName(missing) },
    { count: got.length, unexpected: byName(extra) },
    `schema objects differ from the backup: ${parts.join('; ')}${suffix}`,
    durationMs,
  );
}

// Definitions: every aspect of every object present on both sides, compared as the catalog deparsed it.
function definitions(
  want: SchemaObject[],
  got: SchemaObject[],
  exactness: Exactness,
  durationMs: number,
  suffix: string,
): CheckResult {
  const have = new Map(got.map((o) => [o.name, o]));
  const differences: DefinitionDifference[] = [];
  let compared = 0;
  for (const w of want) {
    const a = have.get(w.name);
    if (!a) continue;
    compared++;
    differences.push(...differencesOf(w, a));
  }
  if (!differences.length) {
    return pass(
      'schema',
      'schema:definitions',
      exactness,
      compared,
      compared,
      `all ${compared} object definitions identical to the backup (owners, privileges, comments and deparsed definitions)${suffix}`,
      durationMs,
    );
  }
  const objects = [...new Set(differences.map((d) => d.object))];
  const shown = objects.slice(0, SHOWN).map(
    (object) =>
      `${object}: ${differences
        .filter((d) => d.object === object)
        .map(describe)
        .join('; ')}`,
  );
  const more = objects.length > SHOWN ? ` and ${objects.length - SHOWN} more objects` : '';
  return fail(
    'schema',
    'schema:definitions',
    exactness,
    sideOf(differences, 'expected'),
    sideOf(differences, 'actual'),
    `${objects.length} object definition${objects.length === 1 ? ' differs' : 's differ'} from the backup: ${shown.join(' | ')}${more}${suffix}`,
    durationMs,
  );
}

/** Every aspect of two definitions of one object that differs, an aspect present on one side only included. */
export function differencesOf(expected: SchemaObject, actual: SchemaObject): DefinitionDifference[] {
  const aspects = [...new Set([...Object.keys(expected.definition), ...Object.keys(actual.definition)])].sort();
  const result: DefinitionDifference[] = [];
  for (const aspect of aspects) {
    const w = expected.definition[aspect] ?? null;
    const a = actual.definition[aspect] ?? null;
    if (w !== a) result.push({ object: expected.name, aspect, expected: w, actual: a });
  }
  return result;
}

// "definition: backup `…x > 0…`, restored `…x >= 0…`": the place where they part, not the whole text.
function describe(d: DefinitionDifference): string {
  const [w, a] = excerpt(d.expected, d.actual);
  return `${d.aspect}: backup ${w}, restored ${a}`;
}

// The differing aspects only, per object, for one side (what the report's expected / actual carry).
function sideOf(
  differences: DefinitionDifference[],
  side: 'expected' | 'actual',
): Record<string, Record<string, string | null>> {
  const result: Record<string, Record<string, string | null>> = {};
  for (const d of differences) (result[d.object] ??= {})[d.aspect] = d[side];
  return result;
}

// Owners and privileges the restore was told to drop are not compared; the result says so.
function withoutUnrestored(
  objects: SchemaObject[],
  notRestored: NotRestored | undefined,
  notes: string[],
): SchemaObject[] {
  // --no-owner makes the restoring role own everything and grant as itself: owners and ACLs both change.
  const owners = notRestored?.owners ?? false;
  const privileges = notRestored?.privileges ?? false;
  if (!owners && !privileges) return objects;
  const note = [
    owners ? 'owners and privileges not compared: the restore ran with --no-owner' : '',
    privileges ? 'privileges not compared: the restore ran with --no-privileges' : '',
  ]
    .filter(Boolean)
    .join('; ');
  if (!notes.includes(note)) notes.push(note);
  return (
    objects
      // --no-privileges skips ALTER DEFAULT PRIVILEGES too; changed initial privileges are nothing but an ACL.
      .filter((o) => !(privileges && o.kind === 'default privileges') && o.kind !== 'privileges')
      .map((o) => {
        const definition = { ...o.definition };
        if (owners) delete definition.owner;
        if (owners || privileges) delete definition.acl;
        return { ...o, definition };
      })
  );
}

function byName(objects: SchemaObject[]): Record<string, Record<string, string>> {
  return Object.fromEntries(objects.map((o) => [o.name, o.definition]));
}

function names(objects: SchemaObject[]): string {
  const shown = objects.slice(0, SHOWN).map((o) => o.name);
  return objects.length > SHOWN ? `${shown.join(', ')} and ${objects.length - SHOWN} more` : shown.join(', ');
}

// "column: 80, table: 12, ...": what the pass covered.
function kinds(objects: SchemaObject[]): string {
  const counts = new Map<string, number>();
  for (const o of objects) counts.set(o.kind, (counts.get(o.kind) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([kind, n]) => `${kind}: ${n}`)
    .join(', ');
}

function major(version: string): number {
  return Number.parseInt(version, 10);
}
