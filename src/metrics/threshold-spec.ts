/**
 * Threshold definitions: a metric selector and an expression, resolved against the metric registry
 * into what to measure, in which unit, and whether a failure mid-run can only get worse (so
 * abortOnFail may act on it). Pure; used by the scenario rule `threshold-expressions` (load time) and
 * by src/compare (evaluation after and during the run).
 */
import { COUNTER_NAMES, HISTOGRAM_NAMES, METRICS } from './registry.ts';
import type { ValueUnit } from './run-summary.ts';
import {
  type Aggregation,
  type ComparisonOp,
  type ExpressionError,
  type Parsed,
  parseExpression,
  type ThresholdExpression,
  UNIT_MS,
} from './threshold-expression.ts';
import { hasTags, type MetricSelector, parseSelector } from './threshold-selector.ts';

/** What to measure, resolved from the metric's kind and the aggregation. */
export type Measure =
  | { from: 'histogram'; stat: 'percentile'; p: number }
  | { from: 'histogram'; stat: 'avg' | 'min' | 'max' | 'count' }
  | { from: 'counter'; stat: 'count' | 'rate' }
  | { from: 'ratio'; of: 'success' | 'error' }
  | { from: 'rollout'; stat: 'fraction'; outcome: RolloutOutcome; atMs?: number }
  | { from: 'rollout'; stat: 'time_to'; fraction: number }
  | { from: 'gauge'; stat: 'max' | 'min' | 'avg' | 'value' };

/** A device outcome counted against the rollout's targeted devices. */
export type RolloutOutcome = 'upgraded' | 'failed' | 'cancelled';

/** One threshold, ready to evaluate: `observed op bound`, both in `unit`. */
export interface Threshold {
  /** The selector as written, e.g. `errors{code:ERR_TRANSPORT_RESET}`. */
  metric: string;
  expression: string;
  selector: MetricSelector;
  measure: Measure;
  op: ComparisonOp;
  bound: number;
  unit: ValueUnit;
  /** True when a failure on the data so far can only get worse (abortOnFail may stop the run). */
  abortable: boolean;
}

/** A problem of one threshold: `index` is the expression's position in its list (absent: the metric key). */
export interface ThresholdProblem {
  metric: string;
  index?: number;
  message: string;
}

/** Metrics that are not registry names but derived from counters: share of requests. */
export const RATIO_METRICS = { success_rate: 'success', error_rate: 'error' } as const;

const OUTCOMES: Readonly<Record<string, RolloutOutcome>> = {
  devices_upgraded: 'upgraded',
  devices_failed: 'failed',
  devices_cancelled: 'cancelled',
};

type Kind = 'histogram' | 'counter' | 'ratio' | 'gauge';

/** The kind of a metric name, or why it cannot carry thresholds. */
function kindOf(name: string): { kind: Kind } | { problem: string } {
  if ((HISTOGRAM_NAMES as readonly string[]).includes(name)) return { kind: 'histogram' };
  if ((COUNTER_NAMES as readonly string[]).includes(name)) return { kind: 'counter' };
  if (Object.hasOwn(RATIO_METRICS, name)) return { kind: 'ratio' };
  if (name === 'devices_active') return { kind: 'gauge' };
  if (name === 'devices_idle') return { problem: `${name} is not kept in summary.json; use devices_active` };
  return {
    problem: `${name} is not a metric (use a name of the metric registry, success_rate or error_rate)`,
  };
}

function allowedTags(name: string, kind: Kind): readonly string[] {
  if (kind === 'ratio') return ['call'];
  return METRICS[name as keyof typeof METRICS]?.tags ?? [];
}

type Resolved = { measure: Measure; unit: ValueUnit } | string;

function resolveHistogram(agg: Aggregation | undefined): Resolved {
  if (agg === undefined) return 'a latency needs an aggregation, e.g. "p(99) < 200ms" or "avg < 50ms"';
  if (agg.kind === 'percentile')
    return { measure: { from: 'histogram', ...agg, stat: 'percentile' }, unit: 'ms' };
  if (agg.kind === 'avg' || agg.kind === 'min' || agg.kind === 'max')
    return { measure: { from: 'histogram', stat: agg.kind }, unit: 'ms' };
  if (agg.kind === 'count') return { measure: { from: 'histogram', stat: 'count' }, unit: 'count' };
  return 'a latency takes p(N), pN, med, avg, min, max or count';
}

function resolveCounter(name: string, agg: Aggregation | undefined, tagged: boolean): Resolved {
  const kind = agg?.kind ?? 'count';
  if (kind === 'count') return { measure: { from: 'counter', stat: 'count' }, unit: 'count' };
  if (kind === 'rate') return { measure: { from: 'counter', stat: 'rate' }, unit: 'per_second' };
  const outcome = OUTCOMES[name];
  const rollout =
    outcome === undefined ? '' : name === 'devices_upgraded' ? ', fraction, pN_time' : ', fraction';
  if (outcome !== undefined && (kind === 'fraction' || (kind === 'time_to' && outcome === 'upgraded'))) {
    if (tagged)
      return `${kind === 'fraction' ? 'fraction' : 'pN_time'} is over every targeted device: no tags`;
    if (agg?.kind === 'fraction') {
      const measure: Measure = { from: 'rollout', stat: 'fraction', outcome };
      if (agg.atMs !== undefined) measure.atMs = agg.atMs;
      return { measure, unit: 'ratio' };
    }
    if (agg?.kind === 'time_to')
      return { measure: { from: 'rollout', stat: 'time_to', fraction: agg.fraction }, unit: 'ms' };
  }
  return `a counter takes count or rate (per second)${rollout}`;
}

