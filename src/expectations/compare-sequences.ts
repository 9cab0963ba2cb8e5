// Compare sequences in the direction they count: exactly where the restore sets them exactly, otherwise not behind.
import type { CheckResult } from '../run/result.ts';
import { fail, pass } from '../run/check.ts';
import type { SequenceExpectation } from './types.ts';
import { relationKey } from './names.ts';
import { direction, increment, isBehind, samePosition } from './sequence-position.ts';

export interface SequenceCompareOptions {
  /** The restore is physical: unlogged sequences come back reset, logged ones at or past their last WAL-logged position. */
  physical: boolean;
  durationMs: number;
}

const PARAMETERS = ['increment', 'start', 'minValue', 'maxValue', 'cycle'] as const;
const LABEL: Record<(typeof PARAMETERS)[number], string> = {
  increment: 'increment',
  start: 'start',
  minValue: 'minimum',
  maxValue: 'maximum',
  cycle: 'cycle',
};

/** One result per sequence of the backup. */
export function compareSequences(
  expected: readonly SequenceExpectation[],
  actual: readonly SequenceExpectation[],
  options: SequenceCompareOptions,
): CheckResult[] {
  const got = new Map(actual.map((s) => [relationKey(s), s]));
  return expected.map((want) => compareSequence(want, got.get(relationKey(want)), options));
}

function compareSequence(
  want: SequenceExpectation,
  have: SequenceExpectation | undefined,
  { physical, durationMs }: SequenceCompareOptions,
): CheckResult {
  const key = relationKey(want);
  const id = `sequence:${key}`;
  if (!have)
    return fail(
      'sequences',
      id,
      'exact',
      at(want),
      null,
      `sequence ${key} is missing from the restored database`,
      durationMs,
    );
  // Which way "behind" points, and whether it can wrap, are the backup's: a restore that changed them is wrong already.
  const changed = PARAMETERS.filter((p) => want[p] !== undefined && have[p] !== undefined && want[p] !== have[p]);
  if (changed.length) {
    const pick = (s: SequenceExpectation): Record<string, unknown> =>
      Object.fromEntries(changed.map((p) => [LABEL[p], s[p]]));
    return fail(
      'sequences',
      id,
      'exact',
      pick(want),
      pick(have),
      `sequence ${key} restored with other parameters: ${changed.map((p) => `${LABEL[p]} ${String(have[p])} (backup: ${String(want[p])})`).join(', ')}`,
      durationMs,
    );
  }
  if (physical && want.persistence === 'u') return unloggedReset(want, have, durationMs);
  const step = increment(want);
  if (!physical && want.unmovedDuringDump) {
    if (samePosition(want, have))
      return pass(
        'sequences',
        id,
        'exact',
        at(want),
        at(have),
        `${key} at ${at(have)}, exactly as dumped (it did not move while pg_dump ran)`,
        durationMs,
      );
    const how = isBehind(want, have, step) ? 'behind it: new rows would reuse ids' : 'not what the dump holds';
    return fail(
      'sequences',
      id,
      'exact',
      at(want),
      at(have),
      `sequence ${key} at ${at(have)}, the dump set it to ${at(want)} (${direction(step)}): ${how}`,
      durationMs,
    );
  }
  if (want.cycle) {
    // A cycling sequence comes round to its start: any position in its range can follow the backup's.
    return pass(
      'sequences',
      id,
      'bounded',
      `any in [${want.minValue}, ${want.maxValue}] (cycles)`,
      at(have),
      `${key} at ${at(have)}: it cycles between ${want.minValue} and ${want.maxValue}, so any position can follow the backup's ${at(want)}; compared: its increment, bounds and cycle`,
      durationMs,
    );
  }
  const bound = `at or past ${at(want)} (${direction(step)})`;
  return isBehind(want, have, step)
    ? fail(
        'sequences',
        id,
        'bounded',
        bound,
        at(have),
        `sequence ${key} went back to ${at(have)} (backup: ${at(want)}, ${direction(step)}): new rows would reuse ids`,
        durationMs,
      )
    : pass(
        'sequences',
        id,
        'bounded',
        bound,
        at(have),
        `${key} at ${at(have)}, not behind the backup's ${at(want)} (${direction(step)})`,
        durationMs,
      );
}

// A physical restore resets an unlogged sequence from its init fork: the state it was created in, unless rewritten since.
function unloggedReset(want: SequenceExpectation, have: SequenceExpectation, durationMs: number): CheckResult {
  const key = relationKey(want);
  const id = `sequence:${key}`;
  if (want.rewritten || want.start === undefined) {
    return {
      id,
      kind: 'sequences',
      status: 'skipped',
      exactness: 'not-available',
      actual: at(have),
      durationMs,
      message: `${key}: unlogged, so a physical restore resets it to its state when its storage was last rewritten (ALTER SEQUENCE), which the catalog does not record: not compared`,
    };
  }
  const reset = { lastValue: want.start, isCalled: false };
  return samePosition(reset, have)
    ? pass(
        'sequences',
        id,
        'exact',
        at(reset),
        at(have),
        `${key}: unlogged, reset by the physical restore to its start ${at(reset)}, as expected (backup: ${at(want)})`,
        durationMs,
      )
    : fail(
        'sequences',
        id,
        'exact',
        at(reset),
        at(have),
        `unlogged sequence ${key} at ${at(have)} after a physical restore, which resets it to its start ${at(reset)}`,
        durationMs,
      );
}

function at(s: Pick<SequenceExpectation, 'lastValue' | 'isCalled'>): string {
  return `${s.lastValue}${s.isCalled ? '' : ' (not yet called)'}`;
}
