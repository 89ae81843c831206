/** zod schemas of the management API bodies and queries; unknown keys are errors. */
import { z } from 'zod';
import { isValidDeviceName } from '../../ota/fleet-versions.ts';
import {
  isValidDescription,
  isValidPackageFileName,
  isValidPackageName,
  isValidVersion,
} from '../../ota/rules.ts';
import { badRequest, clip } from './views.ts';

const version = z.string().refine(isValidVersion, 'must be 1-20 characters of [A-Za-z0-9._-]');
const deviceName = z.string().refine(isValidDeviceName, 'must be 1-64 characters of [A-Za-z0-9_.@-]');
const base64Key = z
  .string()
  .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'must be standard base64')
  .min(4)
  .max(200);
// Every number a body may carry has an upper bound a handler can hold (issue 8 §3).
const seed = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1);
const weights = z.record(version, z.number().nonnegative().max(1e9));

/** Longest device name, so the widest `{index:N}` a name pattern may ask for. */
export const MAX_INDEX_WIDTH = 64;
const INDEX_RE = /\{index(?::(\d+))?\}/g;
const fileName = z
  .string()
  .refine(isValidPackageFileName, 'must end in .zip, .rar or .bin, without path parts')
  .refine((v) => Buffer.byteLength(v) <= 128, 'must be at most 128 bytes of UTF-8');

export const productIdRule = /^[A-Za-z0-9_-]{1,64}$/;

export const createProductSchema = z.strictObject({
  id: z.string().regex(productIdRule, 'must be 1-64 characters of [A-Za-z0-9_-]').optional(),
  name: z.string().min(1).max(64).optional(),
  accessKey: base64Key.optional(),
});

export const createDeviceSchema = z.strictObject({
  name: deviceName,
  key: base64Key.optional(),
  fVersion: version.optional(),
  sVersion: version.optional(),
});

export const bulkDevicesSchema = z.strictObject({
  prefix: z.string().max(50).optional(),
  namePattern: z
    .string()
    .max(80)
    .regex(/\{index(:\d+)?\}/, 'must contain {index} or {index:N}')
    .refine(
      (p) => [...p.matchAll(INDEX_RE)].every((m) => m[1] === undefined || Number(m[1]) <= MAX_INDEX_WIDTH),
      `the width N of {index:N} must be at most ${MAX_INDEX_WIDTH} (a device name is at most 64 characters)`,
    )
    .optional(),
  count: z.number().int().min(1).max(1_000_000),
  start: z.number().int().min(0).max(1e12).optional(),
  versions: z.strictObject({ f_version: weights.optional(), s_version: weights.optional() }).optional(),
  seed: seed.optional(),
  returnDevices: z.boolean().optional(),
});

const packageFields = {
  name: z.string().refine(isValidPackageName, 'must be 1-20 CJK characters, letters, digits or _ - . ( )'),
  module: z.enum(['fota', 'sota']),
  type: z.enum(['full', 'diff']).optional(),
  targetVersion: version,
  fromVersion: version.optional(),
  description: z.string().refine(isValidDescription, 'must be at most 100 characters').optional(),
};

export const createPackageSchema = z.strictObject({
  ...packageFields,
  fileName: fileName.optional(),
  synthetic: z
    .strictObject({
      size: z
        .number()
        .int()
        .min(1)
        .max(30 * 1024 * 1024),
      seed: seed.optional(),
    })
    .optional(),
  contentBase64: z.string().optional(),
});

export const uploadQuerySchema = z.strictObject({ ...packageFields, fileName });

export const verificationSchema = z.union([
  z.strictObject({ device: deviceName, timeoutSec: z.number().positive().max(86_400).optional() }),
  z.strictObject({ skip: z.literal(true) }),
]);

export const createBatchSchema = z
  .strictObject({
    name: z.string().min(1).max(64).optional(),
    fromVersion: version.nullable(),
    devices: z.array(deviceName).min(1).max(1_000_000).optional(),
    startAt: z.number().int().nonnegative().max(8.64e15).optional(),
    timeoutSec: z
      .number()
      .positive()
      .max(7 * 86_400)
      .optional(),
    retry: z
      .strictObject({ count: z.number().int().min(0).max(10), intervalSec: z.number().min(0).max(86_400) })
      .optional(),
    notifyUrl: z.url({ protocol: /^https?$/ }).optional(),
    notify: z
      .strictObject({ mqtt: z.boolean().optional(), url: z.url({ protocol: /^https?$/ }).optional() })
      .optional(),
    skipVerification: z.boolean().optional(),
  })
  .refine((b) => b.notifyUrl === undefined || b.notify?.url === undefined, {
    message: 'give the push URL once: notify.url or notifyUrl',
    path: ['notify', 'url'],
  });

export const cancelBatchSchema = z.strictObject({ scope: z.enum(['all', 'scheduled']).optional() });

/** Most problems one 400 names; the rest are counted. */
export const MAX_PROBLEMS = 10;

/**
 * Parses `value` with `schema` or throws a 400 naming its problems with their paths: at most
 * MAX_PROBLEMS of them (the rest counted), each path and message clipped, so no reply echoes a huge
 * key or value back.
 */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const { issues } = r.error;
  const problems = issues.slice(0, MAX_PROBLEMS).map((i) => {
    const path = i.path.length > 0 ? clip(i.path.join('.'), 60) : what;
    return `${path}: ${clip(i.message, 120)}`;
  });
  const more = issues.length > MAX_PROBLEMS ? ` (and ${issues.length - MAX_PROBLEMS} more problems)` : '';
  throw badRequest(`${what}: ${problems.join('; ')}${more}`);
}

/** Reads `offset`/`limit` of a list query (limit default 100, at most 1 000 000). */
export function parsePage(query: URLSearchParams): { offset: number; limit: number } {
  const num = (name: string, fallback: number, max: number): number => {
    const text = query.get(name);
    if (text === null) return fallback;
    if (!/^\d{1,9}$/.test(text) || Number(text) > max)
      throw badRequest(`${name}: must be an integer 0..${max}`);
    return Number(text);
  };
  return { offset: num('offset', 0, 1e9), limit: num('limit', 100, 1_000_000) };
}
