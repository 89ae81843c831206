/**
 * What the charts need beyond the summary's numbers, computed in Node and shared by report.html and
 * the live dashboard: latency distributions, threshold lines on the charts they judge, markers of
 * the rollout steps on every time axis, and whether the load was arrival-rate.
 */
import { callOfMetric } from '../metrics/registry.ts';
import type { OtaCall } from '../ota/routes.ts';
import { parseScenario } from '../scenario/load.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { Distributions } from './html-dist.ts';
import type { RunSummary } from './summary.ts';

/** A horizontal line at `value` ms on a call's latency charts; `ok` false once it failed. */
export interface ThresholdLine {
  label: string;
  value: number;
  ok?: boolean;
}

/** A vertical line at `t` seconds: a batch started, a cancel. */
export interface TimeMarker {
  t: number;
  label: string;
  kind: 'batch' | 'cancel';
}

/** The chart view of a run. */
export interface ChartView {
  distributions: Distributions;
  thresholdLines: Partial<Record<OtaCall, ThresholdLine[]>>;
  markers: TimeMarker[];
  arrivalRate: boolean;
}

/** One threshold as written: metric selector and expression, with its result when judged. */
export interface ThresholdText {
  metric: string;
  expression: string;
  ok?: boolean;
}

const UNIT_MS: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000 };
const BOUND = /^\s*(p\(\s*[\d.]+\s*\)|max|avg|med)\s*(<=?)\s*([\d.]+)\s*(us|µs|ms|s)?\s*$/;

/** Threshold lines of latency bounds (`p(99) < 200ms`, `max <= 1s`) on untagged call metrics. */
export function thresholdLines(thresholds: readonly ThresholdText[]): ChartView['thresholdLines'] {
  const out: ChartView['thresholdLines'] = {};
  for (const t of thresholds) {
    const call = callOfMetric(t.metric.trim());
    const m = BOUND.exec(t.expression);
    if (call === undefined || m === null) continue;
    const value = Number(m[3]) * (UNIT_MS[m[4] ?? 'ms'] ?? 1);
    const line: ThresholdLine = { label: `threshold ${t.expression.trim()}`, value };
    if (t.ok !== undefined) line.ok = t.ok;
    out[call] = [...(out[call] ?? []), line];
  }
  return out;
}

/** The thresholds of a scenario as texts (not judged yet). */
export function scenarioThresholds(scenario: Scenario | undefined): ThresholdText[] {
  return Object.entries(scenario?.thresholds ?? {}).flatMap(([metric, exprs]) =>
    exprs.map((expression) => ({ metric, expression })),
  );
}

/** Markers of the scenario's rollout steps (seconds from the start). */
export function rolloutMarkers(scenario: Scenario | undefined): TimeMarker[] {
  return (scenario?.rollout?.steps ?? []).map((step) => {
    const t = Math.round(step.at / 100) / 10;
    if ('batch' in step) return { t, label: `batch ${step.batch.name}`, kind: 'batch' as const };
    if ('cancel' in step) return { t, label: `cancel ${step.cancel.batch}`, kind: 'cancel' as const };
    return { t, label: `cancel ${step.cancelDevice.device}`, kind: 'cancel' as const };
  });
}

/** Whether the scenario's load is open (arrival-rate). */
export function isArrivalRate(scenario: Scenario | undefined): boolean {
  return scenario?.load.model === 'arrival-rate';
}

/** The scenario of a stored summary, parsed again from its source (undefined when it no longer parses). */
export function scenarioOfSource(source: string, file: string): Scenario | undefined {
  try {
    const parsed = parseScenario(source, file, { env: {}, unsetEnv: 'warning' });
    return parsed.ok ? parsed.scenario : undefined;
  } catch {
    return undefined;
  }
}

/** The chart view of a finished run, from its summary. */
export function summaryView(summary: RunSummary, distributions: Distributions): ChartView {
  const scenario = scenarioOfSource(summary.scenario.source, summary.scenario.file);
  return {
    distributions,
    thresholdLines: thresholdLines(summary.thresholds ?? scenarioThresholds(scenario)),
    markers: rolloutMarkers(scenario),
    arrivalRate: isArrivalRate(scenario) || summary.totals.devices.startsDropped > 0,
  };
}
