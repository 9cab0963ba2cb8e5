// A real server named by a URL or conninfo; the password goes to tools through PGPASSWORD only.
import type pg from 'pg';
import { pgClient, conninfoToConfig } from '../core/pg-client.ts';
import { EnvironmentError, ScenarioError } from '../core/errors.ts';
import { redactSecrets } from '../core/redact.ts';
import { serverVersion, type Source } from './source.ts';
import { databaseOf, parseConnection, withDatabase, withOptions, withoutPassword } from './connection-string.ts';
import { guardOptions } from '../expectations/session.ts';

/** Connect once to learn the version and the database; exit 2 for a malformed string, 3 when the server is unreachable. */
export async function openUrlSource(url: string): Promise<Source> {
  const parsed = parseConnection(url);
  if (!parsed.ok) {
    throw new ScenarioError(`source.url: ${parsed.problem}`, [
      { path: 'source.url', problem: parsed.problem, fix: parsed.fix },
    ]);
  }
  const database = databaseOf(parsed.keywords);
  const password = parsed.keywords.password;
  // URLs go to node-postgres whole (socket URLs included); a conninfo is given as fields (node-postgres does not parse key=value strings).
  const config = (text: string, db: string): pg.ClientConfig =>
    parsed.form === 'url'
      ? { connectionString: withDatabase(text, db), application_name: 'recoverable' }
      : { ...conninfoToConfig(text), database: db, application_name: 'recoverable' };
  let client;
  try {
    client = pgClient(config(url, database));
  } catch (cause) {
    // node-postgres refuses some settings only here (sslmode=verify-ca without sslrootcert, unreadable certificate files).
    const problem = `node-postgres cannot use it: ${redactSecrets((cause as Error).message)}`;
    throw new ScenarioError(
      `source.url: ${problem}`,
      [{ path: 'source.url', problem, fix: 'check the ssl settings and the certificate files they name' }],
      { cause },
    );
  }
  try {
    await client.connect();
  } catch (cause) {
    throw new EnvironmentError(
      'source-unreachable',
      `cannot connect to the source ${redactSecrets(url)}: ${(cause as Error).message}`,
      {
        hint: 'check the URL, that the server is up, and that the password is in the environment variable the scenario names',
        cause,
      },
    );
  }
  let version: { version: string; major: number };
  try {
    version = await serverVersion(client);
  } finally {
    await client.end();
  }
  // Every session and tool of ours meets none of the source's timeouts or read-only defaults: the guards go into the
  // string's own options, after what it sets, so ours win (libpq takes a string's options over PGOPTIONS, and
  // node-postgres a URL's over its config's). A pooler (PgBouncer, a cloud proxy) may refuse the options startup
  // parameter: its sessions then go unguarded, as pg_dump's own do not need them, rather than not at all.
  const guardedUrl = withOptions(url, [parsed.keywords.options, guardOptions(version.major)].filter(Boolean).join(' '));
  const guarded = await acceptsOptions(config(guardedUrl, database));
  const effective = guarded ? guardedUrl : url;
  const stripped = withoutPassword(effective);
  return {
    kind: 'url',
    database,
    major: version.major,
    serverVersion: version.version,
    clientConfig: (db = database) => config(effective, db),
    conninfo: (db = database) => withDatabase(stripped, db),
    toolEnv: () => (password ? { PGPASSWORD: password } : {}),
    describe: () => `PostgreSQL ${version.version} at ${redactSecrets(withoutPassword(url))}`,
    dispose: async () => {},
  };
}

// Whether the server (or what stands in front of it) takes startup options; any other failure is the source's.
async function acceptsOptions(config: pg.ClientConfig): Promise<boolean> {
  const client = pgClient(config);
  try {
    await client.connect();
    return true;
  } catch (cause) {
    if (/unsupported startup parameter/i.test((cause as Error).message)) return false;
    throw new EnvironmentError('source-unreachable', `cannot connect to the source: ${(cause as Error).message}`, {
      cause,
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}
