import { describe, expect, it } from 'vitest';
import { createRecorder, type Recorder } from '../../../src/metrics/recorder.ts';
import {
  decodeHistogram,
  emptyLatencyStats,
  mergeEncodedHistograms,
  mergeSnapshots,
  summarizeHistogram,
} from '../../../src/metrics/snapshot.ts';
import type { OtaCall } from '../../../src/ota/routes.ts';

const T0 = 1_700_000_000_000;

/** Feeds recorder(s) a fixed mix of calls; `pick` chooses which recorder gets call i. */
function feed(pick: (i: number) => Recorder): void {
  const calls: OtaCall[] = ['check', 'download', 'report-status'];
  for (let i = 0; i < 3000; i++) {
    const r = pick(i);
    const call = calls[i % 3]!;
    const micros = 500 + ((i * 7919) % 200_000);
    if (i % 97 === 0) r.recordCall(call, micros, 'ERR_HTTP_STATUS', { status: 500 + (i % 4) });
    else r.recordCall(call, micros);
    if (i % 10 === 0) r.count('ota_download_bytes', 1000);
    if (i % 13 === 0) r.recordDuration('ota_download_ttfb', micros / 2);
  }
}

describe('snapshots', () => {
  it('merging two workers equals recording everything in one', () => {
    const one = createRecorder({ wasm: false, startMs: T0 });
    const a = createRecorder({ wasm: false, startMs: T0 });
    const b = createRecorder({ wasm: false, startMs: T0 + 200 });
    feed(() => one);
    feed((i) => (i % 2 === 0 ? a : b));
    const whole = one.snapshot(T0 + 1000);
    const merged = mergeSnapshots(a.snapshot(T0 + 1000), b.snapshot(T0 + 1200));
    expect(merged.startMs).toBe(T0);
    expect(merged.endMs).toBe(T0 + 1200);
    expect(merged.counters).toEqual(whole.counters);
    expect(Object.keys(merged.histograms).sort()).toEqual(Object.keys(whole.histograms).sort());
    for (const [key, enc] of Object.entries(whole.histograms)) {
      expect(summarizeHistogram(decodeHistogram(merged.histograms[key]!)), key).toEqual(
        summarizeHistogram(decodeHistogram(enc)),
      );
    }
    for (const r of [one, a, b]) r.close();
  });

  it('sums gauges of different workers', () => {
    const into = { startMs: 0, endMs: 1, counters: {}, gauges: { devices_active: 3 }, histograms: {} };
    mergeSnapshots(into, {
      startMs: 0,
      endMs: 1,
      counters: {},
      gauges: { devices_active: 4, devices_idle: 1 },
      histograms: {},
    });
    expect(into.gauges).toEqual({ devices_active: 7, devices_idle: 1 });
  });

  it('merges decoded histograms of very different ranges into a fresh accumulator', () => {
    const small = createRecorder({ wasm: false, startMs: T0 });
    const large = createRecorder({ wasm: false, startMs: T0 });
    small.recordDuration('device_upgrade_duration', 10);
    large.recordDuration('device_upgrade_duration', 3_000_000_000);
    const es = small.snapshot(T0 + 1).histograms['device_upgrade_duration']!;
    const el = large.snapshot(T0 + 1).histograms['device_upgrade_duration']!;
    expect(decodeHistogram(es).autoResize).toBe(false);
    const merged = summarizeHistogram(mergeEncodedHistograms([es, el]));
    expect(merged.count).toBe(2);
    expect(merged.min).toBe(10);
    expect(Math.abs(merged.max - 3e9) / 3e9).toBeLessThan(0.001);
    small.close();
    large.close();
  });

  it('summarises an empty histogram as zeros', () => {
    expect(summarizeHistogram(mergeEncodedHistograms([]))).toEqual(emptyLatencyStats());
  });
});
