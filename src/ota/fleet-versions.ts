/**
 * Fleet naming and starting versions, computed identically by the simulator and the reference server:
 * device names from a `{index}` / `{index:N}` pattern, and a deterministic, weight-following choice of
 * each device's starting version. Pure; imports nothing.
 */

/** Starting-version weights of one module, e.g. `{ 'V1.0': 80, 'V0.9': 20 }`. */
export type VersionWeights = Readonly<Record<string, number>>;

/** Starting-version weights per version field. */
export interface FleetVersionWeights {
  f_version?: VersionWeights;
  s_version?: VersionWeights;
}

// (√5 − 1) / 2: successive multiples modulo 1 spread evenly (a low-discrepancy sequence), so the
// share of each version stays within about one device of its weight even for small fleets.
const GOLDEN = 0.6180339887498949;
const S_VERSION_SALT = 0x5bd1e995;

function mix32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Picks the starting version of the device with name index `index` (the `{index}` value) from
 * `weights` (non-positive weights are ignored; keys are taken in sorted order, so key order does not
 * matter) for run seed `seed`. Returns undefined when no weight is positive.
 */
export function assignVersion(
  weights: VersionWeights,
  index: number,
  seed: number,
  salt = 0,
): string | undefined {
  const keys = Object.keys(weights)
    .filter((k) => (weights[k] ?? 0) > 0)
    .sort();
  if (keys.length === 0) return undefined;
  let total = 0;
  for (const k of keys) total += weights[k]!;
  const offset = mix32(mix32(seed) ^ salt) / 2 ** 32;
  const u = (offset + index * GOLDEN) % 1;
  let target = u * total;
  for (const k of keys) {
    target -= weights[k]!;
    if (target < 0) return k;
  }
  return keys[keys.length - 1];
}

/** Both starting versions of one device; a field is absent when it has no weights (never reported). */
export function assignFleetVersions(
  weights: FleetVersionWeights,
  index: number,
  seed: number,
): { f_version?: string; s_version?: string } {
  const out: { f_version?: string; s_version?: string } = {};
  const f = weights.f_version ? assignVersion(weights.f_version, index, seed) : undefined;
  const s = weights.s_version ? assignVersion(weights.s_version, index, seed, S_VERSION_SALT) : undefined;
  if (f !== undefined) out.f_version = f;
  if (s !== undefined) out.s_version = s;
  return out;
}

/** Expands `{index}` and `{index:N}` (zero-padded to N digits) in a device name pattern. */
export function formatDeviceName(pattern: string, index: number): string {
  return pattern.replace(/\{index(?::(\d+))?\}/g, (_m, width: string | undefined) =>
    width === undefined ? String(index) : String(index).padStart(Number(width), '0'),
  );
}

/** True for a device name a server accepts: 1–64 of `[A-Za-z0-9_.@-]`, not only dots. */
export function isValidDeviceName(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_.@-]{1,64}$/.test(value) && !/^\.+$/.test(value);
}
