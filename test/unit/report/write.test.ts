import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvironmentError } from '../../../src/core/errors.ts';
import { renderJson } from '../../../src/report/json.ts';
import { writeReports } from '../../../src/report/write.ts';
import { failingResult } from './sample-result.ts';

async function withTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'recoverable-report-'));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('writeReports writes the four files into a new directory and leaves no temp files', async () => {
  await withTempDir(async (root) => {
    const dir = join(root, 'reports', 'run-1');
    const result = failingResult();
    const paths = await writeReports(result, dir, ['json', 'junit', 'markdown', 'html']);
    assert.deepEqual(
      paths,
      ['result.json', 'junit.xml', 'summary.md', 'report.html'].map((name) => join(dir, name)),
    );
    assert.deepEqual((await readdir(dir)).sort(), ['junit.xml', 'report.html', 'result.json', 'summary.md']);
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'result.json'), 'utf8')), result);
    assert.match(await readFile(join(dir, 'junit.xml'), 'utf8'), /^<\?xml/);
    assert.match(await readFile(join(dir, 'summary.md'), 'utf8'), /^# Recoverable drill FAILED/);
    assert.match(await readFile(join(dir, 'report.html'), 'utf8'), /^<!doctype html>/);
  });
});

test('writeReports always writes result.json, even when not asked for', async () => {
  await withTempDir(async (dir) => {
    const paths = await writeReports(failingResult(), dir, ['junit']);
    assert.deepEqual(paths, [join(dir, 'result.json'), join(dir, 'junit.xml')]);
    assert.deepEqual((await readdir(dir)).sort(), ['junit.xml', 'result.json']);
  });
});

test('writeReports replaces existing reports whole', async () => {
  await withTempDir(async (dir) => {
    await writeFile(join(dir, 'result.json'), 'stale content that is longer than nothing'.repeat(1000));
    const result = failingResult();
    await writeReports(result, dir, []);
    assert.equal(await readFile(join(dir, 'result.json'), 'utf8'), renderJson(result));
    assert.deepEqual(await readdir(dir), ['result.json']);
  });
});

test('writeReports raises a report-write-failed error when the directory cannot be made', async () => {
  await withTempDir(async (root) => {
    const blocker = join(root, 'not-a-dir');
    await writeFile(blocker, '');
    await assert.rejects(writeReports(failingResult(), join(blocker, 'run'), ['json']), (error: unknown) => {
      assert.ok(error instanceof EnvironmentError);
      assert.equal(error.code, 'report-write-failed');
      return true;
    });
  });
});
