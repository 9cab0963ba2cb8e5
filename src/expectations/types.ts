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
  /**
   * Why this materialized view's content cannot be predicted after a restore refreshes it (its query calls a
   * function that is not immutable, or reads what a dump does not carry); its count and fingerprint are not compared.
   */
  notComparable?: string;
  /** An extension's configuration table: only rows matching this condition (pg_extension.extcondition) are dumped and compared. */
  extensionFilter?: string;
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
  /**
   * Every user object with its definition as the catalog deparses it, sorted by name. Absent from expectations
   * stored before definitions were captured: such a backup's schema cannot be compared by definition.
   */
  schemaObjects?: SchemaObject[];
  extensions: string[];
  /** Cluster roles with attributes, memberships, settings and passwords, sorted by name, without built-in pg_ roles. */
  roles: RoleExpectation[];
  /** The database's own properties (absent in expectations stored before they were captured). */
  databaseProperties?: DatabaseProperties;
}

/** One schema object: a stable identity and its definition, one entry per aspect (owner, acl, definition, ...). */
export interface SchemaObject {
  /** What it is: schema, table, column, index, constraint, function, trigger, policy, ... */
  kind: string;
  /** Kind plus schema-qualified identity, e.g. "column shop.orders.total", "function shop.f(integer)". */
  name: string;
  definition: Record<string, string>;
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
