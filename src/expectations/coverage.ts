// What a capture covered beyond what every stored expectation holds: a restore of an older backup compares only
// what that backup captured, and says what it could not compare.
import type { Expectations, SchemaObject } from './types.ts';

/** Aspects captured since expectations began recording their coverage, in the words a report uses. */
export const COVERAGE = {
  'initial-privileges': 'privileges of pg_catalog objects and extension members',
  'text-search': 'text search configurations, dictionaries, templates and parsers',
  'operator-classes': 'operator classes and families',
  'conversions-methods-transforms': 'conversions, access methods and transforms',
  'extension-schemas': "extensions' schemas and comments",
  subscriptions: 'subscriptions',
  'large-object-metadata': "large objects' owners, privileges and comments",
  tablespaces: "tablespaces' owners, privileges, options and comments",
  'role-comments': 'role comments',
  'extension-members': "extension members' definitions and comments",
} as const;

/** One aspect a capture may cover. */
export type CoverageAspect = keyof typeof COVERAGE;

/** Everything this version captures. */
export const CAPTURED: readonly CoverageAspect[] = Object.keys(COVERAGE) as CoverageAspect[];

// Schema object kinds that exist only since an aspect was captured.
const KIND_ASPECT: Readonly<Record<string, CoverageAspect>> = {
  privileges: 'initial-privileges',
  'text search configuration': 'text-search',
  'text search dictionary': 'text-search',
  'text search template': 'text-search',
  'text search parser': 'text-search',
  'operator family': 'operator-classes',
  'operator class': 'operator-classes',
  conversion: 'conversions-methods-transforms',
  'access method': 'conversions-methods-transforms',
  transform: 'conversions-methods-transforms',
  extension: 'extension-schemas',
  subscription: 'subscriptions',
  'extension member': 'extension-members',
};

/** Whether the backup's expectations cover `aspect` (stored before coverage was recorded: none of them). */
export function covers(expected: Pick<Expectations, 'coverage'>, aspect: CoverageAspect): boolean {
  return expected.coverage?.includes(aspect) ?? false;
}

/** The aspects this version captures that the backup's expectations lack. */
export function uncovered(expected: Pick<Expectations, 'coverage'>): CoverageAspect[] {
  return CAPTURED.filter((aspect) => !covers(expected, aspect));
}

/** Schema objects of kinds the backup captured (both sides are filtered alike). */
export function coveredObjects(
  objects: readonly SchemaObject[],
  expected: Pick<Expectations, 'coverage'>,
): SchemaObject[] {
  return objects.filter((o) => {
    const aspect = KIND_ASPECT[o.kind];
    return aspect === undefined || covers(expected, aspect);
  });
}

/** "not compared: X, Y (the backup's expectations predate them: a new backup compares them)", or '' when all were. */
export function uncoveredNote(aspects: readonly CoverageAspect[]): string {
  return aspects.length
    ? `not compared: ${aspects.map((a) => COVERAGE[a]).join('; ')} (the backup's expectations predate them: a new backup compares them)`
    : '';
}
