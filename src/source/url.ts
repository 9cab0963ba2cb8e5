// A real server named by a URL or conninfo; the password goes to tools through PGPASSWORD only.
import type pg from 'pg';
import { pgClient, conninfoToConfig } from '../core/pg-client.ts';
import { parse } from 'pg-connection-string';
import { EnvironmentError } from '../core/errors.ts';
import { redactSecrets } from '../core/redact.ts';
import { serverVersion, type Source } from './source.ts';

/** Connect once to learn the version and the database; fail with exit 3 when it is unreachable. */
export async function openUrlSource(url: string): Promise<Source> {
  const isUrl = /^postgres(ql)?:\/\//i.test(url);
  const parsed = isUrl ? parse(url) : conninfoToConfig(url);
  const database = parsed.database ?? parsed.user ?? 'postgres';
  const password = typeof parsed.password === 'string' ? parsed.password : undefined;
  const withoutPassword = stripPassword(url);
  // URLs go to node-postgres whole; a conninfo is given as fields (node-postgres does not parse key=value strings).
  const config = (db: string): pg.ClientConfig =>
    isUrl ? { connectionString: withDatabase(url, db), application_name: 'recoverable' } : { ...conninfoToConfig(url), database: db, application_name: 'recoverable' };
  const client = pgClient(config(database));
  try {
    await client.connect();
  } catch (cause) {
    throw new EnvironmentError('source-unreachable', `cannot connect to the source ${redactSecrets(url)}: ${(cause as Error).message}`, {
      hint: 'check the URL, that the server is up, and that the password is in the environment variable the scenario names',
      cause,
    });
  }
  let version: { version: string; major: number };
  try {
    version = await serverVersion(client);
  } finally {
    await client.end();
  }
  return {
    kind: 'url',
    database,
    major: version.major,
    serverVersion: version.version,
    clientConfig: (db = database) => config(db),
    conninfo: (db = database) => withDatabase(withoutPassword, db),
    toolEnv: () => (password ? { PGPASSWORD: password } : {}),
    describe: () => `PostgreSQL ${version.version} at ${redactSecrets(url)}`,
    dispose: async () => {},
  };
}

// Remove the password from a URL or a conninfo string.
function stripPassword(url: string): string {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  }
  return url.replace(/\bpassword\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/gi, '').trim();
}

// Point a URL or conninfo at another database.
function withDatabase(url: string, database: string): string {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const u = new URL(url);
    u.pathname = `/${encodeURIComponent(database)}`;
    return u.toString();
  }
  return `${url.replace(/\bdbname\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/gi, '').trim()} dbname='${database.replace(/'/g, "\\'")}'`;
}
