import { describe, expect, it } from 'vitest';
import { fleetBootOffset, shardRange, workerDevices } from '../../../src/load/fleet.ts';

describe('fleet plan', () => {
  it('spreads boots evenly over the window', () => {
    expect(fleetBootOffset(1, 10, 5000)).toBe(0);
    expect(fleetBootOffset(6, 10, 5000)).toBe(2500);
    expect(fleetBootOffset(10, 10, 0)).toBe(0);
  });
  it('shards cover the fleet exactly once with contiguous slices', () => {
    const slices = [1, 2, 3].map((i) => shardRange(10, i, 3));
    expect(slices).toEqual([
      { first: 1, last: 3 },
      { first: 4, last: 6 },
      { first: 7, last: 10 },
    ]);
  });
  it('workers of a slice share its devices without overlap', () => {
    const all = [0, 1].flatMap((w) => workerDevices(4, 10, w, 2)).sort((a, b) => a - b);
    expect(all).toEqual([4, 5, 6, 7, 8, 9, 10]);
  });
});
