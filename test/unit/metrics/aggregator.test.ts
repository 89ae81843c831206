import { describe, expect, it } from 'vitest';
import { createAggregator } from '../../../src/metrics/aggregator.ts';
import { createRecorder } from '../../../src/metrics/recorder.ts';
import type { RunMeta } from '../../../src/metrics/run-summary.ts';
import { decodeHistogram, type MetricsSnapshot, summarizeHistogram } from '../../../src/metrics/snapshot.ts';

const T0 = 1_700_000_000_000;
const meta: RunMeta = {
  tool: { name: 'ota-fleet', version: 'test' },
  scenario: { name: 's', file: 's.yaml', source: 'name: s\n' },
  run: {
    id: 'r',
    seed: 1,
    target: { url: 'http://x', embedded: false, dialect: 'studio' },
    workers: 2,
    devices: 10,
  },
};

function snap(
  startMs: number,
  endMs: number,
  counters: Record<string, number>,
  gauges = {},
): MetricsSnapshot {
  return { startMs: T0 + startMs, endMs: T0 + endMs, counters, gauges, histograms: {} };
}

describe('aggregator time series', () => {
  it('puts each snapshot into the second holding its midpoint and fills gaps', () => {
    const agg = createAggregator({ startedAtMs: T0 });
    agg.add(snap(0, 1000, { 'ota_requests{call=check}': 10 }, { devices_active: 4 }), 'w1');
    agg.add(snap(300, 1300, { 'ota_requests{call=check}': 20 }, { devices_active: 6 }), 'w2');
    agg.add(snap(700, 1700, { 'ota_requests{call=check}': 5, ota_download_bytes: 99 }), 'w3');
    agg.add(snap(3000, 4000, { 'devices_upgraded{from=1,profile=p}': 2 }, { devices_active: 1 }), 'w1');
    const s = agg.finish({ ...meta, run: { ...meta.run, endedAtMs: T0 + 4000 } });
    expect(s.timeseries.map((p) => p.t)).toEqual([0, 1, 2, 3]);
    expect(s.timeseries.map((p) => p.requests)).toEqual([30, 5, 0, 0]);
    expect(s.timeseries[1]!.bytes).toBe(99);
    expect(s.timeseries[0]!.calls.check?.count).toBe(30);
    // active = sum of each worker's latest gauge; the gap second carries the previous value
    expect(s.timeseries.map((p) => p.active)).toEqual([10, 10, 10, 7]);
    expect(s.timeseries[3]!.upgraded).toBe(2);
  });

  it('computes per-second per-call percentiles, errors and errors by code', () => {
    const agg = createAggregator({ startedAtMs: T0 });
    const r = createRecorder({ wasm: false, startMs: T0 });
    for (let i = 1; i <= 100; i++) r.recordCall('check', i * 100);
    r.recordCall('check', 50_000, 'ERR_TRANSPORT_TIMEOUT');
    agg.add(r.snapshot(T0 + 1000), 'w1');
    for (let i = 1; i <= 10; i++) r.recordCall('check', 1_000_000);
    agg.add(r.snapshot(T0 + 2000), 'w1');
    r.close();
    const [p0, p1] = agg.finish(meta).timeseries;
    expect(p0!.calls.check).toMatchObject({ count: 101, errors: 1 });
    expect(p0!.calls.check!.p50).toBeGreaterThanOrEqual(5000);
    expect(p0!.calls.check!.p50).toBeLessThan(5200);
    expect(p0!.errors).toBe(1);
    expect(p0!.errorsByCode).toEqual({ ERR_TRANSPORT_TIMEOUT: 1 });
    expect(Math.abs(p1!.calls.check!.p99 - 1_000_000)).toBeLessThan(1000);
  });

  it('keeps counts of a snapshot that arrives after its second closed', () => {
    const agg = createAggregator({ startedAtMs: T0 });
    agg.add(snap(20_000, 21_000, { 'ota_requests{call=check}': 1 }), 'w1');
    agg.add(snap(0, 1000, { 'ota_requests{call=check}': 7 }), 'w2');
    const s = agg.finish(meta);
    expect(s.timeseries[0]!.requests).toBe(7);
    expect(s.timeseries).toHaveLength(21);
  });

  it('holds one point per second for an hour-long run', () => {
    const agg = createAggregator({ startedAtMs: T0 });
    const r = createRecorder({ wasm: false, startMs: T0 });
    for (let t = 1; t <= 3600; t++) {
      r.recordCall('check', 1000 + t);
      agg.add(r.snapshot(T0 + t * 1000), 'w1');
    }
    r.close();
    const s = agg.finish({ ...meta, run: { ...meta.run, endedAtMs: T0 + 3_600_000 } });
    expect(s.timeseries).toHaveLength(3600);
    expect(s.timeseries[3599]!.calls.check?.p50).toBeGreaterThan(4500);
    expect(s.calls.check.count).toBe(3600);
    expect(s.totals.rps).toBe(1);
  });
});

