/**
 * Device request authentication (spec §2) with a bounded cache of verified tokens keyed by the
 * `Authorization` value, so the HMAC is computed once per distinct token, not once per request.
 * A cache hit still checks the expiry and that the token names this product and device.
 */
import { Errno } from '../ota/codes.ts';
import { parseAuthorization, verifyToken } from '../ota/token.ts';
import type { DeviceState, OtaState } from './store/state.ts';

/** Outcome of authenticating one request: errno 0 and the device, or the errno to answer. */
export interface AuthOutcome {
  errno: number;
  device: DeviceState | undefined;
  /** True when the token was fine but the product or device does not exist (download `Ota-Errno` 1). */
  missing: boolean;
}

interface VerifiedToken {
  proId: string;
  devName: string | undefined;
  et: number;
}

/** Authenticates device requests against the state's keys. */
export interface Authenticator {
  authenticate(header: string | undefined, proId: string, devName: string, nowSec: number): AuthOutcome;
  readonly cacheSize: number;
}

/** Creates an authenticator whose cache holds at most `maxEntries` verified tokens (oldest leave first). */
export function createAuthenticator(state: OtaState, maxEntries: number): Authenticator {
  const cache = new Map<string, VerifiedToken>();
  const fail = (errno: number): AuthOutcome => ({ errno, device: undefined, missing: false });

  const found = (proId: string, devName: string): AuthOutcome => {
    const device = state.device(proId, devName);
    return device
      ? { errno: Errno.OK, device, missing: false }
      : { errno: Errno.AUTH_FAILED, device: undefined, missing: true };
  };

  return {
    get cacheSize() {
      return cache.size;
    },
    authenticate(header, proId, devName, nowSec) {
      if (!header) return fail(Errno.AUTH_FAILED);
      const hit = cache.get(header);
      if (hit) {
        if (hit.proId !== proId || (hit.devName !== undefined && hit.devName !== devName)) {
          return fail(Errno.TOKEN_DEVICE_MISMATCH);
        }
        if (hit.et <= nowSec) {
          cache.delete(header);
          return fail(Errno.TOKEN_EXPIRED);
        }
        return found(proId, devName);
      }
      const token = parseAuthorization(header);
      if (!token) return fail(Errno.AUTH_FAILED);
      const product = state.products.get(proId);
      const keys = { productKey: product?.accessKey ?? '', deviceKey: state.device(proId, devName)?.key };
      const errno = verifyToken(token, keys, { proId, devName, now: nowSec });
      if (errno !== Errno.OK) return fail(errno);
      cache.set(header, { proId: token.proId, devName: token.devName, et: token.et });
      if (cache.size > maxEntries) {
        const oldest = cache.keys().next();
        if (!oldest.done) cache.delete(oldest.value);
      }
      return found(proId, devName);
    },
  };
}
