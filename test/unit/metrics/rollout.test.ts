import { describe, expect, it } from 'vitest';
import { createAggregator } from '../../../src/metrics/aggregator.ts';
import { convergenceOf, deriveRollout, timeToFraction } from '../../../src/metrics/rollout.ts';
import type { TimePoint } from '../../../src/metrics/timeseries.ts';

function series(upgradedPerSecond: number[]): TimePoint[] {
  return upgradedPerSecond.map((upgraded, t) => ({
    t,
    requests: 0,
    errors: 0,
    bytes: 0,
    upgraded,
    failed: t === 1 ? 2 : 0,
    cancelled: 0,
    active: 0,
    errorsByCode: {},
    calls: {},
  }));
}

describe('rollout derivation', () => {
  it('builds the cumulative convergence curve from per-second outcomes', () => {
    expect(convergenceOf(series([0, 50, 50]))).toEqual([
      { t: 0, upgraded: 0, failed: 0, cancelled: 0 },
      { t: 1, upgraded: 0, failed: 0, cancelled: 0 },
      { t: 2, upgraded: 50, failed: 2, cancelled: 0 },
      { t: 3, upgraded: 100, failed: 2, cancelled: 0 },
    ]);
  });

  it('interpolates time to p50/p90/p99 of targeted devices inside the second it is reached', () => {
    const conv = convergenceOf(series([0, 50, 50, 50, 50]));
    expect(timeToFraction(conv, 200, 0.5)).toBe(3000);
    expect(timeToFraction(conv, 200, 0.9)).toBe(4600);
    expect(timeToFraction(conv, 200, 0.99)).toBe(4960);
    expect(timeToFraction(conv, 250, 0.9)).toBeNull();
    expect(timeToFraction(conv, 0, 0.5)).toBeNull();
  });

  it('groups outcomes by start version, profile and failing step', () => {
    const counters = {
      'devices_upgraded{from=1.0,profile=a}': 5,
      'devices_upgraded{from=1.1,profile=b}': 3,
      'devices_failed{from=1.0,profile=b,step=-13}': 2,
      'devices_cancelled{from=1.1,profile=a}': 1,
      devices_booted: 100,
    };
    const r = deriveRollout(counters, series([8]), { targeted: 20 });
    expect(r).toMatchObject({
      targeted: 20,
      upgraded: 8,
      failed: 2,
      cancelled: 1,
      pending: 9,
      upgradedFraction: 0.4,
    });
    expect(r.byStartVersion).toEqual({
      '1.0': { upgraded: 5, failed: 2, cancelled: 0 },
      '1.1': { upgraded: 3, failed: 0, cancelled: 1 },
    });
    expect(r.byProfile['b']).toEqual({ upgraded: 3, failed: 2, cancelled: 0 });
    expect(r.failedBySteps).toEqual({ '-13': 2 });
    expect(r.timeTo).toEqual({ p50: null, p90: null, p99: null });
  });

  it('derives the rollout in finish from counters, the series and the targeted count', () => {
    const T0 = 1_000_000;
    const agg = createAggregator({ startedAtMs: T0 });
    for (let s = 0; s < 4; s++) {
      agg.add(
        {
          startMs: T0 + s * 1000,
          endMs: T0 + (s + 1) * 1000,
          counters: { 'devices_upgraded{from=1,profile=p}': 25 },
          gauges: {},
          histograms: {},
        },
        'w1',
      );
    }
    const base = {
      scenario: { name: 's', file: 'f', source: '' },
      run: {
        seed: 1,
        target: { url: 'u', embedded: true, dialect: 'studio' as const },
        workers: 1,
        devices: 100,
      },
    };
    const s = agg.finish({ ...base, rollout: { targeted: 100, batches: [] } });
    expect(s.rollout).toMatchObject({
      upgraded: 100,
      pending: 0,
      upgradedFraction: 1,
      timeTo: { p50: 2000, p90: 3600, p99: 3960 },
    });
    expect(s.rollout!.convergence.at(-1)).toEqual({ t: 4, upgraded: 100, failed: 0, cancelled: 0 });
  });

  it('falls back to devices that saw a task when no targeted count is given', () => {
    const agg = createAggregator({ startedAtMs: 0 });
    agg.add({ startMs: 0, endMs: 1000, counters: { devices_with_task: 4 }, gauges: {}, histograms: {} }, 'w');
    const s = agg.finish({
      scenario: { name: 's', file: 'f', source: '' },
      run: { seed: 1, target: { url: 'u', embedded: false, dialect: 'fuse' }, workers: 1, devices: 4 },
    });
    expect(s.rollout?.targeted).toBe(4);
    expect(s.notes.join(' ')).toMatch(/targeted/);
  });
});
