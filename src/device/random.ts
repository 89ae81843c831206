/** Per-device random streams: every draw of a run is reproducible from the scenario seed. */
import { mulberry32 } from '../rng.ts';

/** A source of uniform numbers in [0, 1). */
export interface Rng {
  next(): number;
}

/** Creates a generator from a 32-bit seed. */
export function createRng(seed: number): Rng {
  return { next: mulberry32(seed) };
}

/** Mixes a run seed and a device index into a per-device seed (so devices do not share a stream). */
export function deviceSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Picks a key of `weights` with probability proportional to its weight. */
export function pickWeighted<T>(items: readonly { value: T; weight: number }[], u: number): T {
  const total = items.reduce((s, i) => s + i.weight, 0);
  let x = u * total;
  for (const item of items) {
    x -= item.weight;
    if (x < 0) return item.value;
  }
  return items[items.length - 1]!.value;
}

/** Returns `base` spread uniformly by ± `fraction` of itself. */
export function jitter(base: number, fraction: number, u: number): number {
  return base * (1 + fraction * (2 * u - 1));
}
