/**
 * Builds each device's request headers (Authorization token, optional Host) and renews the token before
 * its `et`, as devices do: a token is re-signed once the clock passes `et` minus a margin (a fifth of
 * `tokenTtl`, at most 5 minutes), on the device's next request. Product-level tokens share one set of
 * headers across the worker's devices (renewed once for all); device-level tokens renew per device.
 */
import type { Credentials } from '../device/calls.ts';
import { buildAuthorization, deviceRes, productRes } from '../ota/token.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { TargetInfo } from './protocol.ts';

/** Hands out the credentials of a device. */
export interface TokenSource {
  credentialsFor(deviceName: string): Credentials;
}

/** Options of the token source: the wall clock (epoch ms) the token's `et` is measured against. */
export interface TokenSourceOptions {
  nowMs?: () => number;
}

/** Margin before `et` at which a token is renewed, ms. */
export function renewMarginMs(ttlMs: number): number {
  return Math.min(300_000, ttlMs / 5);
}

/** Credentials that re-sign their token (through `sign(et)`) once `et` minus the margin is reached. */
function renewing(
  base: Record<string, string>,
  ttlMs: number,
  nowMs: () => number,
  sign: ((et: number) => string) | undefined,
): Credentials {
  let headers = base;
  let post = { ...base, 'Content-Type': 'application/json' };
  let renewAt = Number.NEGATIVE_INFINITY;
  const margin = renewMarginMs(ttlMs);
  const refresh = () => {
    if (!sign) {
      renewAt = Number.POSITIVE_INFINITY;
      return;
    }
    const now = nowMs();
    if (now < renewAt) return;
    const et = Math.floor((now + ttlMs) / 1000);
    headers = { ...base, Authorization: sign(et) };
    post = { ...headers, 'Content-Type': 'application/json' };
    renewAt = et * 1000 - margin;
  };
  return {
    headers() {
      if (nowMs() >= renewAt) refresh();
      return headers;
    },
    postHeaders() {
      if (nowMs() >= renewAt) refresh();
      return post;
    },
  };
}

/** Creates the token source of a worker. A device without a key gets no Authorization (and fails auth, visibly). */
export function createTokenSource(
  s: Scenario,
  target: TargetInfo,
  opts: TokenSourceOptions = {},
): TokenSource {
  const nowMs = opts.nowMs ?? Date.now;
  const ttl = s.product.tokenTtl;
  const base: Record<string, string> = target.host ? { Host: target.host } : {};
  const method = s.product.tokenMethod;
  if (s.product.tokenLevel === 'product') {
    const key = target.productKey;
    const res = productRes(target.productId);
    const shared = renewing(
      base,
      ttl,
      nowMs,
      key ? (et) => buildAuthorization({ key, res, et, method }) : undefined,
    );
    return { credentialsFor: () => shared };
  }
  return {
    credentialsFor(name) {
      const key = target.deviceKeys?.[name];
      const res = deviceRes(target.productId, name);
      return renewing(
        base,
        ttl,
        nowMs,
        key ? (et) => buildAuthorization({ key, res, et, method }) : undefined,
      );
    },
  };
}
