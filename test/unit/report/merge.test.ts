import { describe, expect, it } from 'vitest';
import { createAggregator } from '../../../src/metrics/aggregator.ts';
import { createRecorder, type Recorder } from '../../../src/metrics/recorder.ts';
import type { RunMeta } from '../../../src/metrics/run-summary.ts';
import { decodeHistogram } from '../../../src/metrics/snapshot.ts';
import type { CallPoint } from '../../../src/metrics/timeseries.ts';
import { mergeSummaries, mixQuantile } from '../../../src/report/merge.ts';
import { parseSummary, type RunSummary } from '../../../src/report/summary.ts';
import { mulberry32 } from '../../../src/rng.ts';
import { createExampleSummary } from '../../helpers/example-summary.ts';

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);
const SECONDS = 6;
const DEVICES = 40;

/** What device `d` records in second `s`: fixed values, so any split of devices records the same set. */
function deviceTraffic(r: Recorder, d: number, s: number): void {
  const rnd = mulberry32(d * 1000 + s);
  // the two halves of the fleet have different latency: a wrong merge would show in the percentiles
  const slow = d > DEVICES / 2 ? 20 : 1;
  for (let i = 0; i < 5; i++) {
    const micros = Math.round(slow * (500 + 20_000 * rnd() ** 4));
    if ((d + s + i) % 23 === 0) r.recordCall('check', micros, 'ERR_HTTP_STATUS', { status: 503 });
    else r.recordCall('check', micros);
  }
  if (s === 1) r.recordCall('report-version', 1000 + d * 37);
  if (s === d % SECONDS) {
    r.recordCall('download', 40_000 + d * 1013);
    r.count('ota_download_bytes', 65_536);
    r.count('devices_upgraded', 1, { from: 'V1.0', profile: d % 3 === 0 ? 'flaky' : 'steady' });
    r.recordDuration('device_upgrade_duration', 900_000 + d * 7919);
  }
  if (s === 0) r.count('devices_booted', 1);
}

/** A summary of devices [first, last] run by two worker recorders through the real aggregator. */
function runOf(
  first: number,
  last: number,
  shard: { index: number; count: number },
  opts: { startMs?: number; id?: string } = {},
): RunSummary {
  const start = opts.startMs ?? T0;
  const agg = createAggregator({ startedAtMs: start });
  const workers = [0, 1].map((w) => createRecorder({ wasm: false, startMs: start + w * 100 }));
  for (let s = 0; s < SECONDS; s++) {
    for (let d = first; d <= last; d++) deviceTraffic(workers[d % 2]!, d, s);
    workers.forEach((r, w) => {
      let active = 0;
      for (let d = first; d <= last; d++) if (d % 2 === w && d % SECONDS > s) active++;
      r.gauge('devices_active', active);
      agg.add(r.snapshot(start + (s + 1) * 1000 + w * 100), `w${w}`);
    });
  }
  for (const r of workers) r.close();
  const meta: RunMeta = {
    tool: { name: 'ota-fleet', version: 'test' },
    scenario: { name: 'merge', file: 'merge.yaml', source: 'name: merge\n' },
    run: {
      id: opts.id ?? `run-${shard.index}-of-${shard.count}`,
      seed: 3,
      target: { url: 'http://127.0.0.1:9', embedded: false, dialect: 'studio' },
      shard,
      workers: 2,
      devices: last - first + 1,
      startedAtMs: start,
      endedAtMs: start + SECONDS * 1000,
      endReason: 'duration',
    },
  };
  return agg.finish(meta);
}

/** A decoded histogram's count, extremes, mean and values at many percentiles. */
function distribution(encoded: string): number[] {
  const h = decodeHistogram(encoded);
  const qs = [0.1, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100];
  return [h.totalCount, h.minNonZeroValue, h.maxValue, h.mean, ...qs.map((q) => h.getValueAtPercentile(q))];
}

