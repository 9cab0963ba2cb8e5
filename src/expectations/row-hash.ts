// How one row is hashed into a table's fingerprint: by value for types whose hash is exact, by text output otherwise.
import { ident } from './session.ts';

/**
 * How a fingerprint was computed. `md5-text`: md5 of each row's text output, halves summed (every server; what
 * expectations without an algorithm hold). `value-hash`: two seeded `hash_record_extended` sums over the values
 * themselves where that is exact, text output for every other column (PostgreSQL 14+).
 */
export type FingerprintAlgorithm = 'md5-text' | 'value-hash';

/** The algorithm of expectations stored before the algorithm was recorded. */
export const STORED_BEFORE_ALGORITHMS: FingerprintAlgorithm = 'md5-text';

/** The first server version (server_version_num) with `hash_record_extended`. */
export const VALUE_HASH_SINCE = 140000;

/**
 * Which algorithm a capture records, and which it can compute here: the one asked for (a backup's, on its restore),
 * else the best this server has. A server without `hash_record_extended` computes no value hashes (null): its
 * fingerprints are then missing, never computed another way.
 */
export function fingerprintPlan(
  requested: FingerprintAlgorithm | undefined,
  serverVersionNum: number,
): { recorded: FingerprintAlgorithm; computed: FingerprintAlgorithm | null } {
  const valueHash = serverVersionNum >= VALUE_HASH_SINCE;
  const recorded = requested ?? (valueHash ? 'value-hash' : 'md5-text');
  return { recorded, computed: recorded === 'value-hash' && !valueHash ? null : recorded };
}

/** A column as the fingerprint sees it: its name, its type's name when the type is built in (pg_catalog), its typmod. */
export interface HashedColumn {
  name: string;
  /** pg_type.typname of a type in pg_catalog; null for any other type (domains, enums, extension types, ...). */
  builtinType: string | null;
  typmod: number;
}

// Text-like types hashed as their bytes: under "C" a deterministic hash, whatever the column's collation.
const asBytes = (c: string): string => `${c} collate "C"`;

// Built-in types whose extended hash is a function of exactly the value (no OIDs, no equal-but-distinct values, no
// collation), across majors. 8-byte ones are hashed through their send form: hashint8extended folds 64 bits into
// 32 (1 and 4294967296 hash alike), and timestamp, timestamptz and time hash through it.
const BY_VALUE: Readonly<Record<string, (column: string) => string>> = {
  bool: (c) => c,
  char: (c) => c,
  int2: (c) => c,
  int4: (c) => c,
  date: (c) => c,
  uuid: (c) => c,
  bytea: (c) => c,
  int8: (c) => `int8send(${c})`,
  timestamp: (c) => `timestamp_send(${c})`,
  timestamptz: (c) => `timestamptz_send(${c})`,
  time: (c) => `time_send(${c})`,
  text: asBytes,
  varchar: asBytes,
  name: asBytes,
};

/**
 * The expression one column contributes by value, or null when it must be hashed through its text output (float -0
 * and NaNs, numeric scale, interval units, timetz zones, json, enums and reg* OIDs, arrays' bounds, domains, ...).
 */
export function valueExpression(column: HashedColumn, alias: string): string | null {
  const ref = `${alias}.${ident(column.name)}`;
  // char(n) pads every value to n, so its hash (which ignores trailing blanks) is exact; unbounded bpchar is not.
  if (column.builtinType === 'bpchar') return column.typmod > 0 ? asBytes(ref) : null;
  const by = column.builtinType === null ? undefined : BY_VALUE[column.builtinType];
  return by ? by(ref) : null;
}

/**
 * The per-row expression whose sum over the rows is one 64-bit half of a `value-hash` fingerprint. Columns by value
 * in the given order, then one text of all the others (record output: NULL and '' differ, quoted as today's rows),
 * so NULL, empty and absent columns differ. `hash_record_extended` combines its fields linearly, so a sum of it
 * would not see values swapped between rows of one column: each row's hash is hashed once more.
 */
export function rowHashExpression(columns: readonly HashedColumn[], alias: string, seed: number): string {
  const byValue: string[] = [];
  const asText: string[] = [];
  for (const column of columns) {
    const expression = valueExpression(column, alias);
    if (expression === null) asText.push(`${alias}.${ident(column.name)}`);
    else byValue.push(expression);
  }
  const fields = asText.length ? [...byValue, `row(${asText.join(', ')})::text collate "C"`] : byValue;
  return `hashtextextended(hash_record_extended(row(${fields.join(', ')}), ${seed})::text, ${seed})`;
}

/** The two seeds of the two 64-bit halves. */
export const VALUE_HASH_SEEDS = [1, 2] as const;
