// Catalog queries for what hangs off a table: indexes, constraints, triggers, policies, rules, extended statistics.
import {
  commentOf,
  definitionOf,
  notExtensionMember,
  qualified,
  userRelation,
  userSchema,
  type CaptureScope,
} from './schema-scope.ts';

const TABLE = qualified('n.nspname', 'c.relname');

/** Indexes by their deparsed definition; invalid ones are left out as pg_dump leaves them out. */
export function indexesQuery(scope: CaptureScope): string {
  const definition = definitionOf([
    ['definition', 'pg_get_indexdef(x.indexrelid)'],
    ['tablespace', '(select spcname from pg_tablespace where oid = ic.reltablespace)'],
    ['clustered', 'case when x.indisclustered then true end'],
    [
      'partition of',
      `(select ${qualified('pn.nspname', 'pc.relname')} from pg_inherits i join pg_class pc on pc.oid = i.inhparent join pg_namespace pn on pn.oid = pc.relnamespace where i.inhrelid = ic.oid)`,
    ],
    [
      'statistics',
      `(select string_agg(ia.attnum || '=' || ia.attstattarget, ', ' order by ia.attnum) from pg_attribute ia where ia.attrelid = ic.oid and coalesce(ia.attstattarget::int, -1) >= 0)`,
    ],
    ['comment', commentOf('pg_class', 'ic.oid')],
  ]);
  return `select 'index' as kind, 'index ' || ${qualified('n.nspname', 'ic.relname')} as name, ${definition} as def
            from pg_index x join pg_class ic on ic.oid = x.indexrelid join pg_class c on c.oid = x.indrelid join pg_namespace n on n.oid = c.relnamespace
           where (x.indisvalid or c.relkind = 'p') and c.relpersistence <> 't' and ${userRelation('c', 'n', scope)}
             and ${userRelation('ic', 'n', scope)}`;
}

/**
 * Table and domain constraints by pg_get_constraintdef (which says NOT VALID), plus whether they are validated.
 * Clones on partitions (conparentid) are created by the restore of their parent, named by the server: left out.
 */
export function constraintsQuery(scope: CaptureScope): string {
  const kind = `case when co.contypid <> 0 then case when co.contype = 'n' then 'domain not-null constraint' else 'domain constraint' end
                     when co.contype = 'n' then 'not-null constraint' else 'constraint' end`;
  const definition = definitionOf([
    ['definition', 'pg_get_constraintdef(co.oid)'],
    ['validated', 'co.convalidated'],
    ['comment', commentOf('pg_constraint', 'co.oid')],
  ]);
  return `select ${kind} as kind, ${kind} || ' ' || quote_ident(n.nspname) || '.' || quote_ident(coalesce(c.relname, t.typname)) || '.' || quote_ident(co.conname) as name, ${definition} as def
            from pg_constraint co join pg_namespace n on n.oid = co.connamespace
            left join pg_class c on c.oid = co.conrelid left join pg_type t on t.oid = co.contypid
           where co.conparentid = 0 and (co.conrelid <> 0 or co.contypid <> 0) and ${userSchema('n', scope)} and ${notExtensionMember('pg_constraint', 'co.oid')}
             and (c.oid is null or (${userRelation('c', 'n', scope)})) and (t.oid is null or ${notExtensionMember('pg_type', 't.oid')})`;
}

// Triggers and rules share one firing-state code (session_replication_role decides which fire).
function enabledState(column: string): string {
  return `case ${column} when 'O' then 'origin' when 'D' then 'disabled' when 'R' then 'replica' when 'A' then 'always' end`;
}

/** Triggers by pg_get_triggerdef, with their enabled state (a dump carries ALTER TABLE ... DISABLE TRIGGER). */
export function triggersQuery(scope: CaptureScope): string {
  const definition = definitionOf([
    ['definition', 'pg_get_triggerdef(tg.oid)'],
    ['enabled', enabledState('tg.tgenabled')],
    ['comment', commentOf('pg_trigger', 'tg.oid')],
  ]);
  return `select 'trigger' as kind, 'trigger ' || ${TABLE} || '.' || quote_ident(tg.tgname) as name, ${definition} as def
            from pg_trigger tg join pg_class c on c.oid = tg.tgrelid join pg_namespace n on n.oid = c.relnamespace
           where not tg.tgisinternal and ${userRelation('c', 'n', scope)} and ${notExtensionMember('pg_trigger', 'tg.oid')}`;
}

/** Row-security policies: command, permissive or restrictive, roles, USING and WITH CHECK expressions. */
export function policiesQuery(scope: CaptureScope): string {
  const definition = definitionOf([
    [
      'command',
      `case p.polcmd when 'r' then 'select' when 'a' then 'insert' when 'w' then 'update' when 'd' then 'delete' else 'all' end`,
    ],
    ['permissive', 'p.polpermissive'],
    [
      'roles',
      `(select string_agg(r, ', ' order by r collate "C") from (select case when role = 0 then 'public' else pg_get_userbyid(role) end as r from unnest(p.polroles) role) s)`,
    ],
    ['using', 'pg_get_expr(p.polqual, p.polrelid)'],
    ['with check', 'pg_get_expr(p.polwithcheck, p.polrelid)'],
    ['comment', commentOf('pg_policy', 'p.oid')],
  ]);
  return `select 'policy' as kind, 'policy ' || ${TABLE} || '.' || quote_ident(p.polname) as name, ${definition} as def
            from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
           where ${userRelation('c', 'n', scope)}`;
}

/** Rules other than the view's own _RETURN (views are compared by their definition). */
export function rulesQuery(scope: CaptureScope): string {
  const definition = definitionOf([
    ['definition', 'pg_get_ruledef(r.oid)'],
    ['enabled', enabledState('r.ev_enabled')],
    ['comment', commentOf('pg_rewrite', 'r.oid')],
  ]);
  return `select 'rule' as kind, 'rule ' || ${TABLE} || '.' || quote_ident(r.rulename) as name, ${definition} as def
            from pg_rewrite r join pg_class c on c.oid = r.ev_class join pg_namespace n on n.oid = c.relnamespace
           where r.rulename <> '_RETURN' and ${userRelation('c', 'n', scope)} and ${notExtensionMember('pg_rewrite', 'r.oid')}`;
}

/** Extended statistics objects by pg_get_statisticsobjdef, with their statistics target. */
export function statisticsQuery(scope: CaptureScope): string {
  const definition = definitionOf([
    ['definition', 'pg_get_statisticsobjdef(s.oid)'],
    // 17 made stxstattarget nullable: NULL there and -1 before both mean the default target.
    ['statistics', 'nullif(coalesce(s.stxstattarget::int, -1), -1)'],
    ['owner', 'pg_get_userbyid(s.stxowner)'],
    ['comment', commentOf('pg_statistic_ext', 's.oid')],
  ]);
  return `select 'statistics' as kind, 'statistics ' || ${qualified('n.nspname', 's.stxname')} as name, ${definition} as def
            from pg_statistic_ext s join pg_namespace n on n.oid = s.stxnamespace
            join pg_class c on c.oid = s.stxrelid join pg_namespace tn on tn.oid = c.relnamespace
           where ${userSchema('n', scope)} and ${notExtensionMember('pg_statistic_ext', 's.oid')} and ${userRelation('c', 'tn', scope)}`;
}
