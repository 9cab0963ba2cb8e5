// Mask passwords in anything that may reach a log or a report.

const URL_PASSWORD = /(postgres(?:ql)?:\/\/[^:/@\s]+:)([^@\s]+)(@)/gi;
const CONNINFO_PASSWORD = /(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s]+)/gi;
const ENV_PASSWORD = /(\bPGPASSWORD\s*=\s*)(\S+)/g;

/** Replace passwords in connection URLs, conninfo strings and PGPASSWORD=... with ***. */
export function redactSecrets(text: string): string {
  return text.replace(URL_PASSWORD, '$1***$3').replace(CONNINFO_PASSWORD, '$1***').replace(ENV_PASSWORD, '$1***');
}
