// The PostgreSQL tools that taking a backup runs.

/** What starts and stops a managed source's server and talks to it. */
export const SERVER_TOOLS: readonly string[] = ['initdb', 'pg_ctl', 'postgres', 'psql'];
/** What takes a dump backup. */
export const DUMP_TOOLS: readonly string[] = ['pg_dump', 'pg_dumpall'];
