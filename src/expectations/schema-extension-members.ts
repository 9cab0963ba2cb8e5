// What each extension's members are on this server: a dump carries only CREATE EXTENSION, so a member changed on the
// source (ALTER FUNCTION ... SET / SECURITY DEFINER, COMMENT ON ...) comes back as the extension's script made it.
import { definitionOf } from './schema-scope.ts';

/** Every member of every extension: routines by their definition, every member by its comment. */
export function extensionMembersQuery(): string {
  const definition = definitionOf([
    [
      'definition',
      `case when member.classid = 'pg_proc'::regclass and (select prokind from pg_proc where oid = member.objid) <> 'a' then pg_get_functiondef(member.objid) end`,
    ],
    [
      'comment',
      `(select description from pg_description d where d.classoid = member.classid and d.objoid = member.objid and d.objsubid = 0)`,
    ],
  ]);
  return `select 'extension member' as kind, 'extension member ' || quote_ident(x.extname) || ': ' || pg_describe_object(member.classid, member.objid, 0) as name, ${definition} as def
            from pg_depend member join pg_extension x on x.oid = member.refobjid
           where member.refclassid = 'pg_extension'::regclass and member.deptype = 'e'`;
}
