/**
 * The download `Range` grammar of spec §3: `bytes=a-b` or bare `a-b`, `a-`, `-n`, with the spec's
 * clamping and fall-backs. One parsed range gives 206; anything else gives 200 and the whole package.
 */

/** How a download request is to be answered: status and inclusive byte bounds. */
export interface ResolvedRange {
  status: 200 | 206;
  start: number;
  end: number;
}

/** Resolves a `Range` header against a package of `length` bytes; never throws. */
export function resolveRange(header: string | null | undefined, length: number): ResolvedRange {
  const whole: ResolvedRange = { status: 200, start: 0, end: Math.max(0, length - 1) };
  if (header === null || header === undefined || length <= 0) return whole;
  let spec = header.trim();
  const eq = spec.indexOf('=');
  if (eq >= 0) {
    if (spec.slice(0, eq).trim().toLowerCase() !== 'bytes') return whole;
    spec = spec.slice(eq + 1).trim();
  }
  const m = /^(\d*)-(\d*)$/.exec(spec);
  if (!m) return whole;
  const [, aText = '', bText = ''] = m;
  const last = length - 1;
  if (aText === '' && bText === '') return whole;
  if (aText === '') {
    const n = Number(bText);
    if (n === 0) return whole;
    return { status: 206, start: n >= length ? 0 : length - n, end: last };
  }
  let a = Number(aText);
  if (bText === '') {
    return { status: 206, start: a >= length ? 0 : a, end: last };
  }
  let b = Number(bText);
  if (b > last) b = last;
  if (a > b) a = 0;
  return { status: 206, start: a, end: b };
}

/** Formats a `Range` request header for bytes start..end inclusive (end omitted: to the end). */
export function formatRange(start: number, end?: number): string {
  return end === undefined ? `bytes=${start}-` : `bytes=${start}-${end}`;
}

/** Parses `Content-Range: bytes a-b/total`; undefined when absent or malformed. */
export function parseContentRange(
  value: string | undefined,
): { start: number; end: number; total: number } | undefined {
  if (!value) return undefined;
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(value.trim());
  if (!m) return undefined;
  return { start: Number(m[1]), end: Number(m[2]), total: Number(m[3]) };
}
