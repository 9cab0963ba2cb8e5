// Keep passwords out of logs and reports: secrets come from the environment and stay there.

const MASK = '***';
const URL_SCHEME = /^postgres(?:ql)?:\/\//i;
// `password` and `sslpassword`, as `key=value` in a conninfo or a URL query string.
const CONNINFO_PASSWORD = /(\b(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s'&]+)/gi;

/**
 * Replaces the password in a `postgres://user:password@host/db` URL (including `?password=`)
 * or in a `host=... password=...` conninfo with `***`. Other text is returned unchanged.
 */
export function redactUrl(url: string): string {
  const redacted = URL_SCHEME.test(url) ? redactUserinfo(url) : url;
  return redacted.replace(CONNINFO_PASSWORD, `$1${MASK}`);
}

// Mask what follows `user:` up to the last `@` before the query: over-masking beats leaking.
function redactUserinfo(url: string): string {
  const scheme = URL_SCHEME.exec(url)?.[0] ?? '';
  const rest = url.slice(scheme.length);
  const queryAt = rest.indexOf('?');
  const at = rest.lastIndexOf('@', queryAt === -1 ? rest.length : queryAt);
  if (at === -1) return url;
  const userinfo = rest.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (colon === -1 || colon === userinfo.length - 1) return url;
  return `${scheme}${userinfo.slice(0, colon + 1)}${MASK}${rest.slice(at)}`;
}
