import { describe, expect, it } from 'vitest';
import { evaluateThresholds } from '../../../src/compare/evaluate.ts';
import type { RunSummary } from '../../../src/metrics/run-summary.ts';
import { parseThresholds } from '../../../src/metrics/threshold-spec.ts';
import { createExampleSummary } from '../../helpers/example-summary.ts';

const summary = createExampleSummary();

function evaluate(spec: Record<string, string[]>, s: RunSummary = summary) {
  const { thresholds, problems } = parseThresholds(spec);
  expect(problems).toEqual([]);
  return evaluateThresholds(thresholds, s);
}
const observed = (metric: string, expression: string, s: RunSummary = summary) =>
  evaluate({ [metric]: [expression] }, s)[0]!;

describe('evaluateThresholds on the example summary', () => {
  it('reads latency percentiles from the histograms (the same as the summary stats, in ms)', () => {
    const check = summary.calls.check!.latency;
    expect(observed('ota_check_duration', 'p(99) < 200ms')).toEqual({
      metric: 'ota_check_duration',
      expression: 'p(99) < 200ms',
      observed: check.p99 / 1000,
      unit: 'ms',
      ok: true,
    });
    expect(observed('ota_check_duration', 'p(50) < 2ms')).toMatchObject({
      observed: check.p50 / 1000,
      ok: false,
    });
    expect(observed('ota_check_duration', 'max < 20ms').observed).toBe(check.max / 1000);
    expect(observed('ota_check_duration', 'min > 1ms').observed).toBe(check.min / 1000);
    expect(observed('ota_check_duration', 'avg < 20ms').observed).toBeCloseTo(check.mean / 1000, 2);
    expect(observed('ota_check_duration', 'count > 0').observed).toBe(check.count);
  });

  it('selects tagged histogram series', () => {
    const errorP90 = summary.calls.check!.latencyByOutcome.error.p90;
    expect(observed('ota_check_duration{outcome:error}', 'p(90) < 1s').observed).toBe(errorP90 / 1000);
  });

  it('sums counters over the series whose tags match', () => {
    expect(observed('errors', 'count < 10')).toMatchObject({ observed: 121, ok: false });
    expect(observed('errors{code:ERR_HTTP_STATUS}', 'count < 200')).toMatchObject({
      observed: 120,
      ok: true,
    });
    expect(observed('errors{code:ERR_TRANSPORT_RESET}', 'count < 10')).toMatchObject({
      observed: 0,
      ok: true,
    });
    expect(observed('ota_requests{call:check}', 'count == 6000').ok).toBe(true);
    expect(observed('ota_requests', 'rate > 100')).toMatchObject({
      observed: Math.round(summary.totals.rps * 1000) / 1000,
      unit: 'per_second',
      ok: true,
    });
  });

  it('computes success_rate and error_rate over all or one call', () => {
    expect(observed('success_rate', '> 99.5%')).toMatchObject({
      observed: Math.round(summary.totals.successRate * 1e6) / 1e6,
      unit: 'ratio',
      ok: false,
    });
    expect(observed('error_rate{call:check}', '< 3%')).toMatchObject({ observed: 0.02, ok: true });
    expect(observed('error_rate{call:download}', '< 1%')).toMatchObject({ observed: 0, ok: true });
  });

  it('reads the rollout: fraction, fraction at a time, time to a fraction', () => {
    expect(observed('devices_upgraded', 'fraction >= 0.95')).toMatchObject({ observed: 0.915, ok: false });
    const at5 = summary.rollout!.convergence.find((p) => p.t === 5)!.upgraded / 200;
    expect(observed('devices_upgraded', 'fraction@5s > 0.1')).toMatchObject({ observed: at5, ok: true });
    expect(observed('devices_upgraded', 'p50_time < 2m')).toMatchObject({
      observed: summary.rollout!.timeTo.p50,
      ok: true,
    });
    expect(observed('devices_failed', 'fraction < 5%')).toMatchObject({ observed: 0.03, ok: true });
  });

  it('fails a time-to fraction never reached, but passes its lower bound', () => {
    expect(summary.rollout!.timeTo.p99).toBeNull();
    expect(observed('devices_upgraded', 'p99_time < 1h')).toMatchObject({
      observed: null,
      detail: 'never reached',
      ok: false,
    });
    expect(observed('devices_upgraded', 'p99_time > 1s').ok).toBe(true);
  });

  it('fails a threshold over a metric with no samples', () => {
    expect(observed('ota_task_state_duration', 'p(99) < 1s')).toMatchObject({
      observed: null,
      detail: 'no data',
      ok: false,
    });
    const noRollout = createExampleSummary({ rollout: false });
    expect(observed('devices_upgraded', 'fraction > 0.5', noRollout)).toMatchObject({
      detail: 'no data',
      ok: false,
    });
  });

  it('reads devices_active from the time series', () => {
    const active = summary.timeseries.map((p) => p.active);
    expect(observed('devices_active', 'max <= 200').observed).toBe(Math.max(...active));
    expect(observed('devices_active', '< 50').observed).toBe(active[active.length - 1]);
  });

  it('keeps the order of the scenario and every expression of a metric', () => {
    const results = evaluate({
      ota_check_duration: ['p(99) < 200ms', 'p(50) < 20ms'],
      success_rate: ['> 95%'],
      'errors{code:ERR_TRANSPORT_RESET}': ['count < 10'],
    });
    expect(results.map((r) => [r.metric, r.expression, r.ok])).toEqual([
      ['ota_check_duration', 'p(99) < 200ms', true],
      ['ota_check_duration', 'p(50) < 20ms', true],
      ['success_rate', '> 95%', true],
      ['errors{code:ERR_TRANSPORT_RESET}', 'count < 10', true],
    ]);
  });
});
