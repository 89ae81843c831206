import { describe, expect, it } from 'vitest';
import {
  arrivalsDue,
  createArrivalPacer,
  phasesDuration,
  workerShare,
} from '../../../src/load/arrival-rate.ts';

describe('arrival-rate pacing', () => {
  it('integrates a constant rate', () => {
    expect(arrivalsDue([{ duration: 10_000, rate: 5 }], 4000)).toBeCloseTo(20);
  });
  it('integrates a linear ramp (10 → 30/s over 10 s gives 200 starts)', () => {
    const phases = [{ duration: 10_000, rate: 10, rampTo: 30 }];
    expect(arrivalsDue(phases, 10_000)).toBeCloseTo(200);
    expect(arrivalsDue(phases, 5_000)).toBeCloseTo(75); // (10 + 20) / 2 * 5
  });
  it('chains phases and stops adding after the last one', () => {
    const phases = [
      { duration: 2000, rate: 0, rampTo: 10 },
      { duration: 3000, rate: 10 },
    ];
    expect(phasesDuration(phases)).toBe(5000);
    expect(arrivalsDue(phases, 5000)).toBeCloseTo(10 + 30);
    expect(arrivalsDue(phases, 60_000)).toBeCloseTo(40);
  });
  it('splits starts across workers without losing or duplicating any', () => {
    for (const due of [0, 1, 7, 100, 101]) {
      const total = [0, 1, 2].reduce((s, w) => s + workerShare(due, w, 3), 0);
      expect(total).toBe(due);
    }
  });
  it('a pacer hands out each start number once, in order, as time passes (fake clock)', () => {
    const phases = [{ duration: 1000, rate: 100 }];
    const a = createArrivalPacer(phases, 0, 2);
    const b = createArrivalPacer(phases, 1, 2);
    const seen: number[] = [];
    for (let t = 0; t <= 1200; t += 100) seen.push(...a.take(t), ...b.take(t));
    expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(a.done(1000)).toBe(true);
    expect(a.done(999)).toBe(false);
  });
});
