// Transactions a restore holds prepared (PREPARE TRANSACTION at backup time), the locks they keep, and what amcheck
// may check beside them without waiting on those locks.
import type pg from 'pg';
import { ident } from '../expectations/session.ts';

/** A relation, schema-qualified. */
export interface RelationName {
  schema: string;
  name: string;
}

/** A lock a prepared transaction holds on a relation of the checked database (or a shared catalog). */
export interface RelationLock extends RelationName {
  /** pg_class.relkind. */
  kind: string;
  /** pg_locks.mode, e.g. RowExclusiveLock. */
  mode: string;
  /** The btree indexes a parent check of this relation would read: a table's, or the index itself. */
  btreeIndexes: RelationName[];
}

/** A row of pg_prepared_xacts, with the locks it holds where the checks look. */
export interface PreparedTransaction {
  gid: string;
  database: string;
  owner: string;
  /** When it was prepared, as the server prints it. */
  prepared: string;
  locks: RelationLock[];
}

/**
 * The prepared transactions of the whole restored cluster, each with the relation locks it holds in the database
 * `client` is connected to (and on shared catalogs). A prepared transaction holds its locks until COMMIT or
 * ROLLBACK PREPARED, which a restore never issues: they are part of the restored state.
 */
export async function preparedTransactions(client: pg.Client): Promise<PreparedTransaction[]> {
  const { rows } = await client.query<PreparedTransaction>(
    `select p.gid, p.database, p.owner, p.prepared::text as prepared,
            coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
              'schema', n.nspname, 'name', c.relname, 'kind', c.relkind::text, 'mode', l.mode,
              'btreeIndexes', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                        'schema', xn.nspname, 'name', xc.relname) order by xn.nspname, xc.relname), '[]')
                                 from pg_catalog.pg_index i
                                 join pg_catalog.pg_class xc on xc.oid = i.indexrelid
                                 join pg_catalog.pg_am a on a.oid = xc.relam
                                 join pg_catalog.pg_namespace xn on xn.oid = xc.relnamespace
                                where a.amname = 'btree' and (i.indrelid = c.oid or i.indexrelid = c.oid)))
              order by n.nspname, c.relname, l.mode) filter (where c.oid is not null), '[]') as locks
       from pg_catalog.pg_prepared_xacts p
       -- A prepared transaction keeps the lock on its own xid: its virtual transaction names the rest of its locks.
       left join pg_catalog.pg_locks x on x.locktype = 'transactionid' and x.transactionid = p.transaction
       left join pg_catalog.pg_locks l on l.virtualtransaction = x.virtualtransaction and l.locktype = 'relation'
             and l.database in (0, (select oid from pg_catalog.pg_database where datname = pg_catalog.current_database()))
       left join pg_catalog.pg_class c on c.oid = l.relation
       left join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      group by p.gid, p.database, p.owner, p.prepared
      order by p.prepared, p.gid`,
  );
  return rows;
}

// Lock modes that conflict with the ShareLock bt_index_parent_check takes on an index and its table.
const BLOCKS_PARENT_CHECK = new Set([
  'RowExclusiveLock',
  'ShareUpdateExclusiveLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock',
]);
// The only mode that conflicts with the AccessShareLock any read (heap check, bt_index_check, a count) takes.
const BLOCKS_READING = 'AccessExclusiveLock';

/** A relation no session can read while a prepared transaction holds it. */
export interface UnreadableRelation extends RelationName {
  kind: string;
  gid: string;
  mode: string;
  /** Its btree indexes (or itself, an index): left out of the check with it. */
  btreeIndexes: RelationName[];
}

/** What amcheck does beside the prepared transactions' locks. */
export interface AmcheckPlan {
  /** Held in ACCESS EXCLUSIVE mode: not checked at all (any check would wait on the lock). */
  unreadable: UnreadableRelation[];
  /** Btree indexes checked with bt_index_check (AccessShareLock) rather than bt_index_parent_check (ShareLock). */
  childCheckOnly: RelationName[];
}

/** Decide, from the prepared transactions' locks, what amcheck checks how: nothing waits on a prepared lock. */
export function amcheckPlan(prepared: readonly PreparedTransaction[]): AmcheckPlan {
  const unreadable: UnreadableRelation[] = [];
  const unreadableKeys = new Set<string>();
  const childOnly = new Map<string, RelationName>();
  for (const xact of prepared) {
    for (const lock of xact.locks) {
      if (lock.mode === BLOCKS_READING) {
        unreadable.push({
          schema: lock.schema,
          name: lock.name,
          kind: lock.kind,
          gid: xact.gid,
          mode: lock.mode,
          btreeIndexes: lock.btreeIndexes,
        });
        unreadableKeys.add(key(lock));
        for (const index of lock.btreeIndexes) unreadableKeys.add(key(index));
      } else if (BLOCKS_PARENT_CHECK.has(lock.mode)) {
        for (const index of lock.btreeIndexes) childOnly.set(key(index), index);
      }
    }
  }
  return {
    unreadable,
    childCheckOnly: [...childOnly.entries()].filter(([k]) => !unreadableKeys.has(k)).map(([, index]) => index),
  };
}

/** A relation as a pg_amcheck pattern: double-quoted, so that no character in it is a wildcard. */
export function amcheckPattern(relation: RelationName): string {
  return `${ident(relation.schema)}.${ident(relation.name)}`;
}

/** A relation as a person reads it: schema.name. */
export function relationText(relation: RelationName): string {
  return `${relation.schema}.${relation.name}`;
}

/** The prepared transactions for a message: gid, database, owner and when each was prepared. */
export function describePrepared(prepared: readonly PreparedTransaction[]): string {
  return prepared
    .map((x) => `'${x.gid}' (in database ${x.database}, by ${x.owner}, prepared ${x.prepared})`)
    .join(', ');
}

function key(relation: RelationName): string {
  return JSON.stringify([relation.schema, relation.name]);
}
