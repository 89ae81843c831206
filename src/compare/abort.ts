/**
 * abortOnFail (k6's abortOnFail with delayAbortEval): after the grace, about once a second, the
 * thresholds whose failure can only get worse (upper bounds on counts, latencies and error rates;
 * lower bounds on success rate and min) are judged on the metrics so far; the first that fails stops
 * the run as partial with reason `aborted-by-threshold`. Main thread; pure given its inputs.
 */
import type { LiveStats, MetricsSoFar } from '../metrics/aggregator.ts';
import type { ThresholdResult } from '../metrics/run-summary.ts';
import type { Threshold } from '../metrics/threshold-spec.ts';
import { formatThresholdObserved } from '../report/format.ts';
import { type Observation, observe, passes, thresholdResult } from './evaluate.ts';
import { metricDataSoFar } from './metric-data.ts';

/** The partial reason of a run stopped by a threshold. */
export const ABORTED_BY_THRESHOLD = 'aborted-by-threshold';

/** Which threshold stopped the run, what it observed and when (seconds after the start). */
export interface AbortCause {
  threshold: Threshold;
  observation: Observation;
  atSec: number;
}

/** The view of a run second the abort needs (structurally the engine's `RunSnapshot`). */
export interface AbortSnapshot {
  live: LiveStats;
  soFar: MetricsSoFar;
  abort(reason: string): void;
}

/** abortOnFail as a run observer (`onSnapshot` once a second), plus what it found. */
export interface ThresholdAbort {
  /** Judges the metrics so far; returns `aborted-by-threshold` once a threshold failed. */
  check(live: LiveStats, soFar: MetricsSoFar): string | undefined;
  /** The run observer's hook: stops the run through `snapshot.abort` once `check` fails. */
  onSnapshot(snapshot: AbortSnapshot): void;
  /** The threshold that stopped the run, once one did. */
  cause(): AbortCause | undefined;
}

/** Options of createThresholdAbort: the grace (ms from the start) and the evaluation interval. */
export interface ThresholdAbortOptions {
  graceMs: number;
  /** Least time between two evaluations, ms; default 1000. */
  intervalMs?: number;
}

/** Builds the abort check over the abortable thresholds of `thresholds`. */
export function createThresholdAbort(
  thresholds: readonly Threshold[],
  options: ThresholdAbortOptions,
): ThresholdAbort {
  const candidates = thresholds.filter((t) => t.abortable);
  const interval = options.intervalMs ?? 1000;
  let lastMs = Number.NEGATIVE_INFINITY;
  let found: AbortCause | undefined;
  const abort: ThresholdAbort = {
    cause: () => found,
    onSnapshot(snapshot) {
      const reason = abort.check(snapshot.live, snapshot.soFar);
      if (reason !== undefined) snapshot.abort(reason);
    },
    check(live, soFar) {
      if (found !== undefined) return ABORTED_BY_THRESHOLD;
      const elapsedMs = live.elapsedSec * 1000;
      if (candidates.length === 0 || elapsedMs < options.graceMs || elapsedMs - lastMs < interval)
        return undefined;
      lastMs = elapsedMs;
      const data = metricDataSoFar(soFar, soFar.startedAtMs + elapsedMs);
      for (const threshold of candidates) {
        const observation = observe(threshold, data);
        // judge only on data: a call not made yet is no reason to stop
        if (observation.value === null || passes(threshold, observation)) continue;
        found = { threshold, observation, atSec: live.elapsedSec };
        return ABORTED_BY_THRESHOLD;
      }
      return undefined;
    },
  };
  return abort;
}

/** The note a report carries about the abort, e.g. `aborted after 3.0s: errors count < 5 failed (observed 12)`. */
export function abortNote(cause: AbortCause): string {
  const r = thresholdResult(cause.threshold, cause.observation);
  const t = cause.threshold;
  return `abortOnFail: the run was stopped after ${cause.atSec.toFixed(1)}s because threshold ${t.metric}: ${t.expression} failed (observed ${formatThresholdObserved(r)})`;
}

/** Marks the threshold result that stopped the run (same metric and expression). */
export function markAborting(results: ThresholdResult[], cause: AbortCause): void {
  const hit = results.find(
    (r) => r.metric === cause.threshold.metric && r.expression === cause.threshold.expression,
  );
  if (hit !== undefined) hit.abortedRun = true;
}
