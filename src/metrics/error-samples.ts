/**
 * Samples of failed requests: the first few per error code, so a report shows what went wrong without
 * a rerun. Each worker keeps the first MAX_SAMPLES_PER_CODE per code over the whole run and ships them
 * with its next snapshot; the main thread merges them to the first MAX_SAMPLES_PER_CODE per code (by
 * time). A sample never carries the Authorization value; text fields are cut and token signatures
 * are masked before a sample leaves the recorder.
 */
import type { OtaCall } from '../ota/routes.ts';

/**
 * One failed request, as a user would want to see it without a rerun. Never carries the Authorization
 * value; `body` is an excerpt (at most BODY_EXCERPT_CHARS characters).
 */
export interface ErrorSample {
  code: string;
  call: OtaCall;
  method: string;
  path: string;
  status?: number;
  /** errno of the reply envelope, or the download's Ota-Errno header. */
  errno?: number;
  body?: string;
  /** The underlying code or reason (e.g. undici's UND_ERR_HEADERS_TIMEOUT). */
  detail?: string;
  /** When it happened, epoch ms. */
  atMs: number;
}

/** Samples kept per error code (per worker, and in the merged summary). */
export const MAX_SAMPLES_PER_CODE = 5;
/** Longest body excerpt kept, in characters. */
export const BODY_EXCERPT_CHARS = 200;
/** Longest path, detail or method kept, in characters. */
const FIELD_CHARS = 300;
/** Error codes sampled per worker at most (a bound on memory whatever the target sends). */
const MAX_CODES = 64;

/** `sign=...` of a OneNET token (in a query string or an echoed header): masked wherever it appears. */
const SIGN = /(sign=)[^&\s"']+/gi;
const AUTH = /(authorization["']?\s*[:=]\s*["']?)[^"'\s,}]+/gi;

function clean(text: string, max: number): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(SIGN, '$1***').replace(AUTH, '$1***');
}

/** A copy of `sample` safe to keep: text fields cut to their bound, token signatures masked. */
export function sanitizeSample(sample: ErrorSample): ErrorSample {
  const out: ErrorSample = {
    code: clean(String(sample.code), 80),
    call: sample.call,
    method: clean(String(sample.method), 16),
    path: clean(String(sample.path), FIELD_CHARS),
    atMs: sample.atMs,
  };
  if (sample.status !== undefined) out.status = sample.status;
  if (sample.errno !== undefined) out.errno = sample.errno;
  if (sample.body !== undefined) out.body = clean(String(sample.body), BODY_EXCERPT_CHARS);
  if (sample.detail !== undefined) out.detail = clean(String(sample.detail), FIELD_CHARS);
  return out;
}

/** Keeps the first MAX_SAMPLES_PER_CODE samples of each code in one worker (for the whole run). */
export class ErrorSampler {
  private readonly taken = new Map<string, number>();
  private pending: ErrorSample[] = [];

  /** Offers one failed request; kept (sanitised) only while its code has fewer than the maximum. */
  offer(sample: ErrorSample): void {
    const n = this.taken.get(sample.code);
    if (n === undefined && this.taken.size >= MAX_CODES) return;
    if ((n ?? 0) >= MAX_SAMPLES_PER_CODE) return;
    this.taken.set(sample.code, (n ?? 0) + 1);
    this.pending.push(sanitizeSample(sample));
  }

  /** The samples kept since the last call (for the next snapshot). */
  take(): ErrorSample[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }
}

/** Merges sample lists to the earliest MAX_SAMPLES_PER_CODE per code, ordered by code then time. */
export function mergeErrorSamples(...lists: readonly (readonly ErrorSample[] | undefined)[]): ErrorSample[] {
  const all = lists.flatMap((l) => l ?? []);
  all.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : a.atMs - b.atMs));
  const kept: ErrorSample[] = [];
  const count = new Map<string, number>();
  for (const s of all) {
    const n = count.get(s.code) ?? 0;
    if (n >= MAX_SAMPLES_PER_CODE) continue;
    count.set(s.code, n + 1);
    kept.push(s);
  }
  return kept;
}
