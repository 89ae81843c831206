/**
 * Threshold evaluation: measures each threshold on a run's metrics and judges `observed op bound`.
 * A threshold over a metric with no samples fails (a gate must not pass on a run that never made the
 * call); a time-to fraction never reached counts as infinitely late. Pure.
 */

import { timeToFraction } from '../metrics/rollout.ts';
import type { RunSummary, ThresholdResult, ValueUnit } from '../metrics/run-summary.ts';
import { holds } from '../metrics/threshold-expression.ts';
import type { Measure, Threshold } from '../metrics/threshold-spec.ts';
import { type MetricData, metricDataFromSummary, selectHistogram, sumCounters } from './metric-data.ts';

/** A measured value in the threshold's unit; null with `detail` when there is none. */
export interface Observation {
  value: number | null;
  detail?: 'no data' | 'never reached';
}

const NO_DATA: Observation = { value: null, detail: 'no data' };

function observeHistogram(t: Threshold, m: Extract<Measure, { from: 'histogram' }>, data: MetricData) {
  const h = selectHistogram(data, t.selector);
  if (h === undefined || h.totalCount === 0) return NO_DATA;
  switch (m.stat) {
    case 'percentile':
      return { value: h.getValueAtPercentile(m.p) / 1000 };
    case 'avg':
      return { value: h.mean / 1000 };
    case 'min':
      return { value: h.minNonZeroValue / 1000 };
    case 'max':
      return { value: h.maxValue / 1000 };
    case 'count':
      return { value: h.totalCount };
  }
}

function observeRatio(t: Threshold, of: 'success' | 'error', data: MetricData): Observation {
  const requests = sumCounters(data, { name: 'ota_requests', tags: t.selector.tags });
  if (requests === 0) return NO_DATA;
  const failed = sumCounters(data, { name: 'ota_requests_failed', tags: t.selector.tags });
  return { value: of === 'error' ? failed / requests : 1 - failed / requests };
}

function observeRollout(m: Extract<Measure, { from: 'rollout' }>, data: MetricData): Observation {
  const r = data.rollout;
  if (r === undefined || r.targeted <= 0) return NO_DATA;
  if (m.stat === 'time_to') {
    const ms = timeToFraction(r.convergence, r.targeted, m.fraction);
    return ms === null ? { value: null, detail: 'never reached' } : { value: ms };
  }
  if (m.atMs === undefined) return { value: r[m.outcome] / r.targeted };
  const atSec = m.atMs / 1000;
  let reached = 0;
  for (const p of r.convergence) if (p.t <= atSec) reached = p[m.outcome];
  return { value: reached / r.targeted };
}

function observeGauge(stat: 'max' | 'min' | 'avg' | 'value', data: MetricData): Observation {
  const values = (data.timeseries ?? []).map((p) => p.active);
  if (values.length === 0) return NO_DATA;
  if (stat === 'max') return { value: Math.max(...values) };
  if (stat === 'min') return { value: Math.min(...values) };
  if (stat === 'avg') return { value: values.reduce((a, b) => a + b, 0) / values.length };
  return { value: values[values.length - 1]! };
}

/** Measures one threshold's value on `data`. */
export function observe(t: Threshold, data: MetricData): Observation {
  const m = t.measure;
  switch (m.from) {
    case 'histogram':
      return observeHistogram(t, m, data);
    case 'counter': {
      const count = sumCounters(data, t.selector);
      if (m.stat === 'count') return { value: count };
      return data.durationMs > 0 ? { value: count / (data.durationMs / 1000) } : NO_DATA;
    }
    case 'ratio':
      return observeRatio(t, m.of, data);
    case 'rollout':
      return observeRollout(m, data);
    case 'gauge':
      return observeGauge(m.stat, data);
  }
}

/** True when the observation passes: no data fails, never reached is +∞. */
export function passes(t: Threshold, obs: Observation): boolean {
  if (obs.value !== null) return holds(obs.value, t.op, t.bound);
  return obs.detail === 'never reached' ? holds(Number.POSITIVE_INFINITY, t.op, t.bound) : false;
}

const DECIMALS: Readonly<Record<ValueUnit, number>> = { ms: 3, ratio: 6, count: 3, per_second: 3 };

function tidy(value: number, unit: ValueUnit): number {
  const f = 10 ** DECIMALS[unit];
  return Math.round(value * f) / f;
}

/** One threshold's result as summary.json stores it. */
export function thresholdResult(t: Threshold, obs: Observation): ThresholdResult {
  const r: ThresholdResult = {
    metric: t.metric,
    expression: t.expression,
    observed: obs.value === null ? null : tidy(obs.value, t.unit),
    unit: t.unit,
    ok: passes(t, obs),
  };
  if (obs.detail !== undefined) r.detail = obs.detail;
  return r;
}

/** Evaluates every threshold on a finished run's summary, in the order given. */
export function evaluateThresholds(thresholds: readonly Threshold[], summary: RunSummary): ThresholdResult[] {
  const data = metricDataFromSummary(summary);
  return thresholds.map((t) => thresholdResult(t, observe(t, data)));
}
