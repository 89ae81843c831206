import { describe, expect, it } from 'vitest';
import { parseThresholds, type Threshold } from '../../../src/metrics/threshold-spec.ts';

function one(metric: string, expression: string): Threshold {
  const { thresholds, problems } = parseThresholds({ [metric]: [expression] });
  if (problems.length > 0) throw new Error(problems[0]!.message);
  return thresholds[0]!;
}
const problem = (metric: string, expression = 'count < 1') =>
  parseThresholds({ [metric]: [expression] }).problems.map((p) => p.message)[0];

describe('parseThresholds resolves each metric kind', () => {
  it('latencies: ms bounds (a plain number is ms), count', () => {
    expect(one('ota_check_duration', 'p(99) < 200ms')).toMatchObject({
      measure: { from: 'histogram', stat: 'percentile', p: 99 },
      bound: 200,
      unit: 'ms',
      abortable: true,
    });
    expect(one('ota_check_duration', 'avg < 2s').bound).toBe(2000);
    expect(one('ota_check_duration', 'max < 500us').bound).toBe(0.5);
    expect(one('ota_check_duration', 'p50 < 20').bound).toBe(20);
    expect(one('ota_check_duration{outcome:ok}', 'count > 100')).toMatchObject({ unit: 'count', bound: 100 });
    expect(one('ota_check_duration', 'min > 1ms').abortable).toBe(true);
    expect(one('ota_check_duration', 'p(99) > 1ms').abortable).toBe(false);
  });

  it('counters: count by default, rate per second; tags filter', () => {
    expect(one('errors{code:ERR_TRANSPORT_RESET}', 'count < 10')).toMatchObject({
      selector: { name: 'errors', tags: { code: 'ERR_TRANSPORT_RESET' } },
      measure: { from: 'counter', stat: 'count' },
      abortable: true,
    });
    expect(one('errors', '< 10').measure).toEqual({ from: 'counter', stat: 'count' });
    expect(one('ota_requests', 'rate > 50')).toMatchObject({ unit: 'per_second', abortable: false });
    expect(one('errors', 'count > 1').abortable).toBe(false);
  });

  it('success_rate and error_rate: shares as % or 0..1', () => {
    expect(one('success_rate', '> 99.5%')).toMatchObject({
      measure: { from: 'ratio', of: 'success' },
      bound: 0.995,
      unit: 'ratio',
      abortable: true,
    });
    expect(one('error_rate{call:check}', 'rate < 0.01')).toMatchObject({ bound: 0.01, abortable: true });
  });

  it('rollout: fraction, fraction@, pN_time on devices_upgraded; not abortable', () => {
    expect(one('devices_upgraded', 'p50_time < 2m')).toMatchObject({
      measure: { from: 'rollout', stat: 'time_to', fraction: 0.5 },
      bound: 120_000,
      abortable: false,
    });
    expect(one('devices_upgraded', 'fraction@10m >= 0.95')).toMatchObject({
      measure: { from: 'rollout', stat: 'fraction', outcome: 'upgraded', atMs: 600_000 },
      bound: 0.95,
    });
    expect(one('devices_failed', 'fraction < 1%').measure).toMatchObject({ outcome: 'failed' });
  });

  it('devices_active: value by default, max/min/avg', () => {
    expect(one('devices_active', '<= 30').measure).toEqual({ from: 'gauge', stat: 'value' });
    expect(one('devices_active', 'max <= 30').measure).toEqual({ from: 'gauge', stat: 'max' });
  });
});

describe('parseThresholds reports problems', () => {
  it('names unknown metrics and tags', () => {
    expect(problem('nope')).toBe(
      'nope is not a metric (use a name of the metric registry, success_rate or error_rate)',
    );
    expect(problem('devices_idle')).toBe('devices_idle is not kept in summary.json; use devices_active');
    expect(problem('errors{cod:X}')).toBe(
      'errors has no tag cod (tags: code, call, errno, ota_errno, status, detail)',
    );
    expect(problem('devices_booted{x:1}')).toBe('devices_booted has no tag x (no tags)');
    expect(problem('errors{')).toBe(
      '"errors{": expected a tag name, e.g. {code:ERR_TRANSPORT_RESET} (column 8)',
    );
  });

  it('rejects aggregations and units that do not fit the metric', () => {
    expect(problem('ota_check_duration', '< 200ms')).toBe(
      '"< 200ms": a latency needs an aggregation, e.g. "p(99) < 200ms" or "avg < 50ms" (column 1)',
    );
    expect(problem('ota_check_duration', 'p(99) < 5%')).toBe(
      '"p(99) < 5%": compares a time: write ms, s, m, h, µs or us (a plain number is ms), not % (column 9)',
    );
    expect(problem('success_rate', '> 99.5')).toBe(
      '"> 99.5": compares a share between 0 and 1: write 99.5% or 0.995 (column 3)',
    );
    expect(problem('errors', 'rate < 5%')).toMatch(
      /per second: write a plain number \(for a share of requests use error_rate\)/,
    );
    expect(problem('errors', 'count < 5ms')).toBe(
      '"count < 5ms": compares a count: write a plain number (column 9)',
    );
    expect(problem('ota_requests', 'p(99) < 1')).toBe(
      '"p(99) < 1": a counter takes count or rate (per second) (column 1)',
    );
    expect(problem('devices_upgraded{profile:a}', 'fraction > 0.5')).toBe(
      '"fraction > 0.5": fraction is over every targeted device: no tags (column 1)',
    );
    expect(problem('success_rate', 'avg > 0.5')).toBe(
      '"avg > 0.5": success_rate takes rate (or no aggregation) (column 1)',
    );
  });

  it('keeps the index of each bad expression and parses the good ones', () => {
    const r = parseThresholds({ ota_check_duration: ['p(99) < 200ms', 'p(99) <', 'avg < 1s'] });
    expect(r.thresholds.map((t) => t.expression)).toEqual(['p(99) < 200ms', 'avg < 1s']);
    expect(r.problems).toEqual([
      {
        metric: 'ota_check_duration',
        index: 1,
        message: '"p(99) <": expected a number but found the end (column 8)',
      },
    ]);
  });
});
