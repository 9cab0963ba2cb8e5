// The globals file runs through psql, whose backslash commands reach the drill host (`\!` runs a shell, `\o |` a
// pipe, `\copy ... program` a program): the file is run restricted, under a key it cannot know.
import { randomBytes } from 'node:crypto';

// pg_dumpall's own guard (PostgreSQL 13.22, 14.19, 15.14, 16.10, 17.6 and later write it): replaced by ours.
const DUMPALL_GUARD = /^\\(?:un)?restrict [A-Za-z0-9]+[ \t]*$/;

/** The psql script that runs `sql` with every backslash command refused but the closing `\unrestrict` of `key`. */
export function restrictedScript(sql: string, key: string = newKey()): string {
  return `\\restrict ${key}\n${withoutDumpallGuard(sql)}\n\\unrestrict ${key}\n`;
}

/** `sql` without pg_dumpall's own `\restrict`/`\unrestrict` lines (a psql that does not know them errs on them). */
export function withoutDumpallGuard(sql: string): string {
  return sql
    .split('\n')
    .filter((line) => !DUMPALL_GUARD.test(line))
    .join('\n');
}

/** A key no file written before this run can hold: 64 random hexadecimal digits. */
export function newKey(): string {
  return randomBytes(32).toString('hex');
}

/** A line of the file psql would read as a backslash command, for a client that cannot restrict them (null: none). */
export function firstBackslashLine(sql: string): { line: number; text: string } | null {
  const lines = sql.split('\n');
  // Outside a string a backslash starts a command anywhere on a line; refusing every backslash is the safe reading.
  const index = lines.findIndex((line) => line.includes('\\') && !DUMPALL_GUARD.test(line));
  return index < 0 ? null : { line: index + 1, text: lines[index]!.slice(0, 120) };
}

/** psql's own errors in its output: a refused or unknown backslash command, a file it could not read. */
export function psqlErrorLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^psql:.*\berror: /.test(l) && !/\bERROR:/.test(l));
}
