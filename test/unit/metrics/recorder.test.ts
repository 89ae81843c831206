import { afterEach, describe, expect, it } from 'vitest';
import { createAggregator } from '../../../src/metrics/aggregator.ts';
import { initMetrics } from '../../../src/metrics/hdr.ts';
import { createNullRecorder, createRecorder, type Recorder } from '../../../src/metrics/recorder.ts';
import { decodeHistogram, summarizeHistogram } from '../../../src/metrics/snapshot.ts';

const T0 = 1_700_000_000_000;
const meta = {
  scenario: { name: 's', file: 's.yaml', source: 'name: s\n' },
  run: {
    id: 'r',
    seed: 1,
    target: { url: 'http://x', embedded: false, dialect: 'studio' as const },
    workers: 1,
    devices: 1,
  },
};

const open: Recorder[] = [];
function recorder(wasm = false): Recorder {
  const r = createRecorder({ wasm, startMs: T0 });
  open.push(r);
  return r;
}
afterEach(() => {
  for (const r of open.splice(0)) r.close();
});

/** Relative precision of a 3-significant-digit HDR histogram. */
const within = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected) / expected).toBeLessThan(0.001);

describe('recorder', () => {
  it('round-trips 1000 known latencies through snapshot and aggregator with HDR precision', () => {
    const r = recorder();
    for (let ms = 1; ms <= 1000; ms++) r.recordCall('check', ms * 1000);
    const agg = createAggregator({ startedAtMs: T0 });
    agg.add(r.snapshot(T0 + 1000), 'w1');
    const s = agg.finish({ ...meta, run: { ...meta.run, endedAtMs: T0 + 1000 } });
    const lat = s.calls.check.latency;
    expect(lat.count).toBe(1000);
    within(lat.p50, 500_000);
    within(lat.p90, 900_000);
    within(lat.p99, 990_000);
    within(lat.max, 1_000_000);
    within(lat.min, 1000);
    within(lat.mean, 500_500);
    expect(s.calls.check).toMatchObject({ count: 1000, failed: 0 });
    expect(s.totals).toMatchObject({ requests: 1000, failedRequests: 0, successRate: 1, rps: 1000 });
  });

  it('counts a failed call as request, failure and tagged error, and times it per outcome', () => {
    const r = recorder();
    r.recordCall('download', 5000);
    r.recordCall('download', 7000, 'ERR_OTA_DOWNLOAD_ERRNO', { ota_errno: 5 });
    r.recordCall('download', 9000, 'ERR_TRANSPORT_RESET');
    r.recordCall('download', 9000, 'ERR_TRANSPORT_RESET');
    const snap = r.snapshot(T0 + 1000);
    expect(snap.counters).toEqual({
      'ota_requests{call=download}': 4,
      'ota_requests_failed{call=download}': 3,
      'errors{call=download,code=ERR_OTA_DOWNLOAD_ERRNO,ota_errno=5}': 1,
      'errors{call=download,code=ERR_TRANSPORT_RESET}': 2,
    });
    expect(Object.keys(snap.histograms).sort()).toEqual([
      'ota_download_duration{outcome=error}',
      'ota_download_duration{outcome=ok}',
    ]);
    const err = summarizeHistogram(decodeHistogram(snap.histograms['ota_download_duration{outcome=error}']!));
    expect(err.count).toBe(3);
    within(err.min, 7000);
  });

  it('returns interval snapshots: counters and histograms reset, gauges kept, intervals chained', () => {
    const r = recorder();
    r.count('devices_booted', 3);
    r.count('devices_upgraded', 1, { profile: 'p', from: '1.0' });
    r.gauge('devices_active', 7);
    r.recordDuration('ota_download_ttfb', 1234);
    const a = r.snapshot(T0 + 1000);
    expect(a).toMatchObject({ startMs: T0, endMs: T0 + 1000, gauges: { devices_active: 7 } });
    expect(a.counters).toEqual({ devices_booted: 3, 'devices_upgraded{from=1.0,profile=p}': 1 });
    expect(Object.keys(a.histograms)).toEqual(['ota_download_ttfb']);
    const b = r.snapshot(T0 + 2000);
    expect(b).toEqual({
      startMs: T0 + 1000,
      endMs: T0 + 2000,
      counters: {},
      gauges: { devices_active: 7 },
      histograms: {},
    });
  });

  it('produces a plain structured-cloneable snapshot', () => {
    const r = recorder();
    r.recordCall('check', 100, 'ERR_HTTP_STATUS', { status: 503 });
    const snap = r.snapshot(T0 + 1000);
    expect(structuredClone(snap)).toEqual(snap);
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });

  it('clamps latencies outside 1 µs..1 h and NaN instead of throwing', () => {
    const r = recorder();
    for (const v of [0, -5, Number.NaN, 5e9, 12.6]) r.recordCall('check', v);
    const h = decodeHistogram(r.snapshot(T0 + 1).histograms['ota_check_duration{outcome=ok}']!);
    expect(h.totalCount).toBe(5);
    expect(h.minNonZeroValue).toBe(1);
    within(h.maxValue, 3_600_000_000);
  });

  it('gives the same percentiles with WASM and JS histograms', async () => {
    expect(await initMetrics({ wasm: true })).toEqual({ wasm: true });
    const js = recorder(false);
    const wasm = recorder(true);
    let x = 12345;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const micros = 100 + (x % 5_000_000);
      js.recordCall('task-state', micros);
      wasm.recordCall('task-state', micros);
    }
    const key = 'ota_task_state_duration{outcome=ok}';
    const a = summarizeHistogram(decodeHistogram(js.snapshot(T0 + 1).histograms[key]!));
    const b = summarizeHistogram(decodeHistogram(wasm.snapshot(T0 + 1).histograms[key]!));
    expect(b).toEqual(a);
    expect(a.count).toBe(20_000);
  });

  it('has a null variant that keeps no latencies or tags, only request counts, and still chains intervals', () => {
    const r = createNullRecorder({ startMs: T0 });
    r.recordCall('check', 100, 'ERR_X');
    r.recordCall('check', 120);
    r.recordCall('download', 900);
    r.count('devices_booted');
    r.gauge('devices_active', 3);
    expect(r.snapshot(T0 + 1000)).toEqual({
      startMs: T0,
      endMs: T0 + 1000,
      counters: { 'ota_requests{call=check}': 2, 'ota_requests{call=download}': 1 },
      gauges: {},
      histograms: {},
    });
    expect(r.snapshot(T0 + 2000).startMs).toBe(T0 + 1000);
    r.close();
  });
});
