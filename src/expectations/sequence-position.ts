// Where a sequence stands, in the direction it counts: what "not behind the backup" means for it (pure).
import type { SequenceExpectation } from './types.ts';

type Position = Pick<SequenceExpectation, 'lastValue' | 'isCalled'>;

/** The sequence's step; expectations stored before increments were captured count up by 1. */
export function increment(sequence: Pick<SequenceExpectation, 'increment'>): bigint {
  return BigInt(sequence.increment ?? '1');
}

/** The value nextval would hand out next (bounds aside): last_value itself until it has been called once. */
export function nextValue(position: Position, step: bigint): bigint {
  return position.isCalled ? BigInt(position.lastValue) + step : BigInt(position.lastValue);
}

/** Whether `have` would hand out a value `want` already handed out: behind it in the direction of `step`. */
export function isBehind(want: Position, have: Position, step: bigint): boolean {
  const wanted = nextValue(want, step);
  const next = nextValue(have, step);
  return step > 0n ? next < wanted : next > wanted;
}

/** Both positions are the same pair (last_value, is_called), as setval leaves it. */
export function samePosition(a: Position, b: Position): boolean {
  return a.lastValue === b.lastValue && a.isCalled === b.isCalled;
}

/** "ascending by 1", "descending by 3". */
export function direction(step: bigint): string {
  return `${step > 0n ? 'ascending' : 'descending'} by ${step > 0n ? step : -step}`;
}

/**
 * Positions read before pg_dump started, each marked `unmovedDuringDump` when it is where it was after pg_dump ended:
 * pg_dump read exactly that position. A cycling one is marked too: to read the same again it would have had to come
 * round its whole range to the very same value and call state within the dump, and a restore that lost its
 * position is otherwise never seen.
 */
export function markUnmovedDuringDump(
  before: SequenceExpectation[],
  after: readonly SequenceExpectation[],
): SequenceExpectation[] {
  const later = new Map(after.map((s) => [`${s.schema}\u0000${s.name}`, s]));
  return before.map((s) => {
    const then = later.get(`${s.schema}\u0000${s.name}`);
    return then && samePosition(s, then) ? { ...s, unmovedDuringDump: true } : s;
  });
}
