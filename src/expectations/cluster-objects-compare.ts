// Compare large objects' owners, privileges and comments, and the cluster's tablespaces, with the backup's.
import type { CheckResult, Exactness } from '../run/result.ts';
import { fail, pass } from '../run/check.ts';
import type { LargeObjectMetadata, TablespaceExpectation } from './cluster-objects.ts';
import type { NotRestored } from './compare-schema.ts';

const SHOWN = 8;

/** One object's aspects that differ: "large object 424242: owner: backup lo_owner, restored postgres". */
type Entry = Record<string, string | null>;

// Every differing aspect of objects keyed alike on both sides; an object on one side only differs in all.
function differences(
  want: ReadonlyMap<string, Entry>,
  got: ReadonlyMap<string, Entry>,
  aspects: readonly string[],
): { object: string; aspect: string; backup: string; restored: string }[] {
  const result: { object: string; aspect: string; backup: string; restored: string }[] = [];
  for (const key of [...new Set([...want.keys(), ...got.keys()])].sort()) {
    const w = want.get(key);
    const g = got.get(key);
    if (!w || !g) {
      result.push({
        object: key,
        aspect: 'presence',
        backup: w ? 'present' : 'absent',
        restored: g ? 'present' : 'absent',
      });
      continue;
    }
    for (const aspect of aspects)
      if ((w[aspect] ?? null) !== (g[aspect] ?? null))
        result.push({ object: key, aspect, backup: show(w[aspect]), restored: show(g[aspect]) });
  }
  return result;
}

function show(value: string | null | undefined): string {
  return value === null || value === undefined || value === '' ? '(none)' : JSON.stringify(value);
}

function describe(diffs: ReturnType<typeof differences>): string {
  const objects = [...new Set(diffs.map((d) => d.object))];
  const shown = objects.slice(0, SHOWN).map(
    (o) =>
      `${o}: ${diffs
        .filter((d) => d.object === o)
        .map((d) => `${d.aspect}: backup ${d.backup}, restored ${d.restored}`)
        .join('; ')}`,
  );
  return `${shown.join(' | ')}${objects.length > SHOWN ? ` and ${objects.length - SHOWN} more` : ''}`;
}

/**
 * `large-objects:metadata`: the large objects whose owner is not the database's owner or that carry privileges or a
 * comment, compared one by one (owners and privileges left out where the restore was told not to bring them back).
 */
export function compareLargeObjectMetadata(
  expected: readonly LargeObjectMetadata[],
  actual: readonly LargeObjectMetadata[],
  options: { exactness: Exactness; durationMs: number; notRestored?: NotRestored },
): CheckResult {
  const owners = !(options.notRestored?.owners ?? false);
  const privileges = owners && !(options.notRestored?.privileges ?? false);
  const aspects = ['comment', ...(owners ? ['owner'] : []), ...(privileges ? ['acl'] : [])];
  // Without owners or privileges, only objects with a comment are known to differ from the default.
  const keep = (l: LargeObjectMetadata): boolean => (owners && privileges) || l.comment !== null;
  const index = (ls: readonly LargeObjectMetadata[]): Map<string, Entry> =>
    new Map(ls.filter(keep).map((l) => [`large object ${l.oid}`, { owner: l.owner, acl: l.acl, comment: l.comment }]));
  const want = index(expected);
  const diffs = differences(want, index(actual), aspects);
  const notes =
    owners && privileges
      ? ''
      : ` (${owners ? 'privileges' : 'owners and privileges'} not compared: the restore was told not to bring them back)`;
  return diffs.length
    ? fail(
        'large-objects',
        'large-objects:metadata',
        options.exactness,
        Object.fromEntries(diffs.map((d) => [`${d.object} ${d.aspect}`, d.backup])),
        Object.fromEntries(diffs.map((d) => [`${d.object} ${d.aspect}`, d.restored])),
        `large objects' ${aspects.join(', ')} differ from the backup: ${describe(diffs)}${notes}`,
        options.durationMs,
      )
    : pass(
        'large-objects',
        'large-objects:metadata',
        options.exactness,
        want.size,
        want.size,
        `large objects' ${aspects.join(', ')} match: ${want.size} with an owner other than the database's, privileges or a comment, the rest owned by the database's owner without either${notes}`,
        options.durationMs,
      );
}

/** `tablespaces`: each tablespace's owner, privileges, options and comment (locations are the restore's own). */
export function compareTablespaces(
  expected: readonly TablespaceExpectation[],
  actual: readonly TablespaceExpectation[],
  options: { exactness: Exactness; durationMs: number },
): CheckResult {
  const index = (ts: readonly TablespaceExpectation[]): Map<string, Entry> =>
    new Map(
      ts.map((t) => [`tablespace ${t.name}`, { owner: t.owner, acl: t.acl, options: t.options, comment: t.comment }]),
    );
  const diffs = differences(index(expected), index(actual), ['owner', 'acl', 'options', 'comment']);
  return diffs.length
    ? fail(
        'roles',
        'tablespaces',
        options.exactness,
        Object.fromEntries(diffs.map((d) => [`${d.object} ${d.aspect}`, d.backup])),
        Object.fromEntries(diffs.map((d) => [`${d.object} ${d.aspect}`, d.restored])),
        `tablespaces differ from the backup: ${describe(diffs)}`,
        options.durationMs,
      )
    : pass(
        'roles',
        'tablespaces',
        options.exactness,
        expected.length,
        actual.length,
        `all ${expected.length} tablespaces match: owners, privileges, options, comments`,
        options.durationMs,
      );
}
