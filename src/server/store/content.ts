/**
 * Package bytes: deterministic synthetic content (generated from size and seed, never stored), and a
 * byte-bounded LRU cache so downloads are served from memory.
 */
import { createHash } from 'node:crypto';
import type { PackageRecord } from './records.ts';

/**
 * The bytes of a synthetic package: a mulberry32 stream seeded with `seed`, written as little-endian
 * 32-bit words. Same size and seed always give the same bytes (and md5).
 */
export function syntheticPackageBytes(size: number, seed: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let a = seed >>> 0;
  const words = Math.floor(size / 4);
  let t = 0;
  for (let i = 0; i < words; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    view.setUint32(i * 4, (t ^ (t >>> 14)) >>> 0, true);
  }
  for (let i = words * 4; i < size; i++) buf[i] = (i * 31 + seed) & 0xff;
  return buf;
}

/** md5 of bytes, 32 lower-case hex. */
export function md5Hex(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** Serves package bytes from memory, loading on a miss; least recently used packages leave first. */
export interface ContentCache {
  get(pkg: PackageRecord): Buffer | undefined;
  put(id: number, bytes: Buffer): void;
}

/** Creates the cache. `load` reads stored bytes of an uploaded package (undefined when missing). */
export function createContentCache(maxBytes: number, load: (id: number) => Buffer | null): ContentCache {
  const entries = new Map<number, Buffer>();
  let total = 0;
  const put = (id: number, bytes: Buffer): void => {
    const old = entries.get(id);
    if (old) {
      total -= old.length;
      entries.delete(id);
    }
    entries.set(id, bytes);
    total += bytes.length;
    for (const [key, value] of entries) {
      if (total <= maxBytes || key === id) break;
      entries.delete(key);
      total -= value.length;
    }
  };
  return {
    put,
    get(pkg) {
      const hit = entries.get(pkg.id);
      if (hit) {
        entries.delete(pkg.id);
        entries.set(pkg.id, hit);
        return hit;
      }
      const bytes =
        pkg.syntheticSeed === null ? load(pkg.id) : syntheticPackageBytes(pkg.size, pkg.syntheticSeed);
      if (!bytes || bytes.length !== pkg.size) return undefined;
      put(pkg.id, bytes);
      return bytes;
    },
  };
}
