// The one place that masks secrets in anything that may reach a log, an error, a report or stored evidence.

/** What a secret is replaced with. */
export const MASK = '***';

// scheme://user:password@host ... : the password runs to the last `@` of the line (a password may hold `@`, `:`,
// `/`, `%` or spaces); over-masking beats leaking. No `@` after `user:` means host:port, not a password.
const URL_USERINFO = /(postgres(?:ql)?:\/\/[^:/@\s'"]*:)([^\n]+)@/gi;
// password= and sslpassword= in a conninfo, a URL query string, or a conninfo quoted inside a config line; PGPASSWORD=
// too, so a quoted value in a shell line (PGPASSWORD='a b') is masked to its closing quote.
const PASSWORD_KEY = /\b((?:ssl|pg)?password\s*=\s*)/gi;
// PGPASSWORD=value in an environment dump, and "password": "value" (or an environment's "PGPASSWORD") in JSON-like text.
const ENV_PASSWORD = /(\bPGPASSWORD\s*=\s*)(\S+)/g;
const JSON_PASSWORD = /("(?:ssl|pg)?password"\s*:\s*")((?:[^"\\]|\\.)*)(")/gi;

/** Replace every password in `text` with {@link MASK}: URLs, conninfo keys, URL query parameters, env and JSON forms. */
export function redactSecrets(text: string): string {
  return maskPasswordValues(maskUserinfo(text))
    .replace(ENV_PASSWORD, `$1${MASK}`)
    .replace(JSON_PASSWORD, `$1${MASK}$3`);
}

// Each URL's userinfo password, up to the last `@` before the next URL on the line.
function maskUserinfo(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const starts = [...line.matchAll(/postgres(?:ql)?:\/\//gi)].map((m) => m.index);
      if (starts.length === 0) return line;
      const pieces = starts.map((start, i) => line.slice(start, starts[i + 1] ?? line.length));
      return line.slice(0, starts[0]) + pieces.map((piece) => piece.replace(URL_USERINFO, `$1${MASK}@`)).join('');
    })
    .join('\n');
}

// The value after each password key: a quoted value to its closing quote (backslash escapes and doubled quotes
// inside), otherwise up to whitespace, `&` or a quote.
function maskPasswordValues(text: string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(PASSWORD_KEY)) {
    const valueAt = match.index + match[0].length;
    if (valueAt < last) continue;
    out += text.slice(last, valueAt) + MASK;
    last = valueEnd(text, valueAt);
  }
  return out + text.slice(last);
}

// Where a conninfo value starting at `at` ends.
function valueEnd(text: string, at: number): number {
  // A conninfo inside a single-quoted config value doubles its quotes: ''secret'' is one value.
  if (text.startsWith("''", at)) {
    const end = text.indexOf("''", at + 2);
    return end === -1 ? text.length : end + 2;
  }
  const quote = text[at];
  let i = at;
  if (quote === "'" || quote === '"') {
    for (i = at + 1; i < text.length; i++) {
      if (text[i] === '\\') i++;
      else if (text[i] === quote) return i + 1;
    }
    return text.length;
  }
  while (i < text.length && !/[\s&'"]/.test(text[i]!)) i++;
  return i;
}

/** A copy of `value` with every string in it redacted (a run result, before any report is rendered from it). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactDeep(v)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  return value;
}
