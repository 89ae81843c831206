import { describe, expect, it } from 'vitest';
import { compareSummaries } from '../../../src/compare/compare.ts';
import type { ComparePolicy } from '../../../src/compare/policy.ts';
import type { RunSummary } from '../../../src/metrics/run-summary.ts';
import { createExampleSummary } from '../../helpers/example-summary.ts';

const base = createExampleSummary();
const policy: ComparePolicy = { checks: {} };
const compare = (b: RunSummary, c: RunSummary, p: ComparePolicy = policy, force = false) =>
  compareSummaries(b, c, { policy: p, baselineLabel: 'base/summary.json', force });
const itemOf = (c: ReturnType<typeof compare>, id: string) => c.items.find((i) => i.metric === id);

/** A copy of the example with changes applied. */
function variant(change: (s: RunSummary) => void, from: RunSummary = base): RunSummary {
  const s = structuredClone(from);
  change(s);
  return s;
}

describe('compareSummaries', () => {
  it('passes two identical runs and lists every check in order', () => {
    const c = compare(
      base,
      variant(() => {}),
    );
    expect(c.ok).toBe(true);
    expect(c.warnings).toBeUndefined();
    expect(c.baselineRun).toEqual({
      id: 'run-example-0001',
      startedAt: base.run.startedAt,
      toolVersion: '0.1.0',
    });
    expect(c.items.map((i) => i.metric)).toEqual([
      'report-version.p50',
      'report-version.p90',
      'report-version.p99',
      'check.p50',
      'check.p90',
      'check.p99',
      'download.p50',
      'download.p90',
      'download.p99',
      'report-status.p50',
      'report-status.p90',
      'report-status.p99',
      'rps',
      'success_rate',
      'rollout.time_to_p50',
      'rollout.time_to_p90',
      'rollout.upgraded_fraction',
    ]);
    expect(itemOf(c, 'check.p99')).toEqual({
      metric: 'check.p99',
      baseline: base.calls.check!.latency.p99 / 1000,
      current: base.calls.check!.latency.p99 / 1000,
      change: 0,
      ok: true,
      status: 'ok',
      unit: 'ms',
      better: 'lower',
      allowed: 1,
      message: 'within the 1.00ms allowed',
    });
  });

  it('treats a change below the floor as noise: 0.3 ms → 0.5 ms p50 is not a 66% regression', () => {
    const b = variant((s) => {
      s.calls.check!.latency.p50 = 300;
    });
    const c = compare(
      b,
      variant((s) => {
        s.calls.check!.latency.p50 = 500;
      }),
    );
    expect(itemOf(c, 'check.p50')).toMatchObject({
      baseline: 0.3,
      current: 0.5,
      change: 0.666667,
      status: 'ok',
    });
    expect(c.ok).toBe(true);
  });

  it('flags a latency beyond tolerance and floor as regressed, and a better one as improved', () => {
    const slow = variant((s) => {
      s.calls.check!.latency.p90 *= 2;
      s.calls.download!.latency.p50 /= 2;
    });
    const c = compare(base, slow);
    expect(c.ok).toBe(false);
    expect(itemOf(c, 'check.p90')).toMatchObject({
      status: 'regressed',
      ok: false,
      change: 1,
      message: 'worse by 7.88ms, more than the 1.00ms allowed',
    });
    expect(itemOf(c, 'download.p50')).toMatchObject({ status: 'improved', ok: true, change: -0.5 });
  });

  it('judges throughput and shares in the better direction', () => {
    const c = compare(
      base,
      variant((s) => {
        s.totals.rps *= 0.8;
        s.totals.successRate -= 0.01;
        s.rollout!.upgradedFraction += 0.05;
      }),
    );
    expect(itemOf(c, 'rps')).toMatchObject({ status: 'regressed', better: 'higher', unit: 'per_second' });
    expect(itemOf(c, 'success_rate')).toMatchObject({
      status: 'regressed',
      message: 'worse by 1 points, more than the 0.5 points allowed',
    });
    expect(itemOf(c, 'rollout.upgraded_fraction')).toMatchObject({ status: 'improved' });
    const small = compare(
      base,
      variant((s) => {
        s.totals.rps *= 0.95;
      }),
    );
    expect(itemOf(small, 'rps')?.status).toBe('ok');
  });

  it('counts a time-to fraction never reached as infinitely late', () => {
    const never = variant((s) => {
      s.rollout!.timeTo.p90 = null;
    });
    expect(itemOf(compare(base, never), 'rollout.time_to_p90')).toMatchObject({
      status: 'regressed',
      current: null,
      message: 'never reached in this run',
    });
    expect(itemOf(compare(never, base), 'rollout.time_to_p90')?.status).toBe('improved');
    expect(itemOf(compare(never, never), 'rollout.time_to_p90')).toMatchObject({ status: 'ok', ok: true });
  });

  it('marks a call made in the baseline but not in this run as missing (not ok)', () => {
    const c = compare(
      base,
      variant((s) => {
        s.calls.download!.count = 0;
      }),
    );
    expect(itemOf(c, 'download.p50')).toMatchObject({ status: 'missing', ok: false, current: null });
    expect(c.ok).toBe(false);
    const silent = variant((s) => {
      s.totals.requests = 0;
    });
    expect(itemOf(compare(silent, silent), 'rps')).toMatchObject({
      status: 'ok',
      message: 'no data in either run',
    });
  });

  it('leaves out checks the policy skips', () => {
    const p: ComparePolicy = { checks: { latency: { skip: true }, rps: { skip: true } } };
    const c = compare(
      base,
      variant((s) => {
        s.totals.rps /= 2;
      }),
      p,
    );
    expect(c.items.map((i) => i.metric)).toEqual([
      'success_rate',
      'rollout.time_to_p50',
      'rollout.time_to_p90',
      'rollout.upgraded_fraction',
    ]);
    expect(c.ok).toBe(true);
  });
});

describe('compareSummaries refuses what is not comparable', () => {
  const other = variant((s) => {
    s.scenario.name = 'other';
  });
  it('refuses runs of different scenarios unless forced', () => {
    expect(() => compare(base, other)).toThrow(
      expect.objectContaining({
        code: 'ERR_USAGE',
        message:
          'the runs are of different scenarios (baseline example-rollout, this run other); they are not comparable (--force compares anyway)',
      }),
    );
    expect(compare(base, other, policy, true).warnings).toEqual([
      'the runs are of different scenarios (baseline example-rollout, this run other) (compared anyway: --force)',
    ]);
  });

  it('refuses different schema versions unless forced', () => {
    const v2 = variant((s) => {
      (s as { schemaVersion: number }).schemaVersion = 2;
    });
    expect(() => compare(base, v2)).toThrow(/different schema versions \(baseline 1, this run 2\)/);
    expect(compare(base, v2, policy, true).ok).toBe(true);
  });

  it('warns when the scenario file changed or a run was partial', () => {
    const changed = variant((s) => {
      s.scenario.sha256 = 'f'.repeat(64);
    });
    expect(compare(base, changed).warnings).toEqual([
      'the scenario file changed since the baseline (sha256 differs)',
    ]);
    expect(compare(base, createExampleSummary({ partial: true })).warnings).toEqual([
      'this run is a partial run (interrupted)',
    ]);
  });
});
