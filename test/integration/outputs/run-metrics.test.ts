/**
 * `--metrics-listen` on a real run: the embedded server, real workers, real undici. The test scrapes
 * /metrics each time the run hands its observers a new second (events, not clock moments), parses each
 * scrape with a Prometheus text-format parser, and checks that counters only grow and that the scrape
 * after the run agrees with summary.json (requests per call, errors by code, latency count and p99).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCommandHandler } from '../../../src/cli/run.ts';
import type { RunObserver } from '../../../src/engine/observer.ts';
import { startPrometheusOutput } from '../../../src/outputs/prometheus.ts';
import type { RunSummary } from '../../../src/report/summary.ts';
import { writeTinyRollout } from './fixtures.ts';
import { counterValues, type Family, scrape, total } from './scrape.ts';

let dir: string;
afterAll(async () => {
  vi.restoreAllMocks();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('ota-fleet run --metrics-listen', () => {
  it('serves growing counters while the run lasts; the last scrape agrees with summary.json', {
    timeout: 90_000,
  }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'ota-fleet-prom-'));
    const file = await writeTinyRollout(dir);
    const prom = await startPrometheusOutput({ host: '127.0.0.1', port: 0 });
    expect(prom.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const scrapes: Promise<{ families: Map<string, Family>; beforeEnd: boolean }>[] = [];
    let ended = false;
    // one scrape per new second of the run, started from the observer (after the output's own update)
    const scraper: RunObserver = {
      onSnapshot: () => {
        scrapes.push(scrape(prom.url).then((families) => ({ families, beforeEnd: !ended })));
      },
      onFinish: () => {
        ended = true;
      },
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let result: Awaited<ReturnType<typeof runCommandHandler>>;
    try {
      result = await runCommandHandler(
        {
          scenario: file,
          out: join(dir, 'reports'),
          quiet: true,
          logLevel: 'info',
          wasm: false,
          force: false,
        },
        { observers: [prom.observer, scraper] },
      );
    } finally {
      vi.restoreAllMocks();
    }
    const final = await scrape(prom.url);
    await prom.close();
    const during = await Promise.all(scrapes);

    // several scrapes answered while the run was going, with requests in them
    const live = during.filter((s) => s.beforeEnd && total(s.families, 'ota_fleet_requests_total') > 0);
    expect(live.length).toBeGreaterThanOrEqual(2);

    // counters only grow, scrape after scrape
    const series = [...during.map((s) => s.families), final].map(counterValues);
    for (let i = 1; i < series.length; i++)
      for (const [key, before] of series[i - 1]!)
        expect(series[i]!.get(key) ?? 0, key).toBeGreaterThanOrEqual(before);

    const summary = JSON.parse(await readFile(join(result.dir, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.totals.requests).toBeGreaterThan(0);
    expect(summary.totals.devices.failed).toBeGreaterThan(0);
    expect(total(final, 'ota_fleet_requests_total')).toBe(summary.totals.requests);
    expect(total(final, 'ota_fleet_requests_total', { outcome: 'error' })).toBe(
      summary.totals.failedRequests,
    );
    for (const [call, c] of Object.entries(summary.calls)) {
      expect(total(final, 'ota_fleet_requests_total', { call }), call).toBe(c.count);
      expect(total(final, 'ota_fleet_requests_total', { call, outcome: 'error' }), call).toBe(c.failed);
    }
    const byCode = new Map<string, number>();
    for (const e of summary.errors) byCode.set(e.code, (byCode.get(e.code) ?? 0) + e.count);
    for (const [code, n] of byCode)
      expect(total(final, 'ota_fleet_request_errors_total', { code }), code).toBe(n);
    expect(total(final, 'ota_fleet_request_errors_total')).toBe(
      [...byCode.values()].reduce((a, b) => a + b, 0),
    );
    expect(total(final, 'ota_fleet_download_bytes_total')).toBe(summary.totals.bytes);
    expect(total(final, 'ota_fleet_devices_total', { state: 'upgraded' })).toBe(
      summary.totals.devices.upgraded,
    );
    expect(total(final, 'ota_fleet_devices_total', { state: 'failed' })).toBe(summary.totals.devices.failed);
    expect(total(final, 'ota_fleet_devices_total', { state: 'booted' })).toBe(summary.totals.devices.booted);

    // latency: a summary per call whose count and p99 are the report's
    const latency = final.get('ota_fleet_request_duration_seconds');
    expect(latency?.type).toBe('SUMMARY');
    const check = latency?.metrics.find((m) => m.labels['call'] === 'check');
    expect(check?.count).toBe(summary.calls.check!.latency.count);
    expect(check?.quantiles?.['0.99']).toBeCloseTo(summary.calls.check!.latency.p99 / 1e6, 9);
    // the generator's own CPU and event-loop delay
    expect(total(final, 'ota_fleet_process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(final.has('ota_fleet_nodejs_eventloop_lag_p99_seconds')).toBe(true);
  });
});
