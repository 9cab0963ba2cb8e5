// WAL file names and LSN arithmetic, as PostgreSQL's xlog_internal.h defines them (pure, no I/O).

/** PostgreSQL's default `wal_segment_size` (initdb --wal-segsize changes it). */
export const DEFAULT_WAL_SEGMENT_SIZE = 16 * 1024 * 1024;

const SEGMENT = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})$/;
const LSN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;
const LOG_ID_SPAN = 0x1_0000_0000n;

/** A WAL segment file name taken apart. */
export interface WalSegment {
  timeline: number;
  /** High 32 bits of the segment's start LSN (the middle 8 hex digits). */
  logId: number;
  /** Segment number inside `logId` (the last 8 hex digits). */
  logSeg: number;
  /** Absolute segment number: start LSN / segment size. */
  segNo: bigint;
}

/** One line of a timeline `.history` file: `timeline` ended (switched to a child) at `switchLsn`. */
export interface TimelineSwitch {
  timeline: number;
  switchLsn: bigint;
  reason: string;
}

/** Whether `name` is a complete WAL segment name (24 upper-case hex digits). */
export function isSegmentName(name: string): boolean {
  return SEGMENT.test(name);
}

/** Whether `name` is a timeline history file name (`0000000N.history`). */
export function isHistoryName(name: string): boolean {
  return /^[0-9A-F]{8}\.history$/.test(name);
}

/** Whether `name` is a file PostgreSQL hands to archive_command (segment, .partial, .history, .backup). */
export function isArchivableName(name: string): boolean {
  return (
    /^[0-9A-F]{24}(\.partial)?$/.test(name) || isHistoryName(name) || /^[0-9A-F]{24}\.[0-9A-F]{8}\.backup$/.test(name)
  );
}

/** Segments per logId for a segment size (2^32 / size); the size must be a power of two from 1 MiB to 1 GiB. */
function segmentsPerLogId(segSize: number): bigint {
  if (
    !Number.isInteger(segSize) ||
    segSize < 1024 * 1024 ||
    segSize > 1024 * 1024 * 1024 ||
    (segSize & (segSize - 1)) !== 0
  ) {
    throw new RangeError(`invalid WAL segment size ${segSize}: a power of two between 1 MiB and 1 GiB`);
  }
  return LOG_ID_SPAN / BigInt(segSize);
}

/** Parse a segment name into timeline, logId and segment number for a given segment size. */
export function parseSegmentName(name: string, segSize = DEFAULT_WAL_SEGMENT_SIZE): WalSegment {
  const match = SEGMENT.exec(name);
  if (!match) throw new RangeError(`not a WAL segment name: "${name}"`);
  const perLogId = segmentsPerLogId(segSize);
  const timeline = parseInt(match[1]!, 16);
  const logId = parseInt(match[2]!, 16);
  const logSeg = parseInt(match[3]!, 16);
  if (timeline === 0) throw new RangeError(`not a WAL segment name: "${name}" (timeline 0)`);
  if (BigInt(logSeg) >= perLogId)
    throw new RangeError(
      `not a WAL segment name for ${segSize}-byte segments: "${name}" (segment ${match[3]} >= ${perLogId.toString(16).toUpperCase()})`,
    );
  return { timeline, logId, logSeg, segNo: BigInt(logId) * perLogId + BigInt(logSeg) };
}

/** The name of absolute segment `segNo` on `timeline`. */
export function segmentNameFromNumber(timeline: number, segNo: bigint, segSize = DEFAULT_WAL_SEGMENT_SIZE): string {
  const perLogId = segmentsPerLogId(segSize);
  return hex8(BigInt(timeline)) + hex8(segNo / perLogId) + hex8(segNo % perLogId);
}

/** The name of the segment holding `lsn` on `timeline` (pg_walfile_name differs: it names the previous one for an LSN on a boundary). */
export function segmentName(timeline: number, lsn: bigint | string, segSize = DEFAULT_WAL_SEGMENT_SIZE): string {
  const value = typeof lsn === 'string' ? lsnToBigInt(lsn) : lsn;
  return segmentNameFromNumber(timeline, value / BigInt(segSize), segSize);
}

/** `'0/1A2B3C'` → 0x1A2B3C as a bigint. */
export function lsnToBigInt(lsn: string): bigint {
  const match = LSN.exec(lsn.trim());
  if (!match) throw new RangeError(`not an LSN: "${lsn}" (expected hex like 0/1A2B3C)`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** 0x1A2B3C → `'0/1A2B3C'`, PostgreSQL's spelling. */
export function bigIntToLsn(value: bigint): string {
  return `${(value >> 32n).toString(16).toUpperCase()}/${(value & 0xffff_ffffn).toString(16).toUpperCase()}`;
}

/** The segment after `name` on the same timeline. */
export function nextSegment(name: string, segSize = DEFAULT_WAL_SEGMENT_SIZE): string {
  const segment = parseSegmentName(name, segSize);
  return segmentNameFromNumber(segment.timeline, segment.segNo + 1n, segSize);
}

/** Every segment from `startName` to `endName`, both included, on one timeline; empty when end < start. */
export function segmentsBetween(startName: string, endName: string, segSize = DEFAULT_WAL_SEGMENT_SIZE): string[] {
  const start = parseSegmentName(startName, segSize);
  const end = parseSegmentName(endName, segSize);
  if (start.timeline !== end.timeline)
    throw new RangeError(
      `${startName} and ${endName} are on different timelines (${start.timeline} and ${end.timeline})`,
    );
  const names: string[] = [];
  for (let segNo = start.segNo; segNo <= end.segNo; segNo++)
    names.push(segmentNameFromNumber(start.timeline, segNo, segSize));
  return names;
}

/** The history file name of `timeline` (`00000002.history`). */
export function historyFileName(timeline: number): string {
  return `${hex8(BigInt(timeline))}.history`;
}

/** Parse a `.history` file: one `parentTLI <tab> switchLSN <tab> reason` line per ancestor, oldest first. */
export function parseHistoryFile(content: string): TimelineSwitch[] {
  const switches: TimelineSwitch[] = [];
  for (const [index, raw] of content.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(\d+)\s+([0-9A-Fa-f]+\/[0-9A-Fa-f]+)\s*(.*)$/.exec(line);
    if (!match)
      throw new RangeError(`timeline history line ${index + 1} is not "timeline<TAB>LSN<TAB>reason": "${line}"`);
    const timeline = Number(match[1]);
    const previous = switches[switches.length - 1];
    if (previous && timeline <= previous.timeline)
      throw new RangeError(
        `timeline history line ${index + 1}: timeline ${timeline} after ${previous.timeline} (must increase)`,
      );
    switches.push({ timeline, switchLsn: lsnToBigInt(match[2]!), reason: match[3]!.trim() });
  }
  return switches;
}

function hex8(value: bigint): string {
  return value.toString(16).toUpperCase().padStart(8, '0');
}
