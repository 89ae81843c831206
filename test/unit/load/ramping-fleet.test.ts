import { describe, expect, it } from 'vitest';
import { LOAD_MODELS } from '../../../src/load/models.ts';
import { type RampingFleetConfig, rampingTarget, stagesDuration } from '../../../src/load/ramping-fleet.ts';
import { createManualClock, createRecordingHost } from './manual-clock.ts';

const config = (stages: RampingFleetConfig['stages']): RampingFleetConfig => ({
  model: 'ramping-fleet',
  stages,
});
const slice = (o: Partial<{ first: number; last: number; worker: number; workers: number }> = {}) => ({
  first: 1,
  last: 10,
  fleetCount: 10,
  worker: 0,
  workers: 1,
  t0: 0,
  ...o,
});
const fleet = { count: 10, bootOverMs: 0 };

describe('ramping-fleet plan', () => {
  it('interpolates each stage linearly from the previous target and holds the last one', () => {
    const stages = [
      { duration: 10_000, target: 10 },
      { duration: 5_000, target: 10 },
      { duration: 10_000, target: 0 },
    ];
    const at = (ms: number) => rampingTarget(stages, ms, 100);
    expect([0, 999, 1000, 5000, 9999, 10_000].map(at)).toEqual([0, 0, 1, 5, 9, 10]);
    expect([12_000, 15_000, 17_500, 20_000, 24_999, 25_000, 60_000].map(at)).toEqual([10, 10, 7, 5, 0, 0, 0]);
    expect(stagesDuration(stages)).toBe(25_000);
  });
  it('a stage of 0s jumps at once; targets are capped at the fleet size', () => {
    const stages = [
      { duration: 0, target: 50 },
      { duration: 1000, target: 50 },
    ];
    expect(rampingTarget(stages, 0, 100)).toBe(50);
    expect(rampingTarget(stages, 500, 20)).toBe(20);
  });
});

describe('ramping-fleet model on a manual clock', () => {
  it('runs as many devices as the stages say at each moment, the first ones by index', async () => {
    const clock = createManualClock();
    const rec = createRecordingHost(clock);
    const stages = [
      { duration: 4000, target: 4 },
      { duration: 2000, target: 4 },
      { duration: 2000, target: 2 },
    ];
    const done = LOAD_MODELS['ramping-fleet'].run(config(stages), fleet, slice(), clock, rec.host);
    const seen: Record<number, number[]> = {};
    for (const t of [0, 1000, 2500, 4000, 5000, 7000, 8000]) {
      await clock.advanceTo(t);
      seen[t] = rec.running();
    }
    expect(seen).toEqual({
      0: [],
      1000: [1],
      2500: [1, 2],
      4000: [1, 2, 3, 4],
      5000: [1, 2, 3, 4],
      7000: [1, 2, 3],
      8000: [1, 2],
    });
    await done;
    expect(rec.started.every((d) => d.mode === 'loop' && d.stoppable)).toBe(true);
    // a ramp-down stops the most recently started device first
    const stopped = rec.started.filter((d) => d.stoppedAt !== undefined);
    stopped.sort((x, y) => x.stoppedAt! - y.stoppedAt!);
    // device 4 stops as soon as the ramp from 4 to 2 dips below 4, device 3 once it dips below 3
    expect(stopped.map((d) => d.index)).toEqual([4, 3]);
    expect(stopped[0]!.stoppedAt).toBeGreaterThan(6000);
    expect(stopped[0]!.stoppedAt).toBeLessThan(6050);
    expect(stopped[1]!.stoppedAt).toBeGreaterThan(7000);
    expect(stopped[1]!.stoppedAt).toBeLessThan(7050);
  });
  it('splits the plan between workers: each runs its own devices of the fleet-wide prefix', async () => {
    const clock = createManualClock();
    const a = createRecordingHost(clock);
    const b = createRecordingHost(clock);
    const c = config([{ duration: 1000, target: 5 }]);
    const runs = [
      LOAD_MODELS['ramping-fleet'].run(c, fleet, slice({ workers: 2, worker: 0 }), clock, a.host),
      LOAD_MODELS['ramping-fleet'].run(c, fleet, slice({ workers: 2, worker: 1 }), clock, b.host),
    ];
    await clock.advanceTo(1000);
    await Promise.all(runs);
    expect(a.running()).toEqual([1, 3, 5]);
    expect(b.running()).toEqual([2, 4]);
  });
  it('a device stopped by a ramp-down boots again only after its in-flight request finished', async () => {
    const clock = createManualClock();
    const rec = createRecordingHost(clock, { inFlightMs: 300 });
    const stages = [
      { duration: 0, target: 2 },
      { duration: 1000, target: 2 },
      { duration: 0, target: 1 },
      { duration: 100, target: 1 },
      { duration: 0, target: 2 },
    ];
    const done = LOAD_MODELS['ramping-fleet'].run(config(stages), fleet, slice(), clock, rec.host);
    await clock.advanceTo(1100);
    expect(rec.running()).toEqual([1]);
    await clock.advanceTo(1200);
    // device 2 is wanted again, but still finishing its request: not started twice
    expect(rec.started.map((d) => d.index)).toEqual([1, 2]);
    await clock.advanceTo(1400);
    await done;
    expect(rec.started.map((d) => [d.index, d.bootAt])).toEqual([
      [1, 0],
      [2, 0],
      [2, 1300],
    ]);
  });
  it('ends its plan when the clock stops', async () => {
    const clock = createManualClock();
    const rec = createRecordingHost(clock);
    const done = LOAD_MODELS['ramping-fleet'].run(
      config([{ duration: 60_000, target: 10 }]),
      fleet,
      slice(),
      clock,
      rec.host,
    );
    await clock.advanceTo(12_000);
    clock.stop();
    await done;
    expect(rec.running()).toEqual([1, 2]);
  });
});

describe('ramping-fleet rules', () => {
  const base = { fleet: { count: 10 }, stop: { duration: 20_000 } } as never;
  it('refuses a stage target above fleet.count and warns about stages longer than the run', async () => {
    const { rampingFleetFitsDuration, stagesWithinFleet } = await import('../../../src/scenario/rules.ts');
    const load = config([
      { duration: 15_000, target: 12 },
      { duration: 10_000, target: 4 },
    ]);
    const s = { ...(base as object), load } as Parameters<typeof stagesWithinFleet>[0] &
      Parameters<typeof rampingFleetFitsDuration>[0];
    expect(stagesWithinFleet(s).map((f) => [f.path.join('.'), f.message])).toEqual([
      ['load.stages.0.target', 'must be at most fleet.count (10) (got 12)'],
    ]);
    expect(rampingFleetFitsDuration(s).map((f) => [f.severity, f.message])).toEqual([
      ['warning', 'last 25s, longer than stop.duration (20s): the last 5s never run'],
    ]);
  });
});
