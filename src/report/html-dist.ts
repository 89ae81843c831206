/**
 * The latency distribution of each call, read from its HDR histogram for the charts: the percentile
 * spectrum (as HdrHistogram's plotter draws it: value against 1/(1-p) on a log axis) and a histogram
 * of counts over log-spaced buckets. Computed in Node (the page never decodes histograms), compact
 * enough to inline: a few dozen points per call.
 */
import { decodeHistogram, type Histogram } from '../metrics/hdr.ts';
import { callDurationMetric } from '../metrics/registry.ts';
import type { OtaCall } from '../ota/routes.ts';
import { activeCalls } from './calls.ts';
import type { RunSummary } from './summary.ts';

/** One call's distribution: `spectrum` [percentile, ms] rising; `buckets` [low ms, high ms, count]. */
export interface CallDistribution {
  count: number;
  spectrum: [number, number][];
  buckets: [number, number, number][];
}

/** Distributions by call. */
export type Distributions = Partial<Record<OtaCall, CallDistribution>>;

/** Percentiles of the spectrum: 0 ... 99.9999, ten ticks per decade of 1/(1-p), up to the count. */
function spectrumPercentiles(count: number): number[] {
  const out: number[] = [];
  // 1/(1-p) from 1 to at most `count` (beyond it every value is the max)
  const decades = Math.min(6, Math.log10(Math.max(count, 10)));
  for (let i = 0; i <= decades * 10; i++) out.push(100 * (1 - 10 ** (-i / 10)));
  out.push(100);
  return out;
}

const BUCKETS = 40;
const ms = (micros: number) => Math.round(micros) / 1000;

/** The distribution of one histogram (µs values), or undefined when it is empty. */
export function distributionOf(h: Histogram): CallDistribution | undefined {
  const count = h.totalCount;
  if (count === 0) return undefined;
  const spectrum: [number, number][] = spectrumPercentiles(count).map((p) => [
    Math.round(p * 10_000) / 10_000,
    ms(p >= 100 ? h.maxValue : h.getValueAtPercentile(p)),
  ]);
  // counts over log-spaced buckets from min to max, read from the quantile function (HDR's own
  // iteration is not exposed uniformly by its WASM and JS flavours): the share of values <= edge
  const lo = Math.max(1, h.minNonZeroValue);
  const hi = Math.max(lo + 1, h.maxValue);
  const edges: number[] = [];
  for (let i = 0; i <= BUCKETS; i++) edges.push(lo * (hi / lo) ** (i / BUCKETS));
  const below = (v: number) => {
    if (v >= hi) return count;
    let a = 0;
    let b = 100;
    for (let k = 0; k < 24; k++) {
      const m = (a + b) / 2;
      if (h.getValueAtPercentile(m) <= v) a = m;
      else b = m;
    }
    return Math.round((a / 100) * count);
  };
  const buckets: [number, number, number][] = [];
  let prev = 0;
  for (let i = 1; i <= BUCKETS; i++) {
    const c = i === BUCKETS ? count : below(edges[i]!);
    buckets.push([ms(edges[i - 1]!), ms(edges[i]!), Math.max(0, c - prev)]);
    prev = Math.max(prev, c);
  }
  return { count, spectrum, buckets };
}

/** Distributions of `calls`, each read from `histogram(metric name)` (its untagged total). */
export function distributionsFrom(
  calls: readonly OtaCall[],
  histogram: (metric: string) => Histogram | undefined,
): Distributions {
  const out: Distributions = {};
  for (const call of calls) {
    const h = histogram(callDurationMetric(call));
    const d = h === undefined ? undefined : distributionOf(h);
    if (d !== undefined) out[call] = d;
  }
  return out;
}

/** Distributions of a finished run, from the summary's cumulative histograms. */
export function summaryDistributions(summary: RunSummary): Distributions {
  const calls = activeCalls(summary)
    .filter(([, s]) => s.count > 0)
    .map(([c]) => c);
  return distributionsFrom(calls, (metric) => {
    const encoded = (summary.histograms ?? {})[metric]; // older summaries may lack them
    return encoded === undefined ? undefined : decodeHistogram(encoded);
  });
}
