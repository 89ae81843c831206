/**
 * Per-call latency statistics of one run snapshot, computed once per snapshot and shared by every
 * output that reads them (Prometheus and NDJSON both do, once a second). Main thread.
 *
 * hdr-histogram-js computes `mean` and `stdDeviation` with an allocating iterator (~3 ms each on a run's
 * cumulative histogram here: 60 ms a second over six calls); on its JS histograms (what the aggregator
 * accumulates into) this walks the counts array directly, with the same bucket midpoints HDR uses, so
 * the figures are `summarizeHistogram`'s.
 */
import type { RunSnapshot } from '../engine/observer.ts';
import type { Histogram } from '../metrics/hdr.ts';
import { callDurationMetric, METRIC_CALLS } from '../metrics/registry.ts';
import { type LatencyStats, summarizeHistogram } from '../metrics/snapshot.ts';

const cache = new WeakMap<RunSnapshot, Map<string, LatencyStats>>();

/** The JsHistogram methods the direct walk uses (present on hdr-histogram-js's JS histograms). */
interface CountsArray {
  countsArrayIndex(value: number): number;
  getCountAtIndex(index: number): number;
  valueFromIndex(index: number): number;
  medianEquivalentValue(value: number): number;
}

function isCountsArray(h: unknown): h is CountsArray {
  const x = h as Partial<CountsArray>;
  return (
    typeof x.countsArrayIndex === 'function' &&
    typeof x.getCountAtIndex === 'function' &&
    typeof x.valueFromIndex === 'function' &&
    typeof x.medianEquivalentValue === 'function'
  );
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/** `summarizeHistogram(h)`, with mean and standard deviation from one walk over the counts. */
export function summarizeFast(h: Histogram): LatencyStats {
  const count = h.totalCount;
  if (count === 0 || !isCountsArray(h)) return summarizeHistogram(h);
  const last = h.countsArrayIndex(h.maxValue);
  // one walk: Σ n·v and Σ n·v² with HDR's bucket midpoints
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i <= last; i++) {
    const n = h.getCountAtIndex(i);
    if (n === 0) continue;
    const v = h.medianEquivalentValue(h.valueFromIndex(i));
    sum += n * v;
    sumSq += n * v * v;
  }
  const mean = sum / count;
  const variance = Math.max(0, sumSq / count - mean * mean);
  return {
    count,
    min: h.minNonZeroValue,
    max: h.maxValue,
    mean: round1(mean),
    stddev: round1(Math.sqrt(variance)),
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p95: h.getValueAtPercentile(95),
    p99: h.getValueAtPercentile(99),
    p99_9: h.getValueAtPercentile(99.9),
  };
}

/** Per call with data, the statistics (µs) of its cumulative latency histogram so far. */
export function callLatencyOf(s: RunSnapshot): Map<string, LatencyStats> {
  let out = cache.get(s);
  if (out !== undefined) return out;
  out = new Map();
  for (const call of METRIC_CALLS) {
    const h = s.soFar.histograms.get(callDurationMetric(call));
    if (h !== undefined && h.totalCount > 0) out.set(call, summarizeFast(h));
  }
  cache.set(s, out);
  return out;
}