describe('mergeSummaries: exact merge of counters and histograms', () => {
  const whole = runOf(1, DEVICES, { index: 1, count: 1 });
  const halves = [runOf(1, 20, { index: 1, count: 2 }), runOf(21, DEVICES, { index: 2, count: 2 })];
  const merged = mergeSummaries(halves);

  it('gives the counts and latency statistics of one run that recorded every value', () => {
    expect(halves[0]!.calls.check!.latency.p99).not.toBe(whole.calls.check!.latency.p99);
    expect(merged.counters).toEqual(whole.counters);
    expect(Object.keys(merged.histograms)).toEqual(Object.keys(whole.histograms));
    for (const [key, encoded] of Object.entries(merged.histograms))
      expect(distribution(encoded), key).toEqual(distribution(whole.histograms[key]!));
    expect(merged.calls).toEqual(whole.calls);
    expect(merged.durations).toEqual(whole.durations);
    expect(merged.errors).toEqual(whole.errors);
    expect(merged.totals).toEqual(whole.totals);
    expect(merged.rollout).toEqual(whole.rollout);
    expect(merged.run).toMatchObject({
      devices: DEVICES,
      workers: 4,
      shard: { index: 1, count: 1 },
      durationMs: SECONDS * 1000,
      startedAt: whole.run.startedAt,
      partial: false,
    });
  });

  it('adds the time series point-wise; per-second percentiles are approximations, noted', () => {
    const strip = (s: RunSummary) =>
      s.timeseries.map(({ calls, ...rest }) => ({
        ...rest,
        calls: Object.fromEntries(Object.entries(calls).map(([c, p]) => [c, [p.count, p.errors]])),
      }));
    expect(strip(merged)).toEqual(strip(whole));
    for (const [t, point] of merged.timeseries.entries()) {
      const exact = whole.timeseries[t]!.calls.check!;
      const approx = point.calls.check!;
      expect(approx.p50).toBeGreaterThan(exact.p50 * 0.5);
      expect(approx.p50).toBeLessThan(exact.p50 * 2);
      expect(approx.p99).toBeGreaterThan(exact.p99 * 0.5);
      expect(approx.p99).toBeLessThan(exact.p99 * 2);
    }
    expect(merged.notes.some((n) => n.includes('approximated'))).toBe(true);
    expect(merged.notes).toContain('Merged from 2 runs (shard 1/2, shard 2/2).');
  });

  it('is a valid summary that merges again with the same result', () => {
    const json = JSON.parse(JSON.stringify(merged)) as unknown;
    expect(parseSummary(json).calls).toEqual(merged.calls);
    const again = mergeSummaries([merged]);
    expect(again.calls).toEqual(merged.calls);
    expect(again.timeseries).toEqual(merged.timeseries);
  });
});

describe('mergeSummaries: time and rates', () => {
  it('aligns each run on its start and computes rates over the union of the time spans', () => {
    const a = runOf(1, 20, { index: 1, count: 2 });
    const b = runOf(21, DEVICES, { index: 2, count: 2 }, { startMs: T0 + 2000 });
    const m = mergeSummaries([a, b]);
    expect(m.run.durationMs).toBe((SECONDS + 2) * 1000);
    expect(m.timeseries).toHaveLength(SECONDS + 2);
    expect(m.timeseries[0]!.requests).toBe(a.timeseries[0]!.requests);
    expect(m.timeseries[3]!.requests).toBe(a.timeseries[3]!.requests + b.timeseries[1]!.requests);
    expect(m.timeseries[7]!.requests).toBe(b.timeseries[5]!.requests);
    expect(m.totals.rps).toBeCloseTo(m.totals.requests / (SECONDS + 2), 9);
  });
});

describe('mergeSummaries: refusals', () => {
  const a = runOf(1, 20, { index: 1, count: 2 });
  const b = runOf(21, DEVICES, { index: 2, count: 2 });

  it('refuses summaries of different scenarios with ERR_USAGE naming both, unless forced', () => {
    const other = { ...b, scenario: { ...b.scenario, name: 'other', sha256: 'f'.repeat(64) } };
    expect(() => mergeSummaries([a, other])).toThrow(
      expect.objectContaining({
        code: 'ERR_USAGE',
        message: expect.stringMatching(/scenarios.*other f{64}/),
      }),
    );
    const forced = mergeSummaries([a, other], { force: true });
    expect(forced.totals.requests).toBe(a.totals.requests + b.totals.requests);
    expect(forced.notes.some((n) => n.startsWith('Merged with --force although scenarios'))).toBe(true);
  });

  it('refuses other schema versions, other seeds, a shard given twice and the same run twice', () => {
    const v2 = { ...b, schemaVersion: 2 } as unknown as RunSummary;
    expect(() => mergeSummaries([a, v2])).toThrow(/schema versions differ/);
    expect(() => mergeSummaries([a, { ...b, run: { ...b.run, seed: 4 } }])).toThrow(/seeds differ/);
    const twice = { ...a, run: { ...a.run, id: 'another' } };
    expect(() => mergeSummaries([a, twice])).toThrow(/both ran shard 1\/2/);
    expect(() => mergeSummaries([a, a])).toThrow(/given more than once/);
    expect(() => mergeSummaries([])).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
  });

  it('notes the shards that are missing and marks a merge with a partial input partial', () => {
    const c = runOf(1, 13, { index: 1, count: 3 });
    const partial = runOf(27, DEVICES, { index: 3, count: 3 });
    partial.run.partial = true;
    partial.run.partialReason = 'interrupted';
    const m = mergeSummaries([c, partial]);
    expect(m.run.shard).toBeUndefined();
    expect(m.notes).toContain('Covers shards 1, 3 of 3: the devices of shard 2 did not run.');
    expect(m.run).toMatchObject({ partial: true, partialReason: 'interrupted' });
  });
});

