// What a database must contain, as captured with a backup and again from its restore.
import type { RoleExpectation } from './roles.ts';
import type { DatabaseProperties } from './database-properties.ts';
import type pg from 'pg';
import type { FingerprintAlgorithm } from './row-hash.ts';
import type { LargeObjectMetadata, TablespaceExpectation } from './cluster-objects.ts';

export interface TableExpectation {
  schema: string;
  name: string;
  /** r ordinary or partition leaf, m materialized view, p a partition tree counted and hashed as a whole (see `leaves`). */
  relkind: 'r' | 'm' | 'p';
  /** p permanent, u unlogged. */
  persistence: 'p' | 'u';
  rows: number;
  /** Order-independent hash of every row (128 bits as two decimal sums, see `fingerprintAlgorithm`), null when not computed. */
  fingerprint: string | null;
  /**
   * A partition tree hash-partitioned on an enum (at some level): pg_dump loads it through its root and enum OIDs
   * change, so a dump restore may put rows in other leaves. Its leaves' keys; its rows and fingerprint are their sums.
   */
  leaves?: string[];
  /** A leaf of such a tree: the key of the tree it is compared in after a dump restore (one by one after a physical one). */
  loadedViaRoot?: string;
  /**
   * A materialized view whose query reads these materialized views (keys), which were stale in the backup: a restore
   * refreshes them first, so this one's content is known only after the restore. Its rows and fingerprint here are
   * not used; the restored database must hold what its query gives over the restored data (`queryResult`).
   */
  refreshedOverStale?: string[];
  /** Captured on a restored database for views marked `refreshedOverStale`: what the view's query gives there. */
  queryResult?: { rows: number; fingerprint: string | null };
  /** A materialized view never refreshed (WITH NO DATA): it has no rows to count, before or after. */
  unpopulated?: boolean;
  /**
   * Why this materialized view's content cannot be predicted after a restore refreshes it (its query calls a
   * function that is not immutable, or reads what a dump does not carry); its count and fingerprint are not compared.
   */
  notComparable?: string;
  /** An extension's configuration table: only rows matching this condition (pg_extension.extcondition) are dumped and compared. */
  extensionFilter?: string;
  /**
   * Captured on a server paused in recovery, where an unlogged table cannot be read: whether its init fork is on
   * disk, which promotion resets the table from (empty). Set only then, with `rows` 0 and `fingerprint` null.
   */
  initFork?: 'present' | 'missing';
}

export interface SequenceExpectation {
  schema: string;
  name: string;
  lastValue: string;
  isCalled: boolean;
  /** Parameters (absent in expectations stored before they were captured: then taken as ascending by 1, logged, no cycle). */
  increment?: string;
  start?: string;
  minValue?: string;
  maxValue?: string;
  cycle?: boolean;
  /** p permanent, u unlogged (15+): a physical restore resets an unlogged sequence to its initial state. */
  persistence?: 'p' | 'u';
  /** Its storage was rewritten after creation (ALTER SEQUENCE): its initial state is then no longer known to be its start. */
  rewritten?: boolean;
  /**
   * Read before pg_dump started and again after it ended, at the same position: pg_dump read exactly this, so a
   * restore of that dump must set exactly this (a cycling one too; stored before that, a cycling one is never marked).
   */
  unmovedDuringDump?: boolean;
}

export interface Expectations {
  database: string;
  serverVersion: string;
  /** How the tables' fingerprints were computed; absent when none were, or stored before it was recorded (then `md5-text`). */
  fingerprintAlgorithm?: FingerprintAlgorithm;
  tables: TableExpectation[];
  sequences: SequenceExpectation[];
  largeObjects: {
    count: number;
    fingerprint: string | null;
    /** Those not owned by the database's owner or with privileges or a comment (absent when not captured). */
    metadata?: LargeObjectMetadata[];
  };
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
  /** The cluster's tablespaces (absent in expectations stored before they were captured). */
  tablespaces?: TablespaceExpectation[];
  /**
   * Aspects this capture covered beyond those every stored expectation holds (see coverage.ts); absent in
   * expectations stored before it was recorded, which cover none of them.
   */
  coverage?: string[];
}

/** Expectations of nothing: the structural checks alone run against them (a target without exact expectations). */
export function emptyExpectations(): Expectations {
  return {
    database: '',
    serverVersion: '',
    tables: [],
    sequences: [],
    largeObjects: { count: 0, fingerprint: null },
    schemaObjects: [],
    extensions: [],
    roles: [],
  };
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
  /** The algorithm to compute fingerprints with (a backup's, on its restore); by default the best this server has. */
  fingerprintAlgorithm?: FingerprintAlgorithm;
  largeObjectContent: boolean;
  /**
   * pg_restore refreshes materialized views, so after a dump restore a matview holds its query's
   * result over the restored data, not the (possibly stale) rows the source had: expect that.
   */
  matviewsAsRefreshed?: boolean;
  /** Materialized views (keys) whose query is run too, as their owner (`queryResult`): the backup's `refreshedOverStale` ones. */
  queryResults?: ReadonlySet<string>;
  /**
   * More sessions on the same database to count and hash tables on side by side: on a live source each in the
   * capture's snapshot (SET TRANSACTION SNAPSHOT), each with the pinned settings. The caller opens and ends them.
   */
  scanSessions?: readonly pg.Client[];
  /** Sequence positions already read (around a dump), used instead of reading them again. */
  sequences?: SequenceExpectation[];
}
