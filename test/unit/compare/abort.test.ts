import { describe, expect, it } from 'vitest';
import { ABORTED_BY_THRESHOLD, createThresholdAbort } from '../../../src/compare/abort.ts';
import { applyThresholds, judgeGate, scenarioThresholds } from '../../../src/compare/gate.ts';
import { createAggregator } from '../../../src/metrics/aggregator.ts';
import { createRecorder } from '../../../src/metrics/recorder.ts';
import { createExampleSummary } from '../../helpers/example-summary.ts';

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);

/** An aggregator fed one second of check calls at `micros` each, `errors` of them failed with a reset. */
function feed(agg: ReturnType<typeof createAggregator>, second: number, micros: number, errors = 0) {
  const r = createRecorder({ wasm: false, startMs: T0 + second * 1000 });
  for (let i = 0; i < 50; i++) {
    if (i < errors) r.recordCall('check', micros, 'ERR_TRANSPORT_RESET');
    else r.recordCall('check', micros);
  }
  agg.add(r.snapshot(T0 + (second + 1) * 1000), 'w0');
  r.close();
}

const at = (agg: ReturnType<typeof createAggregator>, sec: number) =>
  [agg.live(T0 + sec * 1000), agg.peek()] as const;

describe('createThresholdAbort', () => {
  const thresholds = scenarioThresholds({
    ota_check_duration: ['p(50) < 20ms'],
    'errors{code:ERR_TRANSPORT_RESET}': ['count < 5'],
    devices_upgraded: ['fraction >= 0.9'],
  });

  it('waits for the grace, then stops on the first abortable threshold that fails', () => {
    const agg = createAggregator({ startedAtMs: T0 });
    const abort = createThresholdAbort(thresholds, { graceMs: 2000 });
    feed(agg, 0, 50_000);
    expect(abort.check(...at(agg, 1.5))).toBeUndefined();
    expect(abort.cause()).toBeUndefined();
    expect(abort.check(...at(agg, 2.1))).toBe(ABORTED_BY_THRESHOLD);
    expect(abort.cause()).toMatchObject({
      threshold: { metric: 'ota_check_duration', expression: 'p(50) < 20ms' },
      observation: { value: expect.closeTo(50, 0) },
      atSec: 2.1,
    });
    expect(abort.check(...at(agg, 2.2))).toBe(ABORTED_BY_THRESHOLD);
  });

  it('evaluates at most once per interval and counts errors so far', () => {
    const agg = createAggregator({ startedAtMs: T0 });
    const abort = createThresholdAbort(thresholds, { graceMs: 1000, intervalMs: 1000 });
    feed(agg, 0, 1000, 2);
    expect(abort.check(...at(agg, 1.0))).toBeUndefined();
    feed(agg, 1, 1000, 4);
    expect(abort.check(...at(agg, 1.5))).toBeUndefined();
    expect(abort.check(...at(agg, 2.0))).toBe(ABORTED_BY_THRESHOLD);
    expect(abort.cause()?.threshold.metric).toBe('errors{code:ERR_TRANSPORT_RESET}');
    expect(abort.cause()?.observation.value).toBe(6);
  });

  it('never stops on thresholds that may still pass or have no data yet', () => {
    const onlyLater = scenarioThresholds({
      devices_upgraded: ['fraction >= 0.9', 'p50_time < 1s'],
      'errors{code:ERR_TRANSPORT_RESET}': ['count > 100'],
      ota_download_duration: ['p(99) < 1ms'],
      ota_requests: ['rate > 1000'],
    });
    const agg = createAggregator({ startedAtMs: T0 });
    const abort = createThresholdAbort(onlyLater, { graceMs: 0 });
    feed(agg, 0, 50_000, 10);
    for (const sec of [1, 2, 3, 4]) expect(abort.check(...at(agg, sec))).toBeUndefined();
  });
});

describe('the run gate', () => {
  it('evaluates thresholds into the summary and marks the one that aborted the run', () => {
    const summary = createExampleSummary();
    summary.run.partial = true;
    summary.run.partialReason = ABORTED_BY_THRESHOLD;
    const thresholds = scenarioThresholds({ ota_check_duration: ['p(99) < 5ms', 'p(50) < 1s'] });
    const cause = { threshold: thresholds[0]!, observation: { value: 9.1 }, atSec: 3.2 };
    applyThresholds(summary, thresholds, cause);
    expect(summary.thresholds?.map((t) => [t.expression, t.ok, t.abortedRun])).toEqual([
      ['p(99) < 5ms', false, true],
      ['p(50) < 1s', true, undefined],
    ]);
    expect(summary.notes.at(-1)).toBe(
      'abortOnFail: the run was stopped after 3.2s because threshold ota_check_duration: p(99) < 5ms failed (observed 9.10ms)',
    );
    expect(judgeGate(summary)).toEqual({ thresholdsFailed: true, regressed: false });
  });

  it('leaves a summary without thresholds alone and judges a comparison', () => {
    const summary = createExampleSummary();
    applyThresholds(summary, []);
    expect(summary.thresholds).toBeUndefined();
    expect(judgeGate(summary)).toEqual({ thresholdsFailed: false, regressed: false });
    summary.comparison = { baseline: 'b', ok: false, items: [] };
    expect(judgeGate(summary)).toEqual({ thresholdsFailed: false, regressed: true });
  });

  it('refuses thresholds that do not parse (a scenario built in code skips the loader)', () => {
    expect(() => scenarioThresholds({ nope: ['count < 1'] })).toThrow(
      expect.objectContaining({ code: 'ERR_SCENARIO_INVALID' }),
    );
  });
});
