// A data directory's configuration as the server would read it: postgresql.conf and every file it includes.
import { readFile, readdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseConf, type ConfSetting } from './recovery-config.ts';

/** The settings of one configuration file, named relative to the data directory when inside it. */
export interface ConfFile {
  name: string;
  settings: ConfSetting[];
}

const MAX_DEPTH = 10;

/** postgresql.conf and its includes (include, include_if_exists, include_dir), in the order the server reads them; unreadable ones skipped. */
export async function readConfigTree(dataDir: string): Promise<ConfFile[]> {
  const files: ConfFile[] = [];
  const seen = new Set<string>();
  await readInto(join(dataDir, 'postgresql.conf'), dataDir, 0, files, seen);
  return files;
}

async function readInto(
  path: string,
  dataDir: string,
  depth: number,
  files: ConfFile[],
  seen: Set<string>,
): Promise<void> {
  if (depth > MAX_DEPTH || seen.has(path)) return;
  seen.add(path);
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) return;
  const { settings, includes } = parseConf(text);
  const inside = relative(dataDir, path);
  files.push({ name: inside.startsWith('..') || isAbsolute(inside) ? path : inside, settings });
  for (const include of includes) {
    // Relative paths are relative to the including file, as the server reads them.
    const target = resolve(dirname(path), include.path);
    if (include.kind !== 'include_dir') {
      await readInto(target, dataDir, depth + 1, files, seen);
      continue;
    }
    const names = await readdir(target).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith('.conf') && !n.startsWith('.')).sort())
      await readInto(join(target, name), dataDir, depth + 1, files, seen);
  }
}
