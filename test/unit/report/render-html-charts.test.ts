/**
 * report.html's charts at Gatling's level (issue 12 §1): the containers each kind of run gets, the
 * inlined chart view (distributions, threshold lines, rollout markers), the calls table's spread
 * columns, no empty duration rows, and the size of a 10-minute run's page.
 */
import { describe, expect, it } from 'vitest';
import { createAggregator } from '../../../src/metrics/aggregator.ts';
import { createAccumulator } from '../../../src/metrics/hdr.ts';
import { createRecorder } from '../../../src/metrics/recorder.ts';
import type { RunSummary } from '../../../src/metrics/run-summary.ts';
import { OTA_CALLS } from '../../../src/ota/routes.ts';
import { distributionOf } from '../../../src/report/html-dist.ts';
import { rolloutMarkers, scenarioOfSource, thresholdLines } from '../../../src/report/html-view.ts';
import { renderHtml } from '../../../src/report/render-html.ts';
import { createExampleSummary } from '../../helpers/example-summary.ts';

function inlineData(html: string): Record<string, unknown> {
  const m = /<script id="summary-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html);
  return JSON.parse(m![1]!) as Record<string, unknown>;
}

const ARRIVAL_SOURCE = `name: open-load
fleet:
  count: 50
load:
  model: arrival-rate
  phases:
    - { duration: 10s, rate: 5 }
rollout:
  packages: [{ name: fw, targetVersion: V2, size: 64KiB }]
  steps:
    - { at: 2s, batch: { name: wave1, package: fw, fromVersion: V1.0 } }
    - { at: 7500ms, cancel: { batch: wave1 } }
stop: { duration: 10s }
`;

/** A synthetic run of `seconds` seconds through the real recorder and aggregator, every call each second. */
function syntheticSummary(seconds: number, source = 'name: long\n'): RunSummary {
  const startedAtMs = Date.UTC(2026, 5, 1);
  const agg = createAggregator({ startedAtMs });
  const r = createRecorder({ wasm: false, startMs: startedAtMs });
  for (let s = 0; s < seconds; s++) {
    for (let i = 0; i < 40; i++) {
      for (const call of OTA_CALLS) r.recordCall(call, 1000 + ((i * 7919 + s * 104_729) % 50_000));
    }
    r.recordCall('check', 9000, 'ERR_HTTP_STATUS', { status: 503 });
    if (s % 7 === 0) r.recordCall('check', 9000, 'ERR_OTA_ERRNO', { errno: 10_403 });
    r.count('ota_download_bytes', 64 * 1024);
    r.count('devices_booted', 3);
    if (s % 3 === 0) r.count('device_starts_dropped', 1);
    agg.add(r.snapshot(startedAtMs + (s + 1) * 1000), 'w0');
  }
  r.close();
  return agg.finish({
    tool: { name: 'ota-fleet', version: '0.1.0' },
    scenario: { name: 'long', file: 'long.yaml', source },
    run: {
      seed: 1,
      target: { url: 'http://127.0.0.1:1', embedded: true, dialect: 'studio' },
      workers: 1,
      devices: 50,
      startedAtMs,
      endedAtMs: startedAtMs + seconds * 1000,
    },
  } as Parameters<typeof agg.finish>[0]);
}