describe('mergeSummaries: rollout targeted', () => {
  const withRollout = (s: RunSummary, targeted: number, embedded: boolean, url: string): RunSummary => ({
    ...s,
    run: { ...s.run, target: { ...s.run.target, embedded, url } },
    rollout: {
      ...s.rollout!,
      targeted,
      batches: [{ name: 'b', id: '1', status: 'running', targeted, counts: {} }],
    },
  });
  const a = runOf(1, 20, { index: 1, count: 2 });
  const b = runOf(21, DEVICES, { index: 2, count: 2 });

  it('counts one shared server once', () => {
    const m = mergeSummaries([
      withRollout(a, 40, false, 'http://ota:1'),
      withRollout(b, 40, false, 'http://ota:1'),
    ]);
    expect(m.rollout!.targeted).toBe(40);
    expect(m.rollout!.batches).toHaveLength(1);
    expect(m.rollout!.upgradedFraction).toBe(1);
  });

  it('counts servers seeded with the whole fleet once, and sums servers of their own slice', () => {
    const once = mergeSummaries([
      withRollout(a, 40, true, 'http://127.0.0.1:1'),
      withRollout(b, 40, true, 'http://127.0.0.1:2'),
    ]);
    expect(once.rollout!.targeted).toBe(40);
    expect(once.rollout!.batches.map((x) => x.name)).toEqual(['shard 1/2: b', 'shard 2/2: b']);
    const summed = mergeSummaries([
      withRollout(a, 19, true, 'http://127.0.0.1:1'),
      withRollout(b, 20, true, 'http://127.0.0.1:2'),
    ]);
    expect(summed.rollout!.targeted).toBe(39);
    expect(summed.rollout!.pending).toBe(0);
  });

  it('takes the caller’s rollout (runProcesses) and an explicit targeted over the inputs', () => {
    const batches = [{ name: 'all', id: '7', status: 'completed', targeted: 40, counts: { succeeded: 40 } }];
    const m = mergeSummaries([a, b], { rollout: { targeted: 40, batches } });
    expect(m.rollout).toMatchObject({ targeted: 40, upgraded: 40, pending: 0, batches });
    expect(mergeSummaries([a, b], { targeted: 50 }).rollout).toMatchObject({ targeted: 50, pending: 10 });
  });

  it('keeps the example run’s figures when merged with nothing else', () => {
    const example = createExampleSummary();
    const m = mergeSummaries([example]);
    expect(m.rollout).toEqual(example.rollout);
    expect(m.calls).toEqual(example.calls);
  });
});

describe('mixQuantile', () => {
  const cp = (count: number, p50: number, p90: number, p99: number): CallPoint => ({
    count,
    errors: 0,
    p50,
    p90,
    p99,
  });

  it('is exact for one input and for inputs with the same distribution', () => {
    expect(mixQuantile([cp(10, 100, 900, 990)], 0.9)).toBe(900);
    expect(mixQuantile([cp(0, 5, 5, 5), cp(10, 100, 900, 990)], 0.5)).toBe(100);
    const same = [cp(10, 100, 900, 990), cp(30, 100, 900, 990)];
    expect(mixQuantile(same, 0.5)).toBe(100);
    expect(mixQuantile(same, 0.99)).toBe(990);
  });

  it('puts the p99 of a fast and a slow input of equal counts in the slow one’s tail', () => {
    const mixed = [cp(100, 1000, 1500, 2000), cp(100, 100_000, 150_000, 200_000)];
    expect(mixQuantile(mixed, 0.5)).toBeGreaterThanOrEqual(1500);
    expect(mixQuantile(mixed, 0.5)).toBeLessThanOrEqual(100_000);
    expect(mixQuantile(mixed, 0.99)).toBeGreaterThan(150_000);
    expect(mixQuantile(mixed, 0.99)).toBeLessThan(200_000);
    expect(mixQuantile([], 0.5)).toBe(0);
  });
});

describe('mergeSummaries: run windows', () => {
  it('refuses shards that ran one after the other, and merges them with --force and a note', () => {
    const a = runOf(1, 20, { index: 1, count: 2 });
    const b = runOf(21, DEVICES, { index: 2, count: 2 }, { startMs: T0 + (SECONDS + 81) * 1000 });
    expect(() => mergeSummaries([a, b])).toThrow(
      /run windows do not overlap: shard 1\/2 ended at .*81\.0 s before shard 2\/2 started/,
    );
    const forced = mergeSummaries([a, b], { force: true });
    expect(
      forced.notes.some((n) => n.startsWith('Merged with --force although run windows do not overlap')),
    ).toBe(true);
    expect(forced.run.durationMs).toBe((2 * SECONDS + 81) * 1000);
  });

  it('merges shards whose windows overlap by a moment', () => {
    const a = runOf(1, 20, { index: 1, count: 2 });
    const b = runOf(21, DEVICES, { index: 2, count: 2 }, { startMs: T0 + SECONDS * 1000 - 1 });
    expect(mergeSummaries([a, b]).run.devices).toBe(DEVICES);
  });
});
