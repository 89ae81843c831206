import { describe, expect, it } from 'vitest';
import { createContentCache, md5Hex, syntheticPackageBytes } from '../../../src/server/store/content.ts';
import type { PackageRecord } from '../../../src/server/store/records.ts';

const pkg = (id: number, size: number, seed: number | null): PackageRecord => ({
  id,
  pid: 'p',
  name: 'n',
  module: 1,
  type: 1,
  targetVersion: 'V1',
  fromVersion: null,
  description: '',
  fileName: 'n.bin',
  size,
  md5: '',
  syntheticSeed: seed,
  verified: false,
  createdAt: 0,
});

describe('syntheticPackageBytes', () => {
  it('is deterministic in size and seed, and a prefix of a longer package with the same seed', () => {
    expect(md5Hex(syntheticPackageBytes(1001, 5))).toBe(md5Hex(syntheticPackageBytes(1001, 5)));
    expect(md5Hex(syntheticPackageBytes(1001, 5))).not.toBe(md5Hex(syntheticPackageBytes(1001, 6)));
    expect(syntheticPackageBytes(2000, 5).subarray(0, 1000).equals(syntheticPackageBytes(1000, 5))).toBe(
      true,
    );
    expect(syntheticPackageBytes(3, 1).length).toBe(3);
  });
  it('looks random (no byte value dominates)', () => {
    const counts = new Array<number>(256).fill(0);
    for (const b of syntheticPackageBytes(256 * 100, 9)) counts[b]!++;
    expect(Math.max(...counts)).toBeLessThan(200);
  });
});

describe('createContentCache', () => {
  it('generates synthetic bytes, loads stored ones, and evicts the least recently used beyond its budget', () => {
    const loads: number[] = [];
    const cache = createContentCache(2500, (id) => {
      loads.push(id);
      return id === 2 || id === 5 ? Buffer.alloc(1000, 2) : null;
    });
    expect(cache.get(pkg(1, 1000, 7))?.equals(syntheticPackageBytes(1000, 7))).toBe(true);
    expect(cache.get(pkg(2, 1000, null))?.[0]).toBe(2);
    cache.get(pkg(1, 1000, 7));
    cache.put(3, Buffer.alloc(1000));
    cache.get(pkg(2, 1000, null));
    expect(loads).toEqual([2, 2]);
    expect(cache.get(pkg(4, 1000, null))).toBeUndefined();
    expect(cache.get(pkg(5, 999, null))).toBeUndefined(); // stored bytes of the wrong size are not served
  });
});
