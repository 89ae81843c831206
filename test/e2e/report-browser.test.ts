/**
 * report.html of a real small run, opened in Debian's chromium (playwright-core, headless, fresh
 * profile, no network): no console or page errors, every chart drawn and not blank, nothing fetched.
 * Saves a screenshot into $TEST_ARTIFACTS_DIR, or ota-fleet-test-artifacts/ in the temp folder (never
 * into the working tree). Skips without chromium, except in CI (CI=1), where it fails.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runScenario } from '../../src/engine/run.ts';
import { renderHtml } from '../../src/report/render-html.ts';
import type { RunSummary } from '../../src/report/summary.ts';
import { writeReport } from '../../src/report/write.ts';
import { scenarioSchema } from '../../src/scenario/schema.ts';
import { ARTIFACTS, CHROMIUM, FLAGS, haveChromium, MISSING } from '../helpers/browser.ts';

const SCENARIO_INPUT = {
  name: 'report-browser',
  seed: 5,
  fleet: { count: 12, versions: { f_version: { 'V1.0': 1 } }, boot: { over: '300ms' } },
  profiles: [
    { name: 'steady', pollInterval: '300ms', installTime: '300ms', download: { chunkSize: '16KiB' } },
  ],
  rollout: {
    packages: [{ name: 'fw', targetVersion: 'V2.0', size: '64KiB' }],
    steps: [{ at: '300ms', batch: { name: 'all', package: 'fw', fromVersion: 'V1.0' } }],
  },
  thresholds: { ota_check_duration: ['p(99) < 2s'] },
  // not settled early: at least 3 seconds of series for the time charts
  stop: { duration: '3500ms', whenSettled: false },
};
const SCENARIO_SOURCE = stringify(SCENARIO_INPUT);
const scenario = scenarioSchema.parse(SCENARIO_INPUT);

/**
 * Pixels of a chart's canvas that are painted (not transparent), or, given `rgb`, painted in about
 * that colour (each channel within 40, for anti-aliasing).
 */
function paintedPixels(chart: string, rgb?: [number, number, number]): Promise<number> {
  return page.$eval(
    `[data-chart="${chart}"] canvas`,
    (canvas, want) => {
      const c = canvas as unknown as {
        width: number;
        height: number;
        getContext(kind: '2d'): { getImageData(...a: number[]): { data: Uint8ClampedArray } };
      };
      const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! === 0) continue;
        if (want === null || want.every((v, k) => Math.abs(data[i + k]! - v) <= 40)) n++;
      }
      return n;
    },
    rgb ?? null,
  );
}

let tmp: string;
let html: string;
let summary: RunSummary;
let context: BrowserContext | undefined;
let page: Page;
const problems: string[] = [];
const blocked: string[] = [];

beforeAll(async () => {
  if (!haveChromium) {
    if (process.env.CI) throw new Error(MISSING);
    return;
  }
  tmp = await mkdtemp(join(tmpdir(), 'ota-fleet-browser-'));
  ({ summary } = await runScenario({
    scenario,
    scenarioFile: 'report-browser.yaml',
    scenarioSource: SCENARIO_SOURCE,
    log: pino({ level: 'silent' }),
    workers: 1,
  }));
  html = (await writeReport(summary, join(tmp, 'report'))).files.html;
  context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  await page.goto(pathToFileURL(html).href);
  // every chart ends either drawn or with an error attribute (a string: this file has no DOM types)
  await page.waitForFunction(
    `[...document.querySelectorAll('[data-chart]')].every(
      (el) => el.hasAttribute('data-chart-ready') || el.hasAttribute('data-chart-error'))`,
    undefined,
    { timeout: 10_000 },
  );
}, 45_000);

