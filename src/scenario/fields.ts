/** Field types shared by the scenario schema: durations, sizes, versions, probabilities, modules. */
import { z } from 'zod';
import { clip } from './clip.ts';
import { MAX_DURATION_MS, MAX_SIZE_BYTES, parseDuration, parseSize } from './units.ts';

/** The problem of a value that is not a duration; a plain number suggests its unit. */
function durationProblem(v: string | number): string {
  const got = clip(JSON.stringify(v));
  if ((typeof v === 'number' && v > 0) || (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v))) {
    const n = String(v).trim();
    return `must be a duration with a unit, such as "${n}s" or "${n}ms" (got ${got}; did you mean "${n}s"?)`;
  }
  return `must be a duration such as "500ms", "10s" or "2m" (got ${got})`;
}

/** A version string as the protocol allows it. */
export const VERSION = /^[A-Za-z0-9._-]{1,20}$/;
/** The version rule in words. */
export const VERSION_RULE = '1-20 characters of [A-Za-z0-9._-]';

/**
 * A duration: "250ms", "10s", "2m", "1h", or a number of milliseconds. Output: milliseconds, at most
 * MAX_DURATION_MS (the longest a timer can wait). A bare number with no unit is refused in a string
 * ("10" → did you mean "10s"?): `pollInterval: 10` silently meaning 10 ms was a trap.
 */
export const duration = z
  .union([z.string(), z.number()], { error: 'must be a duration such as "500ms", "10s" or "2m"' })
  .transform((v, ctx) => {
    const ms = typeof v === 'number' && v !== 0 ? undefined : parseDuration(v);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: durationProblem(v) });
      return z.NEVER;
    }
    if (ms > MAX_DURATION_MS) {
      ctx.addIssue({
        code: 'custom',
        message: `must be at most 596h (${MAX_DURATION_MS}ms = 2^31-1 ms, the longest a timer can wait) (got ${clip(JSON.stringify(v))})`,
      });
      return z.NEVER;
    }
    return ms;
  })
  .meta({ description: 'A duration with its unit, such as "500ms", "10s", "2m" or "1h" (0 needs none)' });

/** A size: "64KiB", "1MiB", "1MB", or a number of bytes. Output: bytes. */
export const size = z
  .union([z.string(), z.number()], { error: 'must be a size such as "64KiB" or "1MiB"' })
  .transform((v, ctx) => {
    const n = parseSize(v);
    if (n === undefined || n > MAX_SIZE_BYTES) {
      const what = n === undefined ? 'must be a size such as "64KiB" or "1MiB"' : 'must be at most 1TiB';
      ctx.addIssue({ code: 'custom', message: `${what} (got ${clip(JSON.stringify(v))})` });
      return z.NEVER;
    }
    return n;
  })
  .meta({ description: 'A size such as "64KiB", "1MiB", "10MB", or a number of bytes' });

/** A version: 1-20 characters of [A-Za-z0-9._-]. */
export const version = z.string().regex(VERSION, `must be a version (${VERSION_RULE})`);
/** A probability, 0 to 1. */
export const probability = z.number().min(0).max(1);
/** A positive integer. */
export const positiveInt = z
  .number()
  .int({ error: 'must be a whole number' })
  .positive({ error: 'must be a positive integer' });
/** A module: fota (module firmware) or sota (MCU software). */
export const module = z.enum(['fota', 'sota']).meta({
  description:
    'fota = module firmware (f_version, check type 1); sota = MCU software (s_version, check type 2)',
});
/** The meta of a described field. */
export const describe = (description: string) => ({ description });
