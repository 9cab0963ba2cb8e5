// Large objects' metadata and tablespaces: what pg_dump and pg_dumpall carry beside the rows and the roles.
import type pg from 'pg';

/** A large object whose owner is not the database's owner, or that has privileges or a comment of its own. */
export interface LargeObjectMetadata {
  oid: string;
  owner: string;
  /** ACL items, sorted; the owner's defaults spelled out when never changed. */
  acl: string;
  comment: string | null;
}

/** A tablespace of the cluster (pg_default and pg_global aside): what CREATE/ALTER/GRANT/COMMENT ON TABLESPACE set. */
export interface TablespaceExpectation {
  name: string;
  owner: string;
  acl: string;
  /** ALTER TABLESPACE ... SET options, sorted, '' when none. */
  options: string;
  comment: string | null;
}

/**
 * Large objects that differ from what lo_create as the database's owner leaves: every other one has that owner, no
 * grants and no comment, so a change to any of them makes it appear here.
 */
export async function readLargeObjectMetadata(client: pg.Client): Promise<LargeObjectMetadata[]> {
  const { rows } = await client.query<LargeObjectMetadata>(
    `select l.oid::text as oid, pg_get_userbyid(l.lomowner) as owner,
            coalesce((select string_agg(a::text, ' ' order by a::text collate "C") from unnest(coalesce(l.lomacl, acldefault('L', l.lomowner))) a), '') as acl,
            obj_description(l.oid, 'pg_largeobject') as comment
       from pg_largeobject_metadata l
      where l.lomowner <> (select datdba from pg_database where datname = current_database()) or l.lomacl is not null
         or exists (select 1 from pg_description d where d.classoid = 'pg_largeobject'::regclass and d.objoid = l.oid)
      order by l.oid`,
  );
  return rows;
}

/** The cluster's own tablespaces, sorted by name (their locations differ by design between source and restore). */
export async function readTablespaces(client: pg.Client): Promise<TablespaceExpectation[]> {
  const { rows } = await client.query<TablespaceExpectation>(
    `select t.spcname as name, pg_get_userbyid(t.spcowner) as owner,
            coalesce((select string_agg(a::text, ' ' order by a::text collate "C") from unnest(coalesce(t.spcacl, acldefault('t', t.spcowner))) a), '') as acl,
            coalesce((select string_agg(o, ', ' order by o collate "C") from unnest(t.spcoptions) o), '') as options,
            shobj_description(t.oid, 'pg_tablespace') as comment
       from pg_tablespace t where t.spcname not in ('pg_default', 'pg_global') order by t.spcname collate "C"`,
  );
  return rows;
}
