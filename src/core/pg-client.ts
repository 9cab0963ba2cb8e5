// node-postgres clients that never crash the process: a server stopped under a query is an error, not an exit.
import pg from 'pg';

/** A client whose connection-level errors are handled (the pending query still rejects). */
export function pgClient(config: pg.ClientConfig): pg.Client {
  const client = new pg.Client(config);
  // Without a listener, an EPIPE from a server stopped during cleanup kills the process before cleanup ends.
  client.on('error', () => undefined);
  return client;
}

/** Parse a libpq conninfo string ("host=... port=... dbname='a b'") into its keywords. */
export function parseConninfo(conninfo: string): Record<string, string> {
  const result: Record<string, string> = {};
  const re = /\s*([a-zA-Z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S*))/gy;
  let match: RegExpExecArray | null;
  while ((match = re.exec(conninfo)) !== null) {
    result[match[1]!.toLowerCase()] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!;
    if (re.lastIndex >= conninfo.length) break;
  }
  return result;
}

/** node-postgres settings from a conninfo string's keywords. */
export function conninfoToConfig(conninfo: string): pg.ClientConfig {
  const k = parseConninfo(conninfo);
  const config: pg.ClientConfig = {};
  if (k.host ?? k.hostaddr) config.host = (k.host ?? k.hostaddr)!;
  if (k.port) config.port = Number(k.port);
  if (k.user) config.user = k.user;
  if (k.password) config.password = k.password;
  if (k.dbname) config.database = k.dbname;
  if (k.options) config.options = k.options;
  if (k.connect_timeout) config.connectionTimeoutMillis = Number(k.connect_timeout) * 1000;
  if (k.sslmode && k.sslmode !== 'disable')
    config.ssl =
      k.sslmode === 'require' || k.sslmode === 'prefer' || k.sslmode === 'allow' ? { rejectUnauthorized: false } : true;
  return config;
}
