import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ABORTED_BY_THRESHOLD, createThresholdAbort } from '../../../src/compare/abort.ts';
import { scenarioThresholds } from '../../../src/compare/gate.ts';
import { createSnapshotFeed, type RunObserver, type RunSnapshot } from '../../../src/engine/observer.ts';
import { createAggregator } from '../../../src/metrics/aggregator.ts';
import { createRecorder } from '../../../src/metrics/recorder.ts';

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);
const log = pino({ level: 'silent' });

/** One worker's snapshot of second `second`: `n` check calls of `micros`, `errors` of them resets. */
function workerSecond(second: number, n: number, micros: number, errors = 0) {
  const r = createRecorder({ wasm: false, startMs: T0 + second * 1000 });
  for (let i = 0; i < n; i++) r.recordCall('check', micros, i < errors ? 'ERR_TRANSPORT_RESET' : undefined);
  r.gauge('devices_active', n);
  const s = r.snapshot(T0 + (second + 1) * 1000);
  r.close();
  return s;
}

describe('run observer feed', () => {
  it('calls onSnapshot once per run second with the figures merged over every source', () => {
    const seen: RunSnapshot[] = [];
    const agg = createAggregator({ startedAtMs: T0 });
    const feed = createSnapshotFeed(agg, [{ onSnapshot: (s) => seen.push(s) }], { startedAtMs: T0, log });
    feed.tick(T0 - 100); // before second 0: nothing
    feed.add(workerSecond(0, 10, 1000), 'w0');
    feed.add(workerSecond(0, 30, 3000, 3), 'w1');
    feed.tick(T0 + 1100);
    feed.tick(T0 + 1350); // same second: no second call
    feed.add(workerSecond(1, 5, 1000), 'w0');
    feed.tick(T0 + 2100);
    expect(seen.map((s) => s.second)).toEqual([1, 2]);
    expect(seen[0]!.intervals.map((i) => i.source)).toEqual(['w0', 'w1']);
    expect(seen[0]!.live).toMatchObject({ requests: 40, errors: 3, devicesActive: 40 });
    expect(seen[0]!.live.topError).toEqual({ code: 'ERR_TRANSPORT_RESET', count: 3 });
    expect(seen[0]!.live.callP99Ms.check).toBeCloseTo(3, 1);
    expect(seen[1]!.intervals.map((i) => i.source)).toEqual(['w0']);
    expect(seen[1]!.live.requests).toBe(45);
  });
  it('an observer that throws is ignored; the others still see every second and the finish', () => {
    const agg = createAggregator({ startedAtMs: T0 });
    const events: string[] = [];
    const bad: RunObserver = {
      onSnapshot: () => {
        throw new Error('boom');
      },
    };
    const good: RunObserver = {
      onStart: (r) => events.push(`start ${r.scenario}`),
      onSnapshot: (s) => events.push(`second ${s.second}`),
      onFinish: () => events.push('finish'),
    };
    const feed = createSnapshotFeed(agg, [bad, good], { startedAtMs: T0, log });
    feed.start({ scenario: 's', startedAtMs: T0, durationMs: 2000, devices: 1, fleetCount: 1, workers: 1 });
    feed.tick(T0 + 1000);
    feed.tick(T0 + 2000);
    feed.finish({} as never);
    expect(events).toEqual(['start s', 'second 1', 'second 2', 'finish']);
  });
  it('abortOnFail is an observer: it aborts the run through the snapshot once a threshold fails', () => {
    const agg = createAggregator({ startedAtMs: T0 });
    const abort = createThresholdAbort(
      scenarioThresholds({ 'errors{code:ERR_TRANSPORT_RESET}': ['count < 5'] }),
      {
        graceMs: 1000,
      },
    );
    const feed = createSnapshotFeed(agg, [abort], { startedAtMs: T0, log });
    feed.add(workerSecond(0, 50, 1000, 2), 'w0');
    feed.tick(T0 + 1000);
    expect(feed.aborted).toBeUndefined();
    feed.add(workerSecond(1, 50, 1000, 4), 'w0');
    feed.tick(T0 + 2000);
    expect(feed.aborted).toBe(ABORTED_BY_THRESHOLD);
    expect(abort.cause()?.threshold.metric).toBe('errors{code:ERR_TRANSPORT_RESET}');
  });
});