function resolve(name: string, kind: Kind, agg: Aggregation | undefined, tagged: boolean): Resolved {
  switch (kind) {
    case 'histogram':
      return resolveHistogram(agg);
    case 'counter':
      return resolveCounter(name, agg, tagged);
    case 'ratio':
      if (agg !== undefined && agg.kind !== 'rate') return `${name} takes rate (or no aggregation)`;
      return {
        measure: { from: 'ratio', of: RATIO_METRICS[name as keyof typeof RATIO_METRICS] },
        unit: 'ratio',
      };
    case 'gauge': {
      const stat = agg?.kind ?? 'value';
      if (stat === 'max' || stat === 'min' || stat === 'avg' || stat === 'value')
        return { measure: { from: 'gauge', stat }, unit: 'count' };
      return `${name} takes max, min, avg or value (the last)`;
    }
  }
}

/** The bound in `unit`, or why the written unit does not fit. */
function boundIn(unit: ValueUnit, expr: ThresholdExpression): number | string {
  const { value, unit: written } = expr.bound;
  if (unit === 'ms') {
    if (written === '%') return 'compares a time: write ms, s, m, h, µs or us (a plain number is ms), not %';
    return written === undefined ? value : value * UNIT_MS[written];
  }
  if (unit === 'ratio') {
    if (written === '%') return value / 100;
    if (written !== undefined) return `compares a share (0 to 1): write e.g. 99.5% or 0.995, not ${written}`;
    if (value > 1) return `compares a share between 0 and 1: write ${value}% or ${value / 100}`;
    return value;
  }
  if (written !== undefined && unit === 'per_second')
    return "a counter's rate is per second: write a plain number (for a share of requests use error_rate)";
  if (written !== undefined) return 'compares a count: write a plain number';
  return value;
}

const UPPER: ReadonlySet<ComparisonOp> = new Set(['<', '<=']);
const LOWER: ReadonlySet<ComparisonOp> = new Set(['>', '>=']);

/** Whether a failure on the data so far can only get worse (or, for rates and percentiles, is judged so). */
export function isAbortable(measure: Measure, op: ComparisonOp): boolean {
  switch (measure.from) {
    case 'histogram':
      return measure.stat === 'min' ? LOWER.has(op) : UPPER.has(op);
    case 'counter':
      return measure.stat === 'count' && UPPER.has(op);
    case 'ratio':
      return measure.of === 'error' ? UPPER.has(op) : LOWER.has(op);
    default:
      return false;
  }
}

const quote = (s: string) => JSON.stringify(s);
const at = (e: ExpressionError) => `${e.message} (column ${e.column})`;

/** Resolves one expression for a parsed selector; a string is the problem, quoting the expression. */
export function resolveThreshold(
  metric: string,
  selector: MetricSelector,
  expression: string,
): Threshold | string {
  const parsed: Parsed<ThresholdExpression> = parseExpression(expression);
  if (!parsed.ok) return `${quote(expression)}: ${at(parsed.error)}`;
  const expr = parsed.value;
  const kind = kindOf(selector.name);
  if ('problem' in kind) return kind.problem;
  const resolved = resolve(selector.name, kind.kind, expr.aggregation, hasTags(selector));
  if (typeof resolved === 'string')
    return `${quote(expression)}: ${at({ message: resolved, column: expr.aggregationAt + 1 })}`;
  const bound = boundIn(resolved.unit, expr);
  if (typeof bound === 'string')
    return `${quote(expression)}: ${at({ message: bound, column: expr.boundAt + 1 })}`;
  return {
    metric,
    expression,
    selector,
    measure: resolved.measure,
    op: expr.op,
    bound,
    unit: resolved.unit,
    abortable: isAbortable(resolved.measure, expr.op),
  };
}

/** Parses and checks a selector (`errors{code:X}`): a known metric and allowed tags; else the problem. */
export function selectorProblem(metric: string): { selector?: MetricSelector; problem?: string } {
  const parsed = parseSelector(metric);
  if (!parsed.ok) return { problem: `${quote(metric)}: ${at(parsed.error)}` };
  const { name, tags } = parsed.value;
  const kind = kindOf(name);
  if ('problem' in kind) return { problem: kind.problem };
  const allowed = allowedTags(name, kind.kind);
  const unknown = Object.keys(tags).filter((t) => !allowed.includes(t));
  if (unknown.length > 0) {
    const list = allowed.length > 0 ? `tags: ${allowed.join(', ')}` : 'no tags';
    return { problem: `${name} has no tag ${unknown.join(', ')} (${list})` };
  }
  return { selector: parsed.value };
}

/** Parses every threshold of a scenario's `thresholds:` mapping; returns the thresholds and every problem. */
export function parseThresholds(spec: Readonly<Record<string, readonly string[]>>): {
  thresholds: Threshold[];
  problems: ThresholdProblem[];
} {
  const thresholds: Threshold[] = [];
  const problems: ThresholdProblem[] = [];
  for (const [metric, expressions] of Object.entries(spec)) {
    const { selector, problem } = selectorProblem(metric);
    if (selector === undefined) {
      problems.push({ metric, message: problem ?? 'invalid metric' });
      continue;
    }
    expressions.forEach((expression, index) => {
      const t = resolveThreshold(metric, selector, expression);
      if (typeof t === 'string') problems.push({ metric, index, message: t });
      else thresholds.push(t);
    });
  }
  return { thresholds, problems };
}
