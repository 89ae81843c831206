/**
 * What thresholds read: counters and histograms by series key, the run's duration, and the rollout
 * and time series when known. Built from a finished summary (histograms decoded on first use) or
 * from the aggregator's metrics so far (abortOnFail, mid-run). Also the series selection by tags.
 */
import type { MetricsSoFar } from '../metrics/aggregator.ts';
import { createAccumulator, decodeHistogram, type Histogram } from '../metrics/hdr.ts';
import { parseSeries, type Series } from '../metrics/keys.ts';
import type { RolloutSummary, RunSummary } from '../metrics/run-summary.ts';
import { hasTags, type MetricSelector, selects } from '../metrics/threshold-selector.ts';
import type { TimePoint } from '../metrics/timeseries.ts';

/** Metrics of a run (finished or so far) as thresholds read them. */
export interface MetricData {
  /** Run time covered, ms (the denominator of per-second rates). */
  durationMs: number;
  counters: Readonly<Record<string, number>>;
  histogramKeys: readonly string[];
  /** The cumulative histogram (µs) of a series key; read only. */
  histogram(key: string): Histogram | undefined;
  /** The counters with their keys parsed once into name and tags (built on first use). */
  counterSeries(): readonly Series<number>[];
  /** The histogram keys parsed once into name and tags (built on first use). */
  histogramSeries(): readonly Series<string>[];
  rollout?: RolloutSummary;
  timeseries?: readonly TimePoint[];
}

/** Parses keys once per MetricData, on first use. */
function parsedOnce<T>(record: () => Readonly<Record<string, T>>): () => readonly Series<T>[] {
  let parsed: Series<T>[] | undefined;
  return () => {
    parsed ??= parseSeries(record());
    return parsed;
  };
}

/** Reads a finished summary; each histogram is decoded once, when a threshold first needs it. */
export function metricDataFromSummary(summary: RunSummary): MetricData {
  const cache = new Map<string, Histogram>();
  const data: MetricData = {
    durationMs: summary.run.durationMs,
    counters: summary.counters,
    counterSeries: parsedOnce(() => summary.counters),
    histogramSeries: parsedOnce(() => summary.histograms),
    histogramKeys: Object.keys(summary.histograms),
    histogram(key) {
      let h = cache.get(key);
      const encoded = summary.histograms[key];
      if (h === undefined && encoded !== undefined) {
        h = decodeHistogram(encoded);
        cache.set(key, h);
      }
      return h;
    },
    timeseries: summary.timeseries,
  };
  if (summary.rollout !== undefined) data.rollout = summary.rollout;
  return data;
}

/** Reads the aggregator's metrics so far at `nowMs` (epoch ms); no rollout or series mid-run. */
export function metricDataSoFar(soFar: MetricsSoFar, nowMs: number): MetricData {
  const keys = [...soFar.histograms.keys()];
  return {
    durationMs: Math.max(0, nowMs - soFar.startedAtMs),
    counters: soFar.counters,
    counterSeries: parsedOnce(() => soFar.counters),
    histogramSeries: parsedOnce(() => Object.fromEntries(keys.map((k) => [k, k]))),
    histogramKeys: keys,
    histogram: (key) => soFar.histograms.get(key),
  };
}

/** Sum of the counters a selector selects (0 when none); an untagged selector sums every series. */
export function sumCounters(data: MetricData, selector: MetricSelector): number {
  let sum = 0;
  for (const { name, tags, value } of data.counterSeries()) if (selects(selector, name, tags)) sum += value;
  return sum;
}

/**
 * The histogram a selector selects: the untagged total for no tags, else every tagged series whose
 * tags include the selector's, merged into a fresh accumulator. Undefined when nothing was recorded.
 */
export function selectHistogram(data: MetricData, selector: MetricSelector): Histogram | undefined {
  if (!hasTags(selector)) return data.histogram(selector.name);
  const keys = data
    .histogramSeries()
    .filter(({ key, name, tags }) => key !== name && selects(selector, name, tags))
    .map((s) => s.key);
  if (keys.length === 1) return data.histogram(keys[0]!);
  if (keys.length === 0) return undefined;
  const acc = createAccumulator();
  for (const key of keys) {
    const h = data.histogram(key);
    if (h !== undefined) acc.add(h);
  }
  return acc;
}