afterAll(async () => {
  await context?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('report.html in chromium', () => {
  it('loads without console errors, page errors or network requests', (ctx) => {
    if (!haveChromium) ctx.skip(MISSING);
    expect(problems).toEqual([]);
    expect(blocked).toEqual([]);
  });

  it('draws every chart (data-chart-ready) and none of them is blank', async (ctx) => {
    if (!haveChromium) ctx.skip(MISSING);
    const charts = await page.$$eval('[data-chart]', (els) =>
      els.map((el) => ({
        name: el.getAttribute('data-chart') ?? '',
        ready: el.getAttribute('data-chart-ready'),
        error: el.getAttribute('data-chart-error'),
      })),
    );
    expect(charts.map((c) => c.name)).toEqual(
      expect.arrayContaining(['convergence', 'latency:check', 'latency:download', 'throughput', 'devices']),
    );
    // the distribution of each call, capacity, OK/KO and replies by status (issue 12 §1)
    expect(charts.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'spectrum:check',
        'hist:check',
        'spectrum:download',
        'hist:download',
        'capacity',
        'okko',
        'status',
      ]),
    );
    for (const c of charts) expect(c).toEqual({ name: c.name, ready: 'true', error: null });
    for (const c of charts) expect(await paintedPixels(c.name), `${c.name} canvas`).toBeGreaterThan(1000);
  });

  it('draws the data lines, not only the axes, in the series colours', async (ctx) => {
    if (!haveChromium) ctx.skip(MISSING);
    // html-client.ts colours: upgraded #1a7f37, requests/s #0969da, active devices #1b7c83
    expect(await paintedPixels('convergence', [0x1a, 0x7f, 0x37])).toBeGreaterThan(50);
    expect(await paintedPixels('throughput', [0x09, 0x69, 0xda])).toBeGreaterThan(50);
    expect(await paintedPixels('devices', [0x1b, 0x7c, 0x83])).toBeGreaterThan(50);
  });

  it('feeds every chart data: 3+ seconds on time axes, the spectrum and histogram of each call', async (ctx) => {
    if (!haveChromium) ctx.skip(MISSING);
    const points = await page.$$eval('[data-chart]', (els) =>
      els.map((el) => [el.getAttribute('data-chart') ?? '', Number(el.getAttribute('data-points'))] as const),
    );
    for (const [name, n] of points) expect(n, name).toBeGreaterThanOrEqual(3);
  });

  it('marks the batch step on time axes and draws the p99 threshold line on the check charts', async (ctx) => {
    if (!haveChromium) ctx.skip(MISSING);
    const view = await page.evaluate(`JSON.parse(document.getElementById('summary-data').textContent).view`);
    expect(view).toMatchObject({
      markers: [{ t: 0.3, label: 'batch all', kind: 'batch' }],
      thresholdLines: { check: [{ label: 'threshold p(99) < 2s', value: 2000 }] },
    });
    // the threshold line (#9a6700 while it holds) is on the check latency chart
    expect(await paintedPixels('latency:check', [0x9a, 0x67, 0x00])).toBeGreaterThan(50);
  });

  it('legends show values before any hover, never bare "-" placeholders', async (ctx) => {
    if (!haveChromium) ctx.skip(MISSING);
    const values = await page.$$eval('.u-legend .u-value', (els) => els.map((e) => e.textContent ?? ''));
    expect(values.length).toBeGreaterThan(20);
    for (const v of values) expect(v).not.toMatch(/^\s*-*\s*$/);
  });

  it('without downloads: no bytes axis reading "1 B, 1 B, 0 B"; whole-number device ticks', async (ctx) => {
    if (!haveChromium) ctx.skip(MISSING);
    const s = structuredClone(summary);
    for (const p of s.timeseries) {
      p.bytes = 0;
      p.active = p.t % 2; // 0/1 devices: the axis used to read 0, 0.2, 0.4 ...
    }
    const file = join(tmp, 'no-bytes.html');
    await writeFile(file, renderHtml(s), 'utf8');
    const other = await context!.newPage();
    await other.goto(pathToFileURL(file).href);
    await other.waitForFunction(
      `document.querySelector('[data-chart="devices"]').hasAttribute('data-chart-ready')`,
    );
    const axes = (await other.evaluate(`(() => {
      const p = window.OtaCharts.plots;
      return {
        throughput: p.throughput.plot.axes.map((a) => a._values),
        devices: p.devices.plot.axes[1]._values,
      };
    })()`)) as { throughput: string[][]; devices: string[] };
    await other.close();
    expect(axes.throughput).toHaveLength(2); // seconds and requests/s only
    expect(axes.throughput.flat().join(' ')).not.toMatch(/ B\b/);
    expect(axes.devices.length).toBeGreaterThan(1);
    for (const v of axes.devices) expect(v).toMatch(/^\d+$/);
  });

  it('saves a screenshot to the artifacts folder', async (ctx) => {
    if (!haveChromium) ctx.skip(MISSING);
    await mkdir(ARTIFACTS, { recursive: true });
    const path = join(ARTIFACTS, 'report-browser.png');
    const png = await page.screenshot({ path, fullPage: true });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(existsSync(path)).toBe(true);
  });
});
