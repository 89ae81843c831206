import { describe, expect, it } from 'vitest';
import { LOAD_MODELS, loadModelOf } from '../../../src/load/models.ts';
import { createManualClock, createRecordingHost } from './manual-clock.ts';

const slice = { first: 1, last: 10, fleetCount: 10, worker: 0, workers: 1, t0: 0 };

describe('load model registry', () => {
  it('has one model per load.model name and says which is open and which closed', () => {
    expect(Object.keys(LOAD_MODELS).sort()).toEqual(['arrival-rate', 'fleet', 'ramping-fleet']);
    expect(loadModelOf({ model: 'arrival-rate', phases: [] }).kind).toBe('open');
    expect(loadModelOf({ model: 'fleet' }).kind).toBe('closed');
    expect(loadModelOf({ model: 'ramping-fleet', stages: [] }).kind).toBe('closed');
  });
  it('gives the length of each plan', () => {
    const fleet = { count: 10, bootOverMs: 3000 };
    expect(LOAD_MODELS.fleet.planDuration({ model: 'fleet' }, fleet)).toBe(3000);
    const phases = [
      { duration: 1000, rate: 1 },
      { duration: 2000, rate: 5 },
    ];
    expect(LOAD_MODELS['arrival-rate'].planDuration({ model: 'arrival-rate', phases }, fleet)).toBe(3000);
    const stages = [{ duration: 4000, target: 3 }];
    expect(LOAD_MODELS['ramping-fleet'].planDuration({ model: 'ramping-fleet', stages }, fleet)).toBe(4000);
  });
});

describe('fleet model on a manual clock', () => {
  it('starts every device of the worker once, boots spread over the window, none stoppable', async () => {
    const clock = createManualClock();
    const rec = createRecordingHost(clock);
    await LOAD_MODELS.fleet.run(
      { model: 'fleet' },
      { count: 10, bootOverMs: 5000 },
      { ...slice, workers: 2, worker: 1 },
      clock,
      rec.host,
    );
    expect(rec.started.map((d) => [d.index, d.bootAt, d.mode, d.stoppable])).toEqual([
      [2, 500, 'loop', false],
      [4, 1500, 'loop', false],
      [6, 2500, 'loop', false],
      [8, 3500, 'loop', false],
      [10, 4500, 'loop', false],
    ]);
  });
});

describe('arrival-rate model on a manual clock', () => {
  it('starts visits at the rate and counts the starts that maxDevices drops', async () => {
    const clock = createManualClock();
    const rec = createRecordingHost(clock, { visitMs: 1000 });
    const phases = [{ duration: 2000, rate: 4 }];
    const done = LOAD_MODELS['arrival-rate'].run(
      { model: 'arrival-rate', phases, maxDevices: 2 },
      { count: 10, bootOverMs: 0 },
      slice,
      clock,
      rec.host,
    );
    await clock.advanceTo(2000);
    await done;
    // 8 starts due; each visit lasts 1 s and at most 2 run at once
    expect(rec.started.length + rec.dropped()).toBe(8);
    expect(rec.started.length).toBe(4);
    expect(rec.started.every((d) => d.mode === 'visit')).toBe(true);
  });
});
