// WAL continuity: every segment recovery needs, from a start segment to an end (following timeline switches), is archived.
import { RecoverableError, UsageError } from '../core/errors.ts';
import {
  DEFAULT_WAL_SEGMENT_SIZE,
  historyFileName,
  isHistoryName,
  isSegmentName,
  parseHistoryFile,
  parseSegmentName,
  segmentNameFromNumber,
  type TimelineSwitch,
  type WalSegment,
} from './wal-names.ts';

/** What continuity needs from an archive (WalArchive has it). */
export interface WalArchiveReader {
  list(): Promise<string[]>;
  read(name: string): Promise<Buffer | null>;
}

export interface WalContinuityOptions {
  /** First segment recovery reads (the backup's start segment). */
  startSegment: string;
  /** Last segment needed; default: the last one archived on the target timeline. */
  endSegment?: string;
  /**
   * Timeline to follow to; default: `endSegment`'s, else the newest archived timeline descending from the start.
   * `latest` is that newest timeline whatever the end's (as a server with recovery_target_timeline 'latest' chooses):
   * the end then counts only by its position.
   */
  timeline?: number | 'latest';
  segSize?: number;
}

export interface WalContinuity {
  ok: boolean;
  /** Needed files the archive lacks, in replay order (a `.history` file when a timeline cannot be followed). */
  missing: string[];
  /** How many needed segments are archived. */
  present: number;
  /** Needed segments present only as `<name>.partial` (also in `missing`). */
  partialOnly: string[];
  /** Timelines followed, oldest first. */
  timelines: number[];
  /** The segment ranges recovery reads, in order (names inclusive), one per timeline followed. */
  ranges: Array<{ first: string; last: string }>;
  /**
   * Timelines the path leaves at a switch although the archive holds their segments past it: the archive holds two
   * histories after that point (a clone promoted into the same archive, a split brain), and recovery follows one.
   */
  forks: string[];
  first?: string;
  last?: string;
  message: string;
}

/** A stretch of one timeline that recovery reads, segment numbers inclusive; `to` undefined = up to the last archived. */
export interface TimelineLeg {
  timeline: number;
  from: bigint;
  to: bigint | undefined;
}

// A typo in --to must not make us walk billions of segment names.
const MAX_SEGMENTS = 1_000_000n;
const MESSAGE_NAMES = 5;

/** Check that the archive holds every segment from `startSegment` to the end, following `.history` files. */
export async function verifyWalContinuity(
  archive: WalArchiveReader,
  options: WalContinuityOptions,
): Promise<WalContinuity> {
  const segSize = options.segSize ?? DEFAULT_WAL_SEGMENT_SIZE;
  const start = parseSegment(options.startSegment, segSize, 'start');
  const end = options.endSegment === undefined ? undefined : parseSegment(options.endSegment, segSize, 'end');
  const held = indexArchive(await archive.list(), segSize);
  const target = await targetTimeline(archive, held, start, end, options.timeline, segSize);

  // Find the path from the start's timeline to the target through the target's history file.
  let legs: TimelineLeg[];
  let forks: string[] = [];
  if (target === start.timeline) {
    legs = [{ timeline: target, from: start.segNo, to: end?.segNo }];
  } else {
    const history = await readHistory(archive, target);
    if (!history)
      return unfollowable(
        start.timeline,
        target,
        `timeline history ${historyFileName(target)} missing: cannot follow timeline ${start.timeline} to ${target}`,
        [historyFileName(target)],
      );
    const planned = planLegs(start, target, history, segSize, end?.segNo);
    if ('problem' in planned) return unfollowable(start.timeline, target, planned.problem, []);
    legs = planned.legs;
    forks = forksOf(start, history, held, segSize, end?.segNo);
  }
  return checkLegs(legs, held, segSize, start, forks);
}

/**
 * Timelines on the path from `start` that the archive holds past the segment where the path leaves them (pure). The
 * switch's own segment is left alone: the old timeline's copy of it may hold the end of a clean failover.
 */
export function forksOf(
  start: WalSegment,
  history: readonly TimelineSwitch[],
  held: { segments: Map<number, Set<bigint>> },
  segSize: number,
  endSegNo?: bigint,
): string[] {
  const first = history.findIndex((entry) => entry.timeline === start.timeline);
  if (first === -1) return [];
  const forks: string[] = [];
  for (const entry of history.slice(first)) {
    const switchSeg = entry.switchLsn / BigInt(segSize);
    // An end before the switch never leaves this timeline: which branch follows does not matter to it.
    if (endSegNo !== undefined && endSegNo < switchSeg) continue;
    const beyond = [...(held.segments.get(entry.timeline) ?? [])].filter((n) => n > switchSeg).sort(compareBig);
    if (!beyond.length) continue;
    const from = segmentNameFromNumber(entry.timeline, beyond[0]!, segSize);
    const to = segmentNameFromNumber(entry.timeline, beyond[beyond.length - 1]!, segSize);
    forks.push(
      `timeline ${entry.timeline} goes on past ${lsnText(entry.switchLsn)}, where the followed timeline branched off it (${beyond.length === 1 ? from : `${beyond.length} segments, ${from} to ${to}`})`,
    );
  }
  return forks;
}

function compareBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function lsnText(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** The stretches of each timeline recovery reads from `start` to `target`, given the target's history (pure). */
export function planLegs(
  start: WalSegment,
  target: number,
  history: readonly TimelineSwitch[],
  segSize: number,
  endSegNo?: bigint,
): { legs: TimelineLeg[] } | { problem: string } {
  const first = history.findIndex((entry) => entry.timeline === start.timeline);
  if (first === -1)
    return {
      problem: `timeline ${target} does not descend from timeline ${start.timeline} (its history: ${[...history.map((h) => h.timeline), target].join(' → ')})`,
    };
  const legs: TimelineLeg[] = [];
  let begin = start.segNo;
  for (let i = first; i < history.length; i++) {
    const entry = history[i]!;
    // The segment holding the switch point is read from the child timeline's file (it carries the parent's prefix).
    const switchSeg = entry.switchLsn / BigInt(segSize);
    if (begin > switchSeg)
      return {
        problem: `start segment ${segmentNameFromNumber(start.timeline, start.segNo, segSize)} lies after timeline ${entry.timeline} switched away at segment ${segmentNameFromNumber(entry.timeline, switchSeg, segSize)}: it does not lead to timeline ${target}`,
      };
    legs.push({ timeline: entry.timeline, from: begin, to: minBig(switchSeg - 1n, endSegNo) });
    begin = switchSeg;
  }
  legs.push({ timeline: target, from: begin, to: endSegNo });
  return { legs };
}

// Walk every needed segment and describe what is there and what is not.
function checkLegs(
  legs: TimelineLeg[],
  held: ArchiveIndex,
  segSize: number,
  start: WalSegment,
  forks: string[],
): WalContinuity {
  const missing: string[] = [];
  const ranges: Array<{ first: string; last: string }> = [];
  const partialOnly: string[] = [];
  let present = 0;
  let first: string | undefined;
  let last: string | undefined;
  for (const leg of legs) {
    const onTimeline = held.segments.get(leg.timeline) ?? new Set<bigint>();
    // Open end: up to the newest archived segment; a lone timeline must still hold its start segment.
    const newest = [...onTimeline].reduce<bigint | undefined>(
      (max, n) => (max === undefined || n > max ? n : max),
      undefined,
    );
    let to = leg.to ?? (newest !== undefined && newest >= leg.from ? newest : leg.from - 1n);
    if (legs.length === 1 && to < leg.from) to = leg.from;
    if (to - leg.from > MAX_SEGMENTS)
      throw new UsageError(
        `the WAL range from ${segmentNameFromNumber(leg.timeline, leg.from, segSize)} to ${segmentNameFromNumber(leg.timeline, to, segSize)} spans more than ${MAX_SEGMENTS} segments`,
        { hint: 'check the --to segment' },
      );
    if (to >= leg.from)
      ranges.push({
        first: segmentNameFromNumber(leg.timeline, leg.from, segSize),
        last: segmentNameFromNumber(leg.timeline, to, segSize),
      });
    for (let segNo = leg.from; segNo <= to; segNo++) {
      const name = segmentNameFromNumber(leg.timeline, segNo, segSize);
      first ??= name;
      last = name;
      if (onTimeline.has(segNo)) {
        present++;
        continue;
      }
      missing.push(name);
      if (held.partials.has(name)) partialOnly.push(name);
    }
  }
  const timelines = legs.map((leg) => leg.timeline);
  const result: WalContinuity = {
    ok: missing.length === 0 && forks.length === 0,
    missing,
    present,
    partialOnly,
    timelines,
    ranges,
    forks,
    message: '',
  };
  if (first !== undefined) result.first = first;
  if (last !== undefined) result.last = last;
  result.message = describe(result, held, start, segSize);
  return result;
}

function describe(result: WalContinuity, held: ArchiveIndex, start: WalSegment, segSize: number): string {
  const across = result.timelines.length > 1 ? ` across timelines ${result.timelines.join(' → ')}` : '';
  if (result.forks.length && !result.missing.length)
    return `WAL forks: the archive holds two histories and recovery follows timeline ${result.timelines.join(' → ')}: ${result.forks.join('; ')}; writes on the other branch are not in this restore (a clone or an old primary archiving into the same archive: give it its own --system in archive_command)`;
  if (result.ok) {
    if (result.present === 0)
      return `WAL continuous: no segment needed yet on timeline ${result.timelines.join(' → ')} from ${segmentNameFromNumber(start.timeline, start.segNo, segSize)}`;
    return `WAL continuous: ${result.present} segment${result.present === 1 ? '' : 's'} from ${result.first} to ${result.last}${across}`;
  }
  const names =
    result.missing.slice(0, MESSAGE_NAMES).join(', ') +
    (result.missing.length > MESSAGE_NAMES ? ` and ${result.missing.length - MESSAGE_NAMES} more` : '');
  const what = result.missing.length === 1 ? `${names} missing` : `${result.missing.length} segments missing: ${names}`;
  const partial = result.partialOnly.length
    ? `; ${result.partialOnly.join(', ')} archived only as .partial (the unfinished end of a timeline, not a complete segment)`
    : '';
  const forks = result.forks.length ? `; WAL forks: ${result.forks.join('; ')}` : '';
  return `WAL gap: ${what} (${describeHeld(held, result.timelines)})${partial}${forks}`;
}

// "archive has 3..4 and 6..9": runs of segment numbers (hex), per timeline when several are followed.
function describeHeld(held: ArchiveIndex, timelines: number[]): string {
  const unique = [...new Set(timelines)];
  const parts = unique.map((timeline) => {
    const runs = toRuns([...(held.segments.get(timeline) ?? [])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const text =
      runs.length === 0 ? 'nothing' : joinWords(runs.map(([a, b]) => (a === b ? hex(a) : `${hex(a)}..${hex(b)}`)));
    return unique.length > 1 || runs.length === 0 ? `${text} on timeline ${timeline}` : text;
  });
  return `archive has ${parts.join('; ')}`;
}

function toRuns(sorted: bigint[]): Array<[bigint, bigint]> {
  const runs: Array<[bigint, bigint]> = [];
  for (const n of sorted) {
    const current = runs[runs.length - 1];
    if (current && n === current[1] + 1n) current[1] = n;
    else runs.push([n, n]);
  }
  return runs;
}

function joinWords(items: string[]): string {
  if (items.length <= 1) return items.join('');
  if (items.length > 6) return `${items.slice(0, 5).join(', ')}, … and ${items[items.length - 1]}`;
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function unfollowable(from: number, target: number, message: string, missing: string[]): WalContinuity {
  return {
    ok: false,
    missing,
    present: 0,
    partialOnly: [],
    timelines: [from, target],
    ranges: [],
    forks: [],
    message: `WAL gap: ${message}`,
  };
}

interface ArchiveIndex {
  /** Complete segments by timeline. */
  segments: Map<number, Set<bigint>>;
  /** Segment names that exist as `<name>.partial`. */
  partials: Set<string>;
  histories: number[];
}

// Sort the archive's file names by kind; names for another segment size are ignored.
function indexArchive(names: string[], segSize: number): ArchiveIndex {
  const index: ArchiveIndex = { segments: new Map(), partials: new Set(), histories: [] };
  for (const name of names) {
    if (isHistoryName(name)) index.histories.push(parseInt(name.slice(0, 8), 16));
    else if (name.endsWith('.partial')) index.partials.add(name.slice(0, -'.partial'.length));
    else if (isSegmentName(name)) {
      let segment: WalSegment;
      try {
        segment = parseSegmentName(name, segSize);
      } catch {
        continue;
      }
      const set = index.segments.get(segment.timeline) ?? new Set<bigint>();
      set.add(segment.segNo);
      index.segments.set(segment.timeline, set);
    }
  }
  return index;
}

// The timeline asked for, else the end's, else the newest archived one whose history passes through the start.
async function targetTimeline(
  archive: WalArchiveReader,
  held: ArchiveIndex,
  start: WalSegment,
  end: WalSegment | undefined,
  asked: number | 'latest' | undefined,
  segSize: number,
): Promise<number> {
  if (typeof asked === 'number' && end !== undefined && asked !== end.timeline)
    throw new UsageError(`the end segment is on timeline ${end.timeline}, not on the requested timeline ${asked}`);
  if (typeof asked === 'number') return asked;
  if (end !== undefined && asked !== 'latest') return end.timeline;
  for (const timeline of [...held.histories].sort((a, b) => b - a)) {
    if (timeline <= start.timeline) break;
    const history = await readHistory(archive, timeline);
    const entry = history?.find((h) => h.timeline === start.timeline);
    if (entry && start.segNo <= entry.switchLsn / BigInt(segSize)) return timeline;
  }
  return start.timeline;
}

async function readHistory(archive: WalArchiveReader, timeline: number): Promise<TimelineSwitch[] | null> {
  const content = await archive.read(historyFileName(timeline));
  if (content === null) return null;
  try {
    return parseHistoryFile(content.toString('utf8'));
  } catch (cause) {
    throw new RecoverableError(
      'wal-history-invalid',
      `${historyFileName(timeline)} in the WAL archive is not a timeline history: ${(cause as Error).message}`,
      { cause },
    );
  }
}

function parseSegment(name: string, segSize: number, which: 'start' | 'end'): WalSegment {
  try {
    return parseSegmentName(name, segSize);
  } catch (cause) {
    throw new UsageError(`the ${which} segment "${name}" is not a WAL segment name`, {
      hint: 'expected 24 hex digits, e.g. 000000010000000000000003',
      cause,
    });
  }
}

function minBig(a: bigint, b: bigint | undefined): bigint {
  return b === undefined || a < b ? a : b;
}

function hex(n: bigint): string {
  return n.toString(16).toUpperCase();
}
