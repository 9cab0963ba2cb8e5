// Write the rendered reports into a run's report directory, each file atomically.

import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { EnvironmentError } from '../core/errors.ts';
import { redactDeep } from '../core/redact.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import type { RunResult } from '../run/result.ts';

export type ReportFormat = 'json' | 'junit' | 'markdown' | 'html';

/** The file each report format is written to, inside the report directory. */
export const REPORT_FILES = {
  json: 'result.json',
  junit: 'junit.xml',
  markdown: 'summary.md',
  html: 'report.html',
} as const satisfies Record<ReportFormat, string>;

const RENDERERS: Record<ReportFormat, (result: RunResult) => string> = {
  json: renderJson,
  junit: renderJunit,
  markdown: renderMarkdown,
  html: renderHtml,
};

const ORDER: readonly ReportFormat[] = ['json', 'junit', 'markdown', 'html'];

/**
 * Write the requested reports into `dir` (created if missing) and return the paths written.
 * result.json is always written, and first: it is the source of truth the others are rendered from.
 */
export async function writeReports(
  result: RunResult,
  dir: string,
  formats: readonly ReportFormat[],
): Promise<string[]> {
  await mkdir(dir, { recursive: true }).catch((cause: unknown) => {
    throw writeFailed(dir, cause);
  });
  // Tool output and messages may quote a connection string: no report ever holds a password.
  const safe = redactDeep(result);
  const wanted = new Set<ReportFormat>(['json', ...formats]);
  const written: string[] = [];
  for (const format of ORDER) {
    if (!wanted.has(format)) continue;
    const path = join(dir, REPORT_FILES[format]);
    const content = RENDERERS[format](safe);
    await writeFileAtomic(path, content).catch((cause: unknown) => {
      throw writeFailed(path, cause);
    });
    written.push(path);
  }
  await syncDirectory(dir);
  return written;
}

function writeFailed(path: string, cause: unknown): EnvironmentError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new EnvironmentError('report-write-failed', `could not write report ${path}: ${reason}`, {
    cause,
    hint: 'check that the report directory is writable and the disk is not full',
  });
}

// Temp file in the same directory, fsync, rename: readers see the old file or the whole new one.
async function writeFileAtomic(path: string, content: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

// Make the renames durable; some platforms (Windows) cannot open a directory, which is fine to skip.
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    return;
  } finally {
    await handle?.close();
  }
}
