// Partition trees whose rows a dump restore may move between leaves, counted and hashed as a whole (pure).
import type { TableExpectation } from './types.ts';
import { relationKey } from './names.ts';

/** A partitioned table, by schema and name. */
export interface TreeRoot {
  schema: string;
  name: string;
}

/**
 * Insert one entry per tree (relkind p) before its first leaf, and mark each leaf with its tree's key. The tree's
 * count and fingerprint are its leaves' sums: a fingerprint is a sum over rows, and every row of a partitioned
 * table lives in a leaf, so this is what `select * from` the root would give, without scanning it again.
 */
export function withPartitionTrees(
  tables: readonly TableExpectation[],
  rootOf: ReadonlyMap<string, TreeRoot>,
): TableExpectation[] {
  const leavesOf = new Map<string, TableExpectation[]>();
  const marked = tables.map((t) => {
    const root = rootOf.get(relationKey(t));
    if (!root) return t;
    const leaf = { ...t, loadedViaRoot: relationKey(root) };
    leavesOf.set(leaf.loadedViaRoot, [...(leavesOf.get(leaf.loadedViaRoot) ?? []), leaf]);
    return leaf;
  });
  const result: TableExpectation[] = [];
  const placed = new Set<string>();
  for (const t of marked) {
    if (t.loadedViaRoot && !placed.has(t.loadedViaRoot)) {
      placed.add(t.loadedViaRoot);
      result.push(tree(rootOf.get(relationKey(t))!, leavesOf.get(t.loadedViaRoot)!));
    }
    result.push(t);
  }
  return result;
}

function tree(root: TreeRoot, leaves: readonly TableExpectation[]): TableExpectation {
  return {
    schema: root.schema,
    name: root.name,
    relkind: 'p',
    persistence: 'p',
    rows: leaves.reduce((n, l) => n + l.rows, 0),
    fingerprint: sumFingerprints(leaves.map((l) => l.fingerprint)),
    leaves: leaves.map((l) => relationKey(l)),
  };
}

/** The fingerprint of the union of row sets: the sums of their two halves; null when any was not computed. */
export function sumFingerprints(fingerprints: ReadonlyArray<string | null>): string | null {
  let h1 = 0n;
  let h2 = 0n;
  for (const f of fingerprints) {
    const halves = f?.match(/^(-?\d+):(-?\d+)$/);
    if (!halves) return null;
    h1 += BigInt(halves[1]!);
    h2 += BigInt(halves[2]!);
  }
  return `${h1}:${h2}`;
}
