// Tablespaces in a globals file point at the source's directories: a restore must create them in its own.

/** A tablespace the globals create, where it lived on the source, and where the restore puts it. */
export interface RelocatedTablespace {
  name: string;
  sourceLocation: string;
  location: string;
}

/** The globals as fed to psql, the tablespaces moved, and CREATE TABLESPACE lines that could not be read (left out). */
export interface RelocatedGlobals {
  sql: string;
  tablespaces: RelocatedTablespace[];
  problems: string[];
}

// pg_dumpall writes: CREATE TABLESPACE <ident> OWNER <ident> LOCATION '<literal>'; (standard_conforming_strings on).
const IDENT = String.raw`"(?:[^"]|"")+"|[^\s"]+`;
const CREATE = new RegExp(String.raw`^CREATE TABLESPACE (${IDENT}) OWNER (${IDENT}) LOCATION '((?:[^']|'')*)';$`);

/**
 * Rewrite every CREATE TABLESPACE of `globals` to a location chosen by `locate` (given the tablespace's name and its
 * position). A CREATE TABLESPACE line in another shape is dropped and reported: never created at the source's path.
 */
export function relocateTablespaces(
  globals: string,
  locate: (name: string, index: number) => string,
): RelocatedGlobals {
  const tablespaces: RelocatedTablespace[] = [];
  const problems: string[] = [];
  const lines = globals.split('\n').map((line) => {
    if (!/^CREATE TABLESPACE\b/i.test(line)) return line;
    const match = CREATE.exec(line);
    if (!match) {
      problems.push(`a CREATE TABLESPACE the restore cannot relocate was left out: ${line.slice(0, 200)}`);
      return `-- left out by Recoverable (not relocatable): ${line.replace(/\n/g, ' ')}`;
    }
    const quotedName = match[1]!;
    const name = unquote(quotedName);
    const location = locate(name, tablespaces.length);
    tablespaces.push({ name, sourceLocation: match[3]!.replace(/''/g, "'"), location });
    return `CREATE TABLESPACE ${quotedName} OWNER ${match[2]!} LOCATION '${location.replace(/'/g, "''")}';`;
  });
  return { sql: lines.join('\n'), tablespaces, problems };
}

/** A directory name for a tablespace: its own name when that is safe and unused, otherwise a safe name with its position. */
export function tablespaceDirName(name: string, index: number, taken: ReadonlySet<string>): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_');
  return safe === name && !taken.has(safe) ? safe : `${safe}-${index + 1}`;
}

function unquote(ident: string): string {
  return ident.startsWith('"') ? ident.slice(1, -1).replace(/""/g, '"') : ident;
}
