import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../src/device/calls.ts';
import { drawFaultPlan } from '../../../src/device/faults.ts';
import { createRng, deviceSeed, jitter } from '../../../src/device/random.ts';

const odds = {
  abortDownload: 0,
  md5Mismatch: 0,
  installFailure: 0,
  lowBattery: 0,
  reboot: 0,
  stall: 0,
  stallTime: 1000,
};

describe('device randomness', () => {
  it('is reproducible from the seed and differs between devices', () => {
    const a = createRng(deviceSeed(42, 1));
    const b = createRng(deviceSeed(42, 1));
    const c = createRng(deviceSeed(42, 2));
    const sa = [a.next(), a.next(), a.next()];
    expect([b.next(), b.next(), b.next()]).toEqual(sa);
    expect(c.next()).not.toBe(sa[0]);
  });
  it('jitter stays within ± the fraction', () => {
    expect(jitter(1000, 0.2, 0)).toBe(800);
    expect(jitter(1000, 0.2, 1)).toBe(1200);
  });
  it('draws no fault when the odds are zero and every fault when they are one', () => {
    const none = drawFaultPlan(odds, createRng(1));
    expect(none).toEqual({ stallMs: 1000, md5Mismatch: false });
    const all = drawFaultPlan(
      { ...odds, abortDownload: 1, md5Mismatch: 1, installFailure: 1, lowBattery: 1, reboot: 1, stall: 1 },
      createRng(1),
    );
    expect(all.abortAt).toBeGreaterThan(0);
    expect(all.rebootAt).toBeLessThan(1);
    expect(all.md5Mismatch).toBe(true);
    expect([202, 203, 204, 206]).toContain(all.installFailStep);
  });
  it('hits each fault at roughly its probability over many devices', () => {
    let aborted = 0;
    for (let i = 0; i < 2000; i++)
      if (drawFaultPlan({ ...odds, abortDownload: 0.25 }, createRng(deviceSeed(7, i))).abortAt !== undefined)
        aborted++;
    expect(aborted / 2000).toBeGreaterThan(0.2);
    expect(aborted / 2000).toBeLessThan(0.3);
  });
  it('backs off exponentially with full jitter, capped', () => {
    const p = { max: 5, baseDelay: 100, maxDelay: 1000 };
    expect(backoffDelay(p, 1, 1)).toBe(100);
    expect(backoffDelay(p, 3, 1)).toBe(400);
    expect(backoffDelay(p, 10, 1)).toBe(1000);
    expect(backoffDelay(p, 3, 0.5)).toBe(200);
  });
});
