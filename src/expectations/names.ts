// How checks name a relation: schema and name joined by a dot, each quoted only where quote_ident would quote it,
// so "a.b".c and a."b.c" never read the same and ordinary names (shop.orders) stay as they are.

// Keywords quote_ident quotes (every category but unreserved), as PostgreSQL 18 lists them (pg_get_keywords()).
// A fixed list, not the server's: a name must read the same whichever major captured it.
const QUOTED_KEYWORDS = new Set(
  `all analyse analyze and any array as asc asymmetric authorization between bigint binary bit boolean both case
  cast char character check coalesce collate collation column concurrently constraint create cross current_catalog current_date
  current_role current_schema current_time current_timestamp current_user dec decimal default deferrable desc distinct do else end
  except exists extract false fetch float for foreign freeze from full grant greatest group grouping having ilike in initially inner
  inout int integer intersect interval into is isnull join json json_array json_arrayagg json_exists json_object json_objectagg
  json_query json_scalar json_serialize json_table json_value lateral leading least left like limit localtime localtimestamp
  merge_action national natural nchar none normalize not notnull null nullif numeric offset on only or order out outer overlaps
  overlay placing position precision primary real references returning right row select session_user setof similar smallint some
  substring symmetric system_user table tablesample then time timestamp to trailing treat trim true union unique user using values
  varchar variadic verbose when where window with xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi
  xmlroot xmlserialize xmltable`.split(/\s+/),
);

/** An identifier as PostgreSQL's quote_ident writes it: bare when it is lower case, digits and underscores and no keyword, quoted otherwise. */
export function quoteIdent(name: string): string {
  const bare = /^[a-z_][a-z0-9_]*$/.test(name) && !QUOTED_KEYWORDS.has(name);
  return bare ? name : `"${name.replace(/"/g, '""')}"`;
}

/** `schema.name` with each part quoted only where needed: the key a check id and a message name a relation by. */
export function relationKey(relation: { schema: string; name: string }): string {
  return `${quoteIdent(relation.schema)}.${quoteIdent(relation.name)}`;
}
