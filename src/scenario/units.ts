/**
 * Parsing of human units in scenario files: durations ("250ms", "10s", "2m", "1h") and sizes ("64KiB",
 * "1MB"). The number and its unit are written together: "10 s" is rejected, like a typo.
 */

const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const SIZE_RE = /^(\d+(?:\.\d+)?)(B|KB|KiB|MB|MiB|GB|GiB)?$/;
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_BYTES: Record<string, number> = {
  B: 1,
  KB: 1000,
  KiB: 1024,
  MB: 1_000_000,
  MiB: 1024 * 1024,
  GB: 1_000_000_000,
  GiB: 1024 ** 3,
};

/** Longest duration a scenario may give: 2^31-1 ms, the most a Node.js timer can wait (about 24.8 days). */
export const MAX_DURATION_MS = 2_147_483_647;
/** Largest size a scenario may give: 1 TiB. */
export const MAX_SIZE_BYTES = 1024 ** 4;

/** Parses a duration string to milliseconds; a bare number is milliseconds. Undefined when malformed. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const m = DURATION_RE.exec(value.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * DURATION_MS[m[2]!]!);
}

/** Parses a size string to bytes; a bare number is bytes. Undefined when malformed. */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  const m = SIZE_RE.exec(value.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * SIZE_BYTES[m[2] ?? 'B']!);
}

/** Formats milliseconds for people: "850ms", "12.5s", "3m 20s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return s === 0 ? `${m}m` : `${m}m ${s}s`;
}
