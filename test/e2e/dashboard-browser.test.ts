import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { type RunCommandResult, runCommandHandler } from '../../src/cli/run.ts';
import { ARTIFACTS, CHROMIUM, FLAGS, haveChromium, MISSING } from '../helpers/browser.ts';

const SCENARIO = {
  name: 'dashboard-browser',
  seed: 7,
  target: { url: 'embedded' },
  fleet: { count: 16, versions: { f_version: { 'V1.0': 1 } }, boot: { over: '500ms' } },
  profiles: [{ name: 'steady', pollInterval: '300ms', installTime: '1s', download: { chunkSize: '16KiB' } }],
  rollout: {
    packages: [{ name: 'fw', targetVersion: 'V2.0', size: '256KiB' }],
    steps: [{ at: '1s', batch: { name: 'all', package: 'fw', fromVersion: 'V1.0' } }],
  },
  thresholds: { ota_check_duration: ['p(99) < 5s'] },
  stop: { duration: '5s', whenSettled: false },
};

let tmp: string;
let context: BrowserContext | undefined;
let page: Page;
let url = '';
let result: RunCommandResult;
let updatesWhileRunning = 0;
const problems: string[] = [];
const blocked: string[] = [];

beforeAll(async () => {
  if (!haveChromium) {
    if (process.env.CI) throw new Error(MISSING);
    return;
  }
  tmp = await mkdtemp(join(tmpdir(), 'ota-fleet-dashboard-'));
  const file = join(tmp, 'dashboard.yaml');
  await writeFile(file, stringify(SCENARIO), 'utf8');
  context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith('http://127.0.0.1:') || u.startsWith('blob:') || u.startsWith('data:'))
      return route.continue();
    blocked.push(u);
    return route.abort();
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  let listening!: (u: string) => void;
  const dashboardUrl = new Promise<string>((ok) => {
    listening = ok;
  });
  // the run prints its summary: keep the test output clean
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const run = runCommandHandler(
    {
      scenario: file,
      out: join(tmp, 'reports'),
      quiet: true,
      logLevel: 'warn',
      wasm: false,
      force: false,
      dashboard: '0',
    },
    { onDashboard: (d) => listening(d.url) },
  );
  url = await dashboardUrl;
  await page.goto(url);
  // three updates while the run still runs (the page counts the events it received)
  await page.waitForFunction(
    `Number(document.body.dataset.updates) >= 3 && document.body.dataset.phase !== 'finished'`,
    undefined,
    { timeout: 30_000 },
  );
  updatesWhileRunning = Number(await page.getAttribute('body', 'data-updates'));
  await page
    .waitForFunction(
      `document.body.dataset.phase === 'finished' &&
     document.getElementById('report-link').getAttribute('data-cached') === 'true'`,
      undefined,
      { timeout: 30_000 },
    )
    .catch(async (err) => {
      const state = await page.evaluate(
        `[document.body.dataset.phase, document.body.dataset.updates, document.getElementById('report').outerHTML]`,
      );
      throw new Error(`${err}: ${JSON.stringify(state)} ${problems.join('; ')}`);
    });
  result = await run;
  vi.restoreAllMocks();
}, 90_000);

afterAll(async () => {
  await context?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('the live dashboard in chromium', () => {
  it('serves on loopback and received at least 3 updates while the run lasted', (ctx) => {
    if (!haveChromium) ctx.skip(MISSING);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(updatesWhileRunning).toBeGreaterThanOrEqual(3);
    expect(problems).toEqual([]);
    expect(blocked).toEqual([]);
  });

  it("draws the report's charts with data: the series grew to the run's seconds", async (ctx) => {
    if (!haveChromium) ctx.skip(MISSING);
    const charts = await page.$$eval('[data-chart]', (els) =>
      els.map((el) => ({
        name: el.getAttribute('data-chart') ?? '',
        ready: el.getAttribute('data-chart-ready'),
        error: el.getAttribute('data-chart-error'),
        points: Number(el.getAttribute('data-points')),
      })),
    );
    expect(charts.map((c) => c.name)).toEqual(
      expect.arrayContaining(['convergence', 'latency:check', 'spectrum:check', 'hist:check', 'throughput']),
    );
    for (const c of charts) {
      expect(c.error, c.name).toBeNull();
      expect(c.ready, c.name).toBe('true');
      expect(c.points, c.name).toBeGreaterThanOrEqual(3);
    }
  });

  it('ends with the verdict and thresholds of the written summary and a working report link', async (ctx) => {
    if (!haveChromium) ctx.skip(MISSING);
    const verdict = await page.getAttribute('#verdict', 'data-verdict');
    expect(verdict).toBe(result.summary.verdict?.status ?? 'passed');
    expect(await page.textContent('#thresholds')).toContain('p(99) < 5s');
    // the cards end on the whole run's figures, not the last second's
    expect(await page.textContent('#kpis')).toContain(result.summary.totals.requests.toLocaleString('en-US'));
    // the run's server has closed: the link opens the copy the page kept
    const html = await page.$eval('#report-link', (a) =>
      fetch((a as unknown as { href: string }).href).then((r) => r.text()),
    );
    expect(html).toContain('<script id="summary-data"');
    expect(html).toContain(result.summary.run.id);
  });

  it('saves a screenshot to the artifacts folder', async (ctx) => {
    if (!haveChromium) ctx.skip(MISSING);
    await mkdir(ARTIFACTS, { recursive: true });
    const png = await page.screenshot({ path: join(ARTIFACTS, 'dashboard-browser.png'), fullPage: true });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });
});
