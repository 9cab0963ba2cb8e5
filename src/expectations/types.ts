// What a database must contain, as captured with a backup and again from its restore.
import type { RoleExpectation } from './roles.ts';
import type { DatabaseProperties } from './database-properties.ts';

export interface TableExpectation {
  schema: string;
  name: string;
  /** r ordinary or partition leaf, m materialized view. */
  relkind: 'r' | 'm';
  /** p permanent, u unlogged. */
  persistence: 'p' | 'u';
  rows: number;
  /** Order-independent hash of every row's text (128 bits as two decimal sums), null when not computed. */
  fingerprint: string | null;
  /** A materialized view never refreshed (WITH NO DATA): it has no rows to count, before or after. */
  unpopulated?: boolean;
}

export interface SequenceExpectation {
  schema: string;
  name: string;
  lastValue: string;
  isCalled: boolean;
}

export interface Expectations {
  database: string;
  serverVersion: string;
  tables: TableExpectation[];
  sequences: SequenceExpectation[];
  largeObjects: { count: number; fingerprint: string | null };
  /** Every user object as "kind schema.name", sorted: schemas, relations, indexes, constraints, functions, types, triggers. */
  objects: string[];
  extensions: string[];
  /** Cluster roles with attributes, memberships, settings and passwords, sorted by name, without built-in pg_ roles. */
  roles: RoleExpectation[];
  /** The database's own properties (absent in expectations stored before they were captured). */
  databaseProperties?: DatabaseProperties;
}

export interface CaptureOptions {
  fingerprints: boolean;
  largeObjectContent: boolean;
  /**
   * pg_restore refreshes materialized views, so after a dump restore a matview holds its query's
   * result over the restored data, not the (possibly stale) rows the source had: expect that.
   */
  matviewsAsRefreshed?: boolean;
}
