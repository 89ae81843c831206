/**
 * The `Authorization` token of spec §2: build it (devices) and verify it (server).
 * sign = base64(HMAC_method(base64decode(key), et\nmethod\nres\nversion)).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Errno } from './codes.ts';

/** The only token version the platform defines. */
export const TOKEN_VERSION = '2018-10-31';

/** Signature methods, lower case as on the wire. */
export type TokenMethod = 'md5' | 'sha1' | 'sha256';
export const TOKEN_METHODS: readonly TokenMethod[] = ['md5', 'sha1', 'sha256'];

/** Inputs of a token. `et` is Unix seconds; `res` is `products/{pid}` or `products/{pid}/devices/{dev}`. */
export interface TokenOptions {
  key: string;
  res: string;
  et: number;
  method: TokenMethod;
  version?: string;
}

/** The `res` of a product-level token. */
export function productRes(proId: string): string {
  return `products/${proId}`;
}

/** The `res` of a device-level token. */
export function deviceRes(proId: string, devName: string): string {
  return `products/${proId}/devices/${devName}`;
}

/** Computes the base64 signature (not percent-encoded). */
export function signToken(opts: TokenOptions): string {
  const version = opts.version ?? TOKEN_VERSION;
  const text = `${opts.et}\n${opts.method}\n${opts.res}\n${version}`;
  return createHmac(opts.method, Buffer.from(opts.key, 'base64')).update(text, 'utf8').digest('base64');
}

/** Builds the whole `Authorization` header value, parameters in the spec's order. */
export function buildAuthorization(opts: TokenOptions): string {
  const version = opts.version ?? TOKEN_VERSION;
  const sign = signToken({ ...opts, version });
  return `version=${version}&res=${encodeURIComponent(opts.res)}&et=${opts.et}&method=${opts.method}&sign=${encodeURIComponent(sign)}`;
}

/** The decoded parameters of a token, before any check of the signature. */
export interface ParsedToken {
  version: string;
  res: string;
  et: number;
  method: TokenMethod;
  sign: string;
  proId: string;
  devName?: string;
}

/** Parses an `Authorization` value; returns undefined when it is not a well-formed token. */
export function parseAuthorization(header: string | undefined): ParsedToken | undefined {
  if (!header) return undefined;
  const fields = new Map<string, string>();
  for (const part of header.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    let value: string;
    try {
      value = decodeURIComponent(part.slice(eq + 1));
    } catch {
      return undefined;
    }
    fields.set(part.slice(0, eq).trim(), value);
  }
  const version = fields.get('version');
  const res = fields.get('res');
  const etText = fields.get('et');
  const method = fields.get('method');
  const sign = fields.get('sign');
  if (!version || !res || !etText || !method || !sign) return undefined;
  if (!/^\d{1,12}$/.test(etText)) return undefined;
  if (!(TOKEN_METHODS as readonly string[]).includes(method)) return undefined;
  const m = /^products\/([^/]+)(?:\/devices\/([^/]+))?$/.exec(res);
  if (!m) return undefined;
  const parsed: ParsedToken = {
    version,
    res,
    et: Number(etText),
    method: method as TokenMethod,
    sign,
    proId: m[1]!,
  };
  if (m[2] !== undefined) parsed.devName = m[2];
  return parsed;
}

/** Keys a server knows for the device a request names. */
export interface TokenKeys {
  productKey: string;
  deviceKey?: string;
}

/** What the server checks a token against. `now` is Unix seconds. */
export interface VerifyContext {
  proId: string;
  devName: string;
  now: number;
}

/**
 * Verifies a parsed token against the request's product/device (spec §2): res must name them, et must
 * be in the future, the signature must match in constant time. Returns an errno (0 when valid).
 */
export function verifyToken(token: ParsedToken, keys: TokenKeys, ctx: VerifyContext): number {
  if (token.proId !== ctx.proId) return Errno.TOKEN_DEVICE_MISMATCH;
  if (token.devName !== undefined && token.devName !== ctx.devName) return Errno.TOKEN_DEVICE_MISMATCH;
  const key = token.devName === undefined ? keys.productKey : keys.deviceKey;
  if (!key) return Errno.AUTH_FAILED;
  const expected = Buffer.from(
    signToken({ key, res: token.res, et: token.et, method: token.method, version: token.version }),
  );
  const given = Buffer.from(token.sign);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return Errno.AUTH_FAILED;
  if (token.et <= ctx.now) return Errno.TOKEN_EXPIRED;
  return Errno.OK;
}