describe('report.html charts', () => {
  const example = createExampleSummary({ thresholds: true });
  const html = renderHtml(example);

  it('has the distribution, capacity, OK/KO, status and errno charts of each call with requests', () => {
    for (const call of ['check', 'download', 'report-status', 'report-version']) {
      expect(html).toContain(`data-chart="latency:${call}"`);
      expect(html).toContain(`data-chart="spectrum:${call}"`);
      expect(html).toContain(`data-chart="hist:${call}"`);
    }
    for (const name of ['capacity', 'okko', 'status', 'errno', 'throughput', 'devices'])
      expect(html).toContain(`data-chart="${name}"`);
    expect(html).not.toContain('data-chart="arrivals"');
    expect(html).toContain('latency over time (p50 / p90 / p95 / p99 / max)');
  });

  it('inlines the distribution of each call and per-second p95/max, status and errno', () => {
    const data = inlineData(html) as {
      view: { distributions: Record<string, { count: number; buckets: number[][] }> };
      timeseries: { calls: { check?: { p95?: number; max?: number } }; errorsByStatus?: object }[];
    };
    const check = data.view.distributions['check']!;
    expect(check.count).toBe(example.calls.check!.count);
    expect(check.buckets.reduce((n, b) => n + b[2]!, 0)).toBe(check.count);
    const p = data.timeseries[5]!;
    expect(p.calls.check!.p95).toBeGreaterThan(0);
    expect(p.calls.check!.max).toBeGreaterThanOrEqual(p.calls.check!.p95!);
    expect(p.errorsByStatus).toEqual({ '503': 4 });
    expect(data.timeseries[12]!).toMatchObject({ errorsByErrno: { '17': 1 } });
  });

  it('shows min, mean and std-dev in the calls table', () => {
    const c = example.calls.check!.latency;
    expect(html).toContain('<th class="num">min</th><th class="num">mean</th><th class="num">std-dev</th>');
    expect(c.min).toBeGreaterThan(0);
    expect(c.stddev).toBeGreaterThan(0);
    expect(html).toMatch(
      /<td>check<\/td><td class="num">6,000<\/td><td class="num">120 \(2\.0%\)<\/td><td class="num">2\.\d+ms<\/td>/,
    );
  });

  it('leaves out durations without values, and the section when none has any', () => {
    const s = createExampleSummary({ rollout: false });
    s.durations['device_upgrade_duration'] = { ...s.durations['ota_download_ttfb']!, count: 0 };
    const page = renderHtml(s);
    expect(page).toContain('<td>ota_download_ttfb</td>');
    expect(page).not.toContain('<td>device_upgrade_duration</td>');
    s.durations = {};
    expect(renderHtml(s)).not.toContain('Other durations');
  });

  it('for arrival-rate runs draws visits started and dropped starts, marks the steps on time axes', () => {
    const s = syntheticSummary(12, ARRIVAL_SOURCE);
    const page = renderHtml(s);
    expect(page).toContain('data-chart="arrivals"');
    expect(page).not.toContain('data-chart="devices"');
    const data = inlineData(page) as {
      view: { markers: unknown[]; arrivalRate: boolean };
      timeseries: { started?: number; dropped?: number }[];
    };
    expect(data.view.arrivalRate).toBe(true);
    expect(data.view.markers).toEqual([
      { t: 2, label: 'batch wave1', kind: 'batch' },
      { t: 7.5, label: 'cancel wave1', kind: 'cancel' },
    ]);
    expect(data.timeseries[0]).toMatchObject({ started: 3, dropped: 1 });
    expect(data.timeseries[1]!.dropped).toBeUndefined();
  });

  it('stays under 1 MB for a 10-minute run of every call', () => {
    const s = syntheticSummary(600);
    expect(s.timeseries).toHaveLength(600);
    const page = renderHtml(s);
    expect(page.length).toBeLessThan(1_000_000);
    expect(page).toContain('data-chart="spectrum:query-version"');
  });
});

describe('chart view pieces', () => {
  it('reads latency bounds of call metrics as threshold lines in ms, with their result', () => {
    expect(
      thresholdLines([
        { metric: 'ota_check_duration', expression: 'p(99) < 200ms', ok: false },
        { metric: 'ota_download_duration', expression: 'max <= 1.5s' },
        { metric: 'ota_check_duration', expression: 'count > 10' },
        { metric: 'errors', expression: 'count < 5' },
      ]),
    ).toEqual({
      check: [{ label: 'threshold p(99) < 200ms', value: 200, ok: false }],
      download: [{ label: 'threshold max <= 1.5s', value: 1500 }],
    });
  });

  it('takes rollout markers from the stored scenario source, none when it does not parse', () => {
    expect(rolloutMarkers(scenarioOfSource(ARRIVAL_SOURCE, 'a.yaml')).map((m) => m.t)).toEqual([2, 7.5]);
    expect(scenarioOfSource('not: [valid', 'b.yaml')).toBeUndefined();
    expect(rolloutMarkers(undefined)).toEqual([]);
  });

  it("reads a histogram's percentile spectrum and counts from its HDR values", () => {
    const h = createAccumulator();
    for (let v = 1; v <= 1000; v++) h.recordValue(v * 1000); // 1..1000 ms
    const d = distributionOf(h)!;
    // uniform over 1..1000 ms: the value at percentile q is about 10·q ms, ticks per decade of 1/(1-p)
    expect(d.spectrum.map(([q]) => q).slice(0, 4)).toEqual([0, 20.5672, 36.9043, 49.8813]);
    for (const [q, ms] of d.spectrum) expect(Math.abs(ms - Math.max(1, 10 * q)), `p${q}`).toBeLessThan(12);
    expect(d.spectrum.at(-1)).toEqual([100, expect.closeTo(1000, -1)]);
    expect(d.buckets.reduce((n, b) => n + b[2], 0)).toBe(1000);
    // log-spaced buckets: the last (widest) holds far more than the first of 1..1000 uniform
    expect(d.buckets.at(-1)![2]).toBeGreaterThan(d.buckets[0]![2]);
    expect(distributionOf(createAccumulator())).toBeUndefined();
  });
});
