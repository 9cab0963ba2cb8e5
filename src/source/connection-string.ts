// Connection strings as libpq reads them (postgresql:// URLs and key=value conninfo): pure parsing and rewriting.
import { parse as parseForNodePostgres } from 'pg-connection-string';

/** The libpq keywords a connection string sets, decoded (host, port, dbname, user, password, sslmode ...). */
export type Keywords = Record<string, string>;

export type ConnectionParse =
  { ok: true; form: 'url' | 'conninfo'; keywords: Keywords } | { ok: false; problem: string; fix: string };

const SCHEME = /^postgres(?:ql)?:\/\//i;
const URL_FIX =
  'write postgresql://user@host:5432/db, or for a socket postgresql://user@/db?host=/var/run/postgresql; percent-encode reserved characters';
// A query parameter written without "=" (libpq refuses it; kept as written when rewriting).
const NO_VALUE = '\u0000';
const CONNINFO_FIX =
  "write key=value pairs, e.g. host=db port=5432 dbname=app user=app; quote values with spaces: options='-c x=y'";

// A URL split where libpq splits it; each part as written (still percent-encoded).
interface UrlParts {
  scheme: string;
  /** `user` or `user:password`, before the `@`; null without one. */
  userinfo: string | null;
  hostspec: string;
  /** After the `/` that ends the host part; null when there is no `/`. */
  path: string | null;
  params: Array<[string, string]>;
}

/** Parse a URL or conninfo; a problem names what is wrong without repeating the password. */
export function parseConnection(text: string): ConnectionParse {
  if (text.trim() === '') return { ok: false, problem: 'the connection string is empty', fix: URL_FIX };
  if (SCHEME.test(text)) return parseUrl(text);
  const pairs = conninfoPairs(text);
  if ('problem' in pairs) return { ok: false, problem: pairs.problem, fix: CONNINFO_FIX };
  const keywords = Object.fromEntries(pairs.map(([k, v]) => [k.toLowerCase(), v]));
  const host = hostProblem(keywords.host);
  if (host) return { ok: false, problem: host, fix: CONNINFO_FIX };
  const port = portProblem(keywords.port);
  if (port) return { ok: false, problem: port, fix: CONNINFO_FIX };
  return { ok: true, form: 'conninfo', keywords };
}

/** The same connection string without its password (for tools' `-d`; they get it through PGPASSWORD). */
export function withoutPassword(text: string): string {
  return rewrite(text, (key) => key !== 'password', {});
}

/** The same connection string pointed at another database. */
export function withDatabase(text: string, database: string): string {
  return rewrite(text, (key) => key !== 'dbname', { dbname: database });
}

/** The same connection string with these startup options in place of its own (libpq prefers them to PGOPTIONS). */
export function withOptions(text: string, options: string): string {
  return rewrite(text, (key) => key !== 'options', { options });
}

/** The database a connection string names, as libpq defaults it (the user's name), else postgres. */
export function databaseOf(keywords: Keywords): string {
  return keywords.dbname || keywords.user || 'postgres';
}

/** Where the server is reached, as given (host name or socket directory, and port), never the password. */
export function serverOf(keywords: Keywords): string {
  const host = keywords.host || keywords.hostaddr || '';
  const port = keywords.port || '5432';
  if (host === '') return `default socket:${port}`;
  return `${host.startsWith('/') ? host.replace(/\/+$/, '') || '/' : host.toLowerCase()}:${port}`;
}

/** Keywords of a string already validated by the scenario (throws on a malformed one). */
export function keywordsOf(text: string): Keywords {
  const parsed = parseConnection(text);
  // Cannot happen: scenario loading refuses a source.url that does not parse (source/url.ts).
  if (!parsed.ok) throw new Error(`malformed connection string: ${parsed.problem}`);
  return parsed.keywords;
}

function parseUrl(text: string): ConnectionParse {
  const parts = splitUrl(text);
  const bad = (problem: string): ConnectionParse => ({ ok: false, problem, fix: URL_FIX });
  const keywords: Keywords = {};
  try {
    if (parts.userinfo !== null) {
      const colon = parts.userinfo.indexOf(':');
      keywords.user = decodeURIComponent(colon < 0 ? parts.userinfo : parts.userinfo.slice(0, colon));
      if (colon >= 0) keywords.password = decodeURIComponent(parts.userinfo.slice(colon + 1));
    }
    const host = splitHostspec(parts.hostspec);
    if ('problem' in host) return bad(host.problem);
    if (host.host !== '') keywords.host = decodeURIComponent(host.host);
    if (host.port !== '') keywords.port = host.port;
    if (parts.path) keywords.dbname = decodeURIComponent(parts.path);
    for (const [key, value] of parts.params) {
      if (key === '') return bad('a query parameter has no name');
      if (value === NO_VALUE) return bad(`the query parameter "${key}" has no "=" and no value`);
      keywords[decodeURIComponent(key).toLowerCase()] = decodeURIComponent(value);
    }
  } catch {
    return bad('the URL has a malformed percent-encoding (a % not followed by two hex digits)');
  }
  const hostIssue = hostProblem(keywords.host);
  if (hostIssue) return bad(hostIssue);
  const portIssue = portProblem(keywords.port);
  if (portIssue) return bad(portIssue);
  // node-postgres reads URLs with its own parser: what it cannot read would fail only at connect time.
  // (sslmode is left out: node-postgres checks it against certificate files, and warns, when it connects.)
  try {
    parseForNodePostgres(rewrite(text, (key) => key !== 'sslmode', {}));
  } catch (error) {
    return bad(`node-postgres cannot read the URL (${(error as Error).message})`);
  }
  return { ok: true, form: 'url', keywords };
}

