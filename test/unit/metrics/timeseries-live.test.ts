/** The per-second series read live (the dashboard) and its newer per-call fields (p95, max). */
import { describe, expect, it } from 'vitest';
import { createAggregator } from '../../../src/metrics/aggregator.ts';
import { createRecorder } from '../../../src/metrics/recorder.ts';

describe('the per-second series so far', () => {
  const startedAtMs = Date.UTC(2026, 0, 1);

  function feed(seconds: number) {
    const agg = createAggregator({ startedAtMs });
    const r = createRecorder({ wasm: false, startMs: startedAtMs });
    for (let s = 0; s < seconds; s++) {
      for (let i = 1; i <= 100; i++) r.recordCall('check', i * 1000 * (s + 1)); // 1..100 ms × (s+1)
      agg.add(r.snapshot(startedAtMs + (s + 1) * 1000), 'w0');
    }
    r.close();
    return agg;
  }

  it('gives open seconds their percentiles now (not 0 until the second closes)', () => {
    const agg = feed(3); // every second is still open (OPEN_SECONDS = 5)
    const series = agg.peek().series!();
    expect(series).toHaveLength(3);
    for (const [t, p] of series.entries()) {
      const c = p.calls.check!;
      expect(c.count).toBe(100);
      expect(c.p50).toBeCloseTo(50_000 * (t + 1), -3);
      expect(c.p95).toBeCloseTo(95_000 * (t + 1), -3);
      expect(c.max).toBeCloseTo(100_000 * (t + 1), -3);
    }
  });

  it('is a copy: reading it leaves the series the summary is built from unchanged', () => {
    const agg = feed(2);
    const live = agg.peek().series!();
    live[0]!.calls.check!.p50 = -1;
    expect(agg.peek().series!()[0]!.calls.check!.p50).toBeGreaterThan(0);
  });

  it('keeps p95 and max in the finished summary', () => {
    const agg = feed(8);
    const s = agg.finish({
      tool: { name: 'ota-fleet', version: '0' },
      scenario: { name: 'x', file: 'x.yaml', source: '' },
      run: {
        seed: 1,
        target: { url: 'embedded', embedded: true, dialect: 'studio' },
        workers: 1,
        devices: 1,
        startedAtMs,
        endedAtMs: startedAtMs + 8000,
      },
    } as Parameters<typeof agg.finish>[0]);
    const c = s.timeseries[7]!.calls.check!;
    expect(c.p95).toBeCloseTo(95_000 * 8, -4);
    expect(c.max).toBeCloseTo(800_000, -4);
  });
});
