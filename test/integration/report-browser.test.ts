// The HTML report in a real browser (Debian's Chromium, headless): it renders the targets overview, the phase timeline
// of every restore and the scenario's history,
// runs no script of its own or of a hostile message, and asks for nothing outside the file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { writeReports } from '../../src/report/write.ts';
import { failingResult, HOSTILE_MESSAGE } from '../unit/report/sample-result.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const missing = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
if (missing && process.env.CI) test('Chromium is installed (required in CI)', () => assert.fail(missing));

let browser: Browser;
let dir: string;
before(async () => {
  if (missing) return;
  dir = await mkdtemp(join(tmpdir(), 'recoverable-html-'));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});
after(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test(
  'the report renders its targets overview, phase timelines and history, runs no script, and requests nothing but itself',
  { skip: missing },
  async () => {
    const result = failingResult();
    const point = (runId: string, verdict: 'passed' | 'failed', rtoMs: number) => ({
      runId,
      finishedAt: '2025-01-01T02:03:04.000Z',
      verdict,
      rtoMs,
      rtoObjectiveMs: 5_000,
      rpoMs: 1_000,
      rpoObjectiveMs: 60_000,
      checksFailed: verdict === 'passed' ? 0 : 1,
    });
    result.history = [
      point('r1', 'passed', 3_000),
      point('r2', 'passed', 4_000),
      point(result.runId, 'failed', 12_100),
    ];
    await writeReports(result, dir, ['html']);
    const file = pathToFileURL(join(dir, 'report.html')).href;
    const page = await browser.newPage();
    const requested: string[] = [];
    const dialogs: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.dismiss();
    });
    await page.goto(file, { waitUntil: 'load' });

    // The targets overview: one row per restore, in order, each with its verdict.
    const targets = page.locator('section#targets table.targets tbody tr');
    assert.equal(await targets.count(), result.restores.length);
    assert.deepEqual(
      await targets.locator('td:first-child code').allTextContents(),
      result.restores.map((r) => r.target),
    );
    assert.equal(
      await page.locator('section#targets tr.target.failed').count(),
      1,
      'the restore with a failed check is the failed row',
    );

    // The history: the verdict strip and the RTO/RPO charts over the scenario's runs are drawn.
    const history = page.locator('section.history figure.chart svg[role="img"]');
    assert.ok((await history.count()) >= 2, 'a verdict strip and at least one bar chart');
    for (const chart of await history.all())
      assert.ok((await chart.boundingBox())!.width > 100, 'each history chart is laid out');

    // Every restore is there, each with its phase timeline: an SVG whose segments are the phases, in order.
    const restores = await page.locator('section.restore').count();
    assert.equal(restores, result.restores.length);
    const timelines = page.locator('section.restore figure.chart svg[role="img"][aria-label^="phase durations"]');
    assert.equal(await timelines.count(), result.restores.length);
    const first = result.restores[0]!;
    const total = first.phases.reduce((sum, p) => sum + p.durationMs, 0);
    assert.match((await timelines.first().getAttribute('aria-label')) ?? '', /^phase durations, total /);
    const segments = await timelines
      .first()
      .locator('rect')
      .evaluateAll((rects) =>
        rects.map((r) => ({
          title: r.querySelector('title')?.textContent ?? '',
          width: r.getBoundingClientRect().width,
        })),
      );
    assert.deepEqual(
      segments.map((s) => s.title.split(':')[0]),
      first.phases.map((p) => p.name),
    );
    // Drawn widths follow the durations (the longest phase is the widest segment).
    const widest = first.phases.reduce((best, p, i) => (p.durationMs > first.phases[best]!.durationMs ? i : best), 0);
    assert.equal(
      segments.reduce((best, s, i) => (s.width > segments[best]!.width ? i : best), 0),
      widest,
    );
    assert.ok(total > 0);

    // The hostile check message is text on the page, not markup: no <script> from it, no dialog.
    assert.ok((await page.textContent('body'))?.includes(HOSTILE_MESSAGE));
    assert.equal(await page.locator('script').count(), 0);
    assert.deepEqual(dialogs, []);

    // Self-contained: the only request is the file itself (no font, stylesheet, image or script from anywhere).
    assert.deepEqual(
      requested.filter((url) => url !== file && !url.startsWith('data:')),
      [],
    );
    await page.close();
  },
);
