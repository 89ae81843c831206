import { describe, expect, it } from 'vitest';
import {
  assignFleetVersions,
  assignVersion,
  formatDeviceName,
  isValidDeviceName,
} from '../../../src/ota/fleet-versions.ts';

function shares(weights: Record<string, number>, count: number, seed: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 1; i <= count; i++) {
    const v = assignVersion(weights, i, seed)!;
    out[v] = (out[v] ?? 0) + 1;
  }
  return out;
}

describe('assignVersion', () => {
  it('follows the weights to within a device or two, even for a small fleet', () => {
    const small = shares({ 'V1.0': 80, 'V0.9': 20 }, 100, 1);
    expect(Math.abs((small['V1.0'] ?? 0) - 80)).toBeLessThanOrEqual(1);
    expect((small['V1.0'] ?? 0) + (small['V0.9'] ?? 0)).toBe(100);
    const s = shares({ a: 1, b: 2, c: 7 }, 1000, 9);
    expect(Math.abs((s.a ?? 0) - 100)).toBeLessThanOrEqual(2);
    expect(Math.abs((s.b ?? 0) - 200)).toBeLessThanOrEqual(2);
    expect(Math.abs((s.c ?? 0) - 700)).toBeLessThanOrEqual(2);
  });

  it('is a pure function of weights, index and seed; key order does not matter', () => {
    const a = Array.from({ length: 50 }, (_, i) => assignVersion({ x: 1, y: 3 }, i, 5));
    const b = Array.from({ length: 50 }, (_, i) => assignVersion({ y: 3, x: 1 }, i, 5));
    expect(a).toEqual(b);
    const other = Array.from({ length: 50 }, (_, i) => assignVersion({ x: 1, y: 3 }, i, 6));
    expect(other).not.toEqual(a);
  });

  it('ignores non-positive weights and returns undefined when none is positive', () => {
    expect(shares({ a: 0, b: 1, c: -1 }, 20, 3)).toEqual({ b: 20 });
    expect(assignVersion({}, 1, 1)).toBeUndefined();
    expect(assignVersion({ a: 0 }, 1, 1)).toBeUndefined();
  });
});

describe('assignFleetVersions', () => {
  it('draws f_version and s_version independently and leaves out a field without weights', () => {
    const w = { 'V1.0': 1, 'V2.0': 1 };
    const pairs = Array.from({ length: 200 }, (_, i) =>
      assignFleetVersions({ f_version: w, s_version: w }, i, 1),
    );
    expect(pairs.some((p) => p.f_version !== p.s_version)).toBe(true);
    expect(assignFleetVersions({ f_version: { V1: 1 } }, 3, 1)).toEqual({ f_version: 'V1' });
  });
});

describe('device names', () => {
  it('expands {index} and {index:N}', () => {
    expect(formatDeviceName('dev-{index:06}', 42)).toBe('dev-000042');
    expect(formatDeviceName('m{index}-{index:3}', 7)).toBe('m7-007');
    expect(formatDeviceName('x{index:2}', 1234)).toBe('x1234');
  });
  it('accepts names a path can carry safely', () => {
    for (const ok of ['dev-1', 'a.b_c@d', 'x'.repeat(64)]) expect(isValidDeviceName(ok)).toBe(true);
    for (const bad of ['', '..', '.', 'a/b', 'a b', 'x'.repeat(65), 'é'])
      expect(isValidDeviceName(bad)).toBe(false);
  });
});
