// What a major upgrade legitimately changes in object definitions: each rule says why, and applies only across
// the majors where that change happened. Pure: definitions in, definitions out.
import type { SchemaObject } from './types.ts';

/** What a rule may use besides the two sides. */
export interface UpgradeContext {
  /** The backup's view and materialized view definitions as the restored server deparses the same text. */
  deparsedHere: Readonly<Record<string, string>>;
}

/** One normalisation of a restore into a newer major. */
export interface UpgradeRule {
  id: string;
  /** Why the definitions differ although nothing was lost. */
  reason: string;
  /** Whether the rule applies to a restore from major `from` into major `to`. */
  applies(from: number, to: number): boolean;
  /** Rewrite the restored side (or the backup's, into the restored server's spelling) so that only real differences remain. */
  apply(
    expected: SchemaObject[],
    actual: SchemaObject[],
    context: UpgradeContext,
  ): { expected: SchemaObject[]; actual: SchemaObject[] };
}

/** Every rule, in the order they apply. */
export const UPGRADE_RULES: readonly UpgradeRule[] = [
  {
    id: 'view-deparse',
    reason:
      "a newer major may deparse the same view query differently (16 stopped qualifying columns when a query reads one relation): the backup's view definitions are compared as the restored server deparses the same text, which is what pg_restore gave it",
    applies: (from, to) => from < to,
    apply: (expected, actual, context) => ({ expected: expected.map((o) => deparsedHere(o, context)), actual }),
  },
  {
    id: 'domain-not-null-constraint',
    reason:
      "PostgreSQL 17 records a domain's NOT NULL as a pg_constraint row; older majors keep it only in pg_type.typnotnull, which is compared on the domain",
    applies: changedIn(17),
    apply: (expected, actual) => ({ expected, actual: actual.filter((o) => o.kind !== 'domain not-null constraint') }),
  },
  {
    id: 'maintain-privilege',
    reason:
      "PostgreSQL 17 added the MAINTAIN privilege (m) on relations: an owner's default privileges and GRANT ALL include it there, where an older source had all privileges without it",
    applies: changedIn(17),
    apply: (expected, actual) => ({ expected, actual: actual.map(withoutMaintain) }),
  },
  {
    id: 'not-null-constraint',
    reason:
      'PostgreSQL 18 records NOT NULL on table columns as named pg_constraint rows; older majors keep it only in pg_attribute.attnotnull, which is compared on the column',
    applies: changedIn(18),
    apply: (expected, actual) => ({ expected, actual: actual.filter((o) => o.kind !== 'not-null constraint') }),
  },
  {
    id: 'subscription-streaming-default',
    reason:
      'PostgreSQL 18 made streaming = parallel the default for new subscriptions, and an older pg_dump writes no streaming option for one that does not stream: restored there, it streams in parallel',
    applies: changedIn(18),
    apply: (expected, actual) => {
      const off = new Set(
        expected.filter((o) => o.kind === 'subscription' && o.definition.streaming === 'off').map((o) => o.name),
      );
      return {
        expected,
        actual: actual.map((o) =>
          off.has(o.name) && o.definition.streaming === 'parallel'
            ? { ...o, definition: { ...o.definition, streaming: 'off' } }
            : o,
        ),
      };
    },
  },
];

/** The rules that apply to a restore from major `from` into major `to` (none within one major). */
export function upgradeRules(from: number, to: number): UpgradeRule[] {
  return UPGRADE_RULES.filter((rule) => rule.applies(from, to));
}

// A change made in `major`: it shows when the source is older and the restore is at or past it.
function changedIn(major: number): (from: number, to: number) => boolean {
  return (from, to) => from < major && to >= major;
}

/** Apply the rules for `from` → `to`; returns the normalised sides and the rules that changed anything. */
export function normaliseForUpgrade(
  expected: SchemaObject[],
  actual: SchemaObject[],
  from: number,
  to: number,
  context: UpgradeContext = { deparsedHere: {} },
): { expected: SchemaObject[]; actual: SchemaObject[]; applied: UpgradeRule[] } {
  const applied: UpgradeRule[] = [];
  let sides = { expected, actual };
  for (const rule of upgradeRules(from, to)) {
    const next = rule.apply(sides.expected, sides.actual, context);
    if (JSON.stringify(next) !== JSON.stringify(sides)) applied.push(rule);
    sides = next;
  }
  return { ...sides, applied };
}

// A view's definition in the restored server's words, when that server could deparse the backup's text.
function deparsedHere(object: SchemaObject, context: UpgradeContext): SchemaObject {
  const text = context.deparsedHere[object.name];
  if (text === undefined || object.definition.definition === undefined) return object;
  return { ...object, definition: { ...object.definition, definition: text } };
}

const RELATION_ACL_KINDS = new Set(['table', 'view', 'materialized view', 'foreign table']);
// Every table privilege an older major knows (INSERT SELECT UPDATE DELETE TRUNCATE REFERENCES TRIGGER): GRANT ALL there.
const ALL_BEFORE_MAINTAIN = 'arwdDxt';

// Drop the MAINTAIN that 17 adds to "all privileges" on relations and on default privileges for tables.
function withoutMaintain(object: SchemaObject): SchemaObject {
  const acl = object.definition.acl;
  const relation =
    RELATION_ACL_KINDS.has(object.kind) || (object.kind === 'default privileges' && object.name.endsWith(' on tables'));
  if (!relation || acl === undefined) return object;
  return { ...object, definition: { ...object.definition, acl: withoutImpliedMaintain(acl) } };
}

/**
 * Remove MAINTAIN (m, with its grant option) from the items of an ACL ("grantee=privs/grantor ...") that hold every
 * privilege an older major had: there it came with ALL (an owner's default or GRANT ALL). A MAINTAIN granted on
 * its own or with fewer privileges stays, and shows as a difference.
 */
export function withoutImpliedMaintain(acl: string): string {
  if (acl === '') return acl;
  return acl
    .split(' ')
    .map((item) => {
      const match = /^(.*)=([^=/]*)\/(.*)$/.exec(item);
      if (!match || ![...ALL_BEFORE_MAINTAIN].every((p) => match[2]!.includes(p))) return item;
      return `${match[1]}=${match[2]!.replace(/m\*?/, '')}/${match[3]}`;
    })
    .join(' ');
}
