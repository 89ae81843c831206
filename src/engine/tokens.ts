/** Builds each device's request headers (Authorization token, optional Host) once, at device start. */
import { buildAuthorization, deviceRes, productRes } from '../ota/token.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { TargetInfo } from './protocol.ts';

/** Hands out the base headers of a device. Product-level tokens share one object across devices. */
export interface TokenSource {
  headersFor(deviceName: string): Record<string, string>;
}

/** Creates the token source of a worker. A device without a key gets no Authorization (and fails auth, visibly). */
export function createTokenSource(s: Scenario, target: TargetInfo): TokenSource {
  const et = Math.floor(Date.now() / 1000 + s.product.tokenTtl / 1000);
  const base: Record<string, string> = target.host ? { Host: target.host } : {};
  if (s.product.tokenLevel === 'product') {
    const headers = { ...base };
    if (target.productKey) {
      headers.Authorization = buildAuthorization({
        key: target.productKey,
        res: productRes(target.productId),
        et,
        method: s.product.tokenMethod,
      });
    }
    return { headersFor: () => headers };
  }
  return {
    headersFor(name) {
      const key = target.deviceKeys?.[name];
      if (!key) return base;
      return {
        ...base,
        Authorization: buildAuthorization({
          key,
          res: deviceRes(target.productId, name),
          et,
          method: s.product.tokenMethod,
        }),
      };
    },
  };
}