describe('aggregator live stats', () => {
  it('reports rate over the latest snapshots, recent check p99 and cumulative counts', () => {
    const agg = createAggregator({ startedAtMs: T0 });
    const w1 = createRecorder({ wasm: false, startMs: T0 });
    const w2 = createRecorder({ wasm: false, startMs: T0 });
    for (let i = 0; i < 100; i++) w1.recordCall('check', 20_000);
    for (let i = 0; i < 50; i++) w2.recordCall('check', 20_000, i < 5 ? 'ERR_HTTP_STATUS' : undefined);
    w1.count('devices_upgraded', 3, { profile: 'p', from: '1' });
    w2.count('device_starts_dropped', 2);
    w1.gauge('devices_active', 5);
    w2.gauge('devices_active', 6);
    agg.add(w1.snapshot(T0 + 1000), 'w1');
    agg.add(w2.snapshot(T0 + 500), 'w2');
    const live = agg.live(T0 + 1500);
    expect(live).toMatchObject({
      elapsedSec: 1.5,
      devicesActive: 11,
      upgraded: 3,
      dropped: 2,
      requests: 150,
      rps: 200,
      errors: 5,
    });
    expect(live.errorRate).toBeCloseTo(5 / 150);
    expect(live.checkP99Ms).toBeCloseTo(20, 1);
    expect(createAggregator({ startedAtMs: T0 }).live(T0).checkP99Ms).toBeUndefined();
    w1.close();
    w2.close();
  });
});

describe('aggregator summary', () => {
  it('keeps cumulative histograms per outcome and in total, decodable from the summary', () => {
    const agg = createAggregator({ startedAtMs: T0 });
    const r = createRecorder({ wasm: false, startMs: T0 });
    for (let i = 0; i < 30; i++) r.recordCall('check', 1000);
    for (let i = 0; i < 10; i++) r.recordCall('check', 9000, 'ERR_OTA_ERRNO', { errno: 17 });
    agg.add(r.snapshot(T0 + 1000), 'w1');
    r.recordCall('check', 1000, 'ERR_HTTP_STATUS', { status: 503 });
    agg.add(r.snapshot(T0 + 2000), 'w1');
    r.close();
    const s = agg.finish(meta);
    expect(s.calls.check).toMatchObject({ count: 41, failed: 11 });
    expect(s.calls.check.latencyByOutcome.ok.count).toBe(30);
    expect(s.calls.check.latencyByOutcome.error.count).toBe(11);
    expect(summarizeHistogram(decodeHistogram(s.histograms['ota_check_duration']!))).toEqual(
      s.calls.check.latency,
    );
    expect(s.errors).toEqual([
      { code: 'ERR_OTA_ERRNO', call: 'check', detail: 'errno 17', count: 10 },
      { code: 'ERR_HTTP_STATUS', call: 'check', detail: 'HTTP 503', count: 1 },
    ]);
    expect(s.durations['ota_download_ttfb']!.count).toBe(0);
    expect(s.scenario.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(s.rollout).toBeUndefined();
  });

  it('labels a generic detail tag by its error code', () => {
    const agg = createAggregator({ startedAtMs: T0 });
    agg.add(
      snap(0, 1000, {
        'errors{call=download,code=ERR_OTA_DOWNLOAD_ERRNO,detail=5}': 2,
        'errors{call=download,code=ERR_HTTP_STATUS,detail=404}': 1,
        'errors{code=ERR_OTA_MD5_MISMATCH}': 1,
      }),
      'w1',
    );
    const { errors } = agg.finish(meta);
    expect(errors.map((e) => [e.code, e.detail])).toEqual([
      ['ERR_OTA_DOWNLOAD_ERRNO', 'Ota-Errno 5'],
      ['ERR_HTTP_STATUS', 'HTTP 404'],
      ['ERR_OTA_MD5_MISMATCH', ''],
    ]);
  });

  it('marks a run partial with its reason and times it from the aggregator start', () => {
    const agg = createAggregator({ startedAtMs: T0 });
    const s = agg.finish({
      ...meta,
      partial: true,
      partialReason: 'interrupted',
      run: { ...meta.run, endedAtMs: T0 + 2500 },
    });
    expect(s.run).toMatchObject({
      partial: true,
      partialReason: 'interrupted',
      durationMs: 2500,
      startedAt: new Date(T0).toISOString(),
    });
    expect(s.notes).toContain('No requests were recorded.');
    expect(s.totals.successRate).toBe(0);
  });
});
