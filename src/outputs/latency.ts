/**
 * Per-call latency statistics of one run snapshot, computed once per snapshot and shared by every
 * output that reads them (Prometheus and NDJSON both do, once a second). Main thread.
 */
import type { RunSnapshot } from '../engine/observer.ts';
import { callDurationMetric, METRIC_CALLS } from '../metrics/registry.ts';
import { type LatencyStats, summarizeHistogram } from '../metrics/snapshot.ts';

const cache = new WeakMap<RunSnapshot, Map<string, LatencyStats>>();

/** Per call with data, the statistics (µs) of its cumulative latency histogram so far. */
export function callLatencyOf(s: RunSnapshot): Map<string, LatencyStats> {
  let out = cache.get(s);
  if (out !== undefined) return out;
  out = new Map();
  for (const call of METRIC_CALLS) {
    const h = s.soFar.histograms.get(callDurationMetric(call));
    if (h !== undefined && h.totalCount > 0) out.set(call, summarizeHistogram(h));
  }
  cache.set(s, out);
  return out;
}