// scheme://[userinfo@][hostspec][/path][?query], split as libpq does: credentials end at the first @ before any /.
function splitUrl(text: string): UrlParts {
  const scheme = SCHEME.exec(text)![0];
  const rest = text.slice(scheme.length);
  const queryAt = rest.indexOf('?');
  const head = queryAt < 0 ? rest : rest.slice(0, queryAt);
  const query = queryAt < 0 ? '' : rest.slice(queryAt + 1);
  const end = head.search(/[@/]/);
  const userinfo = end >= 0 && head[end] === '@' ? head.slice(0, end) : null;
  const afterUser = userinfo === null ? head : head.slice(end + 1);
  const slash = afterUser.indexOf('/');
  const params =
    query === ''
      ? []
      : query.split('&').map((pair): [string, string] => {
          const eq = pair.indexOf('=');
          return eq < 0 ? [pair, NO_VALUE] : [pair.slice(0, eq), pair.slice(eq + 1)];
        });
  return {
    scheme,
    userinfo,
    hostspec: slash < 0 ? afterUser : afterUser.slice(0, slash),
    path: slash < 0 ? null : afterUser.slice(slash + 1),
    params,
  };
}

// One host with an optional port; [v6] addresses in brackets.
function splitHostspec(hostspec: string): { host: string; port: string } | { problem: string } {
  if (hostspec.includes(',')) return { problem: `the URL names several hosts (${hostspec}): name one server` };
  const m = /^(\[[^\]]*\]|[^:[\]]*)(?::(.*))?$/.exec(hostspec);
  if (!m) return { problem: `the URL's host part "${hostspec}" is malformed` };
  const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
  if (m[2] !== undefined && m[2] === '') return { problem: 'the URL has a ":" after the host but no port' };
  return { host, port: m[2] ?? '' };
}

function hostProblem(host: string | undefined): string | null {
  if (host === undefined || host === '' || host.startsWith('/')) return null;
  if (host.includes(',')) return `several hosts are named (${host}): name one server`;
  if (/[\s@/]/.test(host)) return `the host "${host}" is not a host name, an address or a socket directory`;
  return null;
}

function portProblem(port: string | undefined): string | null {
  if (port === undefined || port === '') return null;
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535)
    return `the port "${port}" is not a number from 1 to 65535`;
  return null;
}

// key = value pairs as libpq's conninfo parser reads them: values bare or single-quoted, backslash escapes.
function conninfoPairs(text: string): Array<[string, string]> | { problem: string } {
  const pairs: Array<[string, string]> = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  for (;;) {
    skipSpace();
    if (i >= text.length) return pairs;
    const keyStart = i;
    while (i < text.length && !/[\s=]/.test(text[i]!)) i++;
    const key = text.slice(keyStart, i);
    skipSpace();
    if (text[i] !== '=')
      return { problem: `"${key}" has no "=" after it: expected key=value pairs or a postgresql:// URL` };
    i++;
    skipSpace();
    let value = '';
    if (text[i] === "'") {
      i++;
      for (;;) {
        if (i >= text.length) return { problem: `the value of ${key} has no closing quote` };
        const c = text[i]!;
        if (c === '\\' && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else if (c === "'") {
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
    } else {
      while (i < text.length && !/\s/.test(text[i]!)) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i];
        i++;
      }
    }
    pairs.push([key, value]);
  }
}

// Drop the keywords `keep` refuses, then set those in `set` (dbname: a URL's path, a conninfo's dbname=).
function rewrite(text: string, keep: (key: string) => boolean, set: { dbname?: string; options?: string }): string {
  if (!SCHEME.test(text)) {
    const pairs = conninfoPairs(text);
    // Cannot happen: scenario loading refuses a conninfo that does not parse (source/url.ts).
    if ('problem' in pairs) throw new Error(`malformed conninfo: ${pairs.problem}`);
    const kept = pairs.filter(([k]) => keep(k.toLowerCase()));
    if (set.dbname !== undefined) kept.push(['dbname', set.dbname]);
    if (set.options !== undefined) kept.push(['options', set.options]);
    return kept.map(([k, v]) => `${k}='${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(' ');
  }
  const parts = splitUrl(text);
  const userinfo = parts.userinfo === null ? null : keep('password') ? parts.userinfo : parts.userinfo.split(':')[0]!;
  const path = set.dbname !== undefined ? encodeURIComponent(set.dbname) : parts.path;
  const params = parts.params.filter(([k]) => keep(safeDecode(k).toLowerCase()));
  if (set.options !== undefined) params.push(['options', encodeURIComponent(set.options)]);
  const query = params.map(([k, v]) => (v === NO_VALUE ? k : `${k}=${v}`)).join('&');
  return `${parts.scheme}${userinfo === null ? '' : `${userinfo}@`}${parts.hostspec}${path === null ? '' : `/${path}`}${query ? `?${query}` : ''}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
