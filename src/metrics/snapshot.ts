/**
 * The snapshot a worker posts once a second, and the pure functions that decode, merge and
 * summarise what it carries. Percentiles are only ever read from merged histograms.
 */
import { type ErrorSample, mergeErrorSamples } from './error-samples.ts';
import { createAccumulator, decodeHistogram, encodeHistogram, type Histogram } from './hdr.ts';

export { decodeHistogram } from './hdr.ts';

/**
 * What one worker recorded in [startMs, endMs) (epoch ms): counters and histograms are interval
 * values (reset after each snapshot), gauges are the current values. Plain and structured-cloneable.
 */
export interface MetricsSnapshot {
  startMs: number;
  endMs: number;
  /** Series key (`name{k=v}`) → count in the interval. */
  counters: Record<string, number>;
  /** Gauge name → current value in this worker. */
  gauges: Record<string, number>;
  /** Series key → compressed base64 HDR histogram (µs) of the interval; empty histograms are left out. */
  histograms: Record<string, string>;
  /** Failed requests newly sampled in the interval (the worker's first few per error code); often absent. */
  errorSamples?: ErrorSample[];
}

/** Latency statistics of a histogram, all in microseconds (count is a number of values). */
export interface LatencyStats {
  count: number;
  min: number;
  max: number;
  mean: number;
  stddev: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p99_9: number;
}

/** An empty snapshot for [startMs, endMs). */
export function emptySnapshot(startMs: number, endMs: number): MetricsSnapshot {
  return { startMs, endMs, counters: {}, gauges: {}, histograms: {} };
}

/** Statistics of an empty histogram: every field 0. */
export function emptyLatencyStats(): LatencyStats {
  return { count: 0, min: 0, max: 0, mean: 0, stddev: 0, p50: 0, p90: 0, p95: 0, p99: 0, p99_9: 0 };
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/** Summarises a (merged) histogram in µs; an empty histogram gives all zeros. */
export function summarizeHistogram(h: Histogram): LatencyStats {
  const count = h.totalCount;
  if (count === 0) return emptyLatencyStats();
  return {
    count,
    min: h.minNonZeroValue,
    max: h.maxValue,
    mean: round1(h.mean),
    stddev: round1(h.stdDeviation),
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p95: h.getValueAtPercentile(95),
    p99: h.getValueAtPercentile(99),
    p99_9: h.getValueAtPercentile(99.9),
  };
}

/** Merges encoded histograms into one fresh accumulator (the only safe way to merge decoded ones). */
export function mergeEncodedHistograms(encoded: readonly string[]): Histogram {
  const acc = createAccumulator();
  for (const e of encoded) acc.add(decodeHistogram(e));
  return acc;
}

function addInto(target: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) target[k] = (target[k] ?? 0) + v;
}

/**
 * Adds snapshot `from` into `into` (mutated and returned): for snapshots of different workers over
 * the same interval. Counters and gauges are summed, histograms merged, the interval widened.
 */
export function mergeSnapshots(into: MetricsSnapshot, from: MetricsSnapshot): MetricsSnapshot {
  into.startMs = Math.min(into.startMs, from.startMs);
  into.endMs = Math.max(into.endMs, from.endMs);
  addInto(into.counters, from.counters);
  addInto(into.gauges, from.gauges);
  for (const [key, encoded] of Object.entries(from.histograms)) {
    const mine = into.histograms[key];
    into.histograms[key] =
      mine === undefined ? encoded : encodeHistogram(mergeEncodedHistograms([mine, encoded]));
  }
  if (from.errorSamples !== undefined)
    into.errorSamples = mergeErrorSamples(into.errorSamples, from.errorSamples);
  return into;
}
