/** Field types shared by the scenario schema: durations, sizes, versions, probabilities, modules. */
import { z } from 'zod';
import { parseDuration, parseSize } from './units.ts';

/** A version string as the protocol allows it. */
export const VERSION = /^[A-Za-z0-9._-]{1,20}$/;
/** The version rule in words. */
export const VERSION_RULE = '1-20 characters of [A-Za-z0-9._-]';

/** A duration: "250ms", "10s", "2m", "1h", or a number of milliseconds. Output: milliseconds. */
export const duration = z
  .union([z.string(), z.number()], { error: 'must be a duration such as "500ms", "10s" or "2m"' })
  .transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a duration such as "500ms", "10s" or "2m" (got ${JSON.stringify(v)})`,
      });
      return z.NEVER;
    }
    return ms;
  })
  .meta({ description: 'A duration such as "500ms", "10s", "2m", "1h", or a number of milliseconds' });

/** A size: "64KiB", "1MiB", "1MB", or a number of bytes. Output: bytes. */
export const size = z
  .union([z.string(), z.number()], { error: 'must be a size such as "64KiB" or "1MiB"' })
  .transform((v, ctx) => {
    const n = parseSize(v);
    if (n === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a size such as "64KiB" or "1MiB" (got ${JSON.stringify(v)})`,
      });
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
